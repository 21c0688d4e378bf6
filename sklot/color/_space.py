"""Colour spaces: sRGB <-> CIE L*a*b* (D65), and luma.

Written once here and used by every colour method. sRGB values are floats in
[0, 1] (gamma-encoded); values outside that range are converted by the same
formulas (the linear segment extends below zero), so the round trip holds for
any finite input.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import validate_params

__all__ = ["lab_to_rgb", "luma", "rgb_to_lab"]

# sRGB (IEC 61966-2-1) primaries with the D65 white point: linear RGB -> XYZ.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = _RGB_TO_XYZ.sum(axis=1)
_DELTA = 6.0 / 29.0
# Rec. 709 luma weights (on gamma-encoded values); they sum to one.
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])


def _check_rgb_like(x, name) -> np.ndarray:
    try:
        x = np.asarray(x)
    except ValueError:
        raise ValueError(
            f"{name} must be an array of colours of shape (..., 3); got a "
            "ragged sequence whose rows differ in length."
        ) from None
    if x.dtype.kind not in "fiu":
        raise TypeError(
            f"{name} must hold real numbers (floats, or unsigned integers), got "
            f"dtype {x.dtype}."
        )
    if x.shape[-1:] != (3,):
        raise ValueError(
            f"{name} must have 3 channels in its last axis, got shape {x.shape}."
        )
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise ValueError(
            f"{name} contains NaN or infinity; colours must be finite (fill "
            "or drop the missing pixels first)."
        )
    return x


def _no_overflow(out, name):
    """Return ``out``, or raise if converting ``name`` gave NaN or inf."""
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"converting {name} gives values that are not finite: {name} holds "
            f"NaN or inf, or values so far outside the colour range ([0, 1] "
            f"for RGB, L in [0, 100] for Lab) that they overflow "
            f"{out.dtype.name}; pass finite {name} in range."
        )
    return out


def _float_dtype(x):
    return x.dtype if x.dtype in (np.float32, np.float64) else np.float64


def _srgb_to_linear(c):
    out = np.empty_like(c)
    low = c <= 0.04045
    out[low] = c[low] / 12.92
    high = ~low
    out[high] = ((c[high] + 0.055) / 1.055) ** 2.4
    return out


def _linear_to_srgb(c):
    out = np.empty_like(c)
    low = c <= 0.0031308
    out[low] = 12.92 * c[low]
    high = ~low
    out[high] = 1.055 * c[high] ** (1.0 / 2.4) - 0.055
    return out


def _f(t):
    out = np.empty_like(t)
    high = t > _DELTA**3
    out[high] = np.cbrt(t[high])
    low = ~high
    out[low] = t[low] / (3 * _DELTA**2) + 4.0 / 29.0
    return out


def _f_inv(t):
    out = np.empty_like(t)
    high = t > _DELTA
    out[high] = t[high] ** 3
    low = ~high
    out[low] = 3 * _DELTA**2 * (t[low] - 4.0 / 29.0)
    return out


@validate_params({"rgb": ["array-like"]}, prefer_skip_nested_validation=True)
def rgb_to_lab(rgb: ArrayLike) -> np.ndarray:
    """Convert sRGB colours in [0, 1] to CIE L*a*b* (D65 white point).

    Parameters
    ----------
    rgb : array-like of shape (..., 3)
        Gamma-encoded sRGB values, floats in [0, 1] (an unsigned-integer
        array is read as intensities ``0..max`` and scaled).

    Returns
    -------
    lab : ndarray of shape (..., 3)
        ``L*`` in [0, 100], ``a*`` and ``b*`` roughly in [-128, 128]. float32
        input gives float32 output, anything else float64.

    See Also
    --------
    lab_to_rgb : The inverse conversion.

    Notes
    -----
    sRGB is linearized (IEC 61966-2-1), mapped to CIE XYZ with the sRGB
    primaries, then to L*a*b* relative to the D65 white of the same matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.color import rgb_to_lab
    >>> rgb_to_lab([1.0, 1.0, 1.0]).round(4) + 0.0
    array([100.,   0.,   0.])
    >>> rgb_to_lab([1.0, 0.0, 0.0]).round(2)
    array([53.24, 80.09, 67.2 ])
    """
    rgb = _check_rgb_like(rgb, "rgb")
    dtype = _float_dtype(rgb)
    if rgb.dtype.kind == "u":
        rgb = rgb / np.iinfo(rgb.dtype).max
    lin = _srgb_to_linear(np.asarray(rgb, dtype=np.float64))
    xyz = (lin @ _RGB_TO_XYZ.T) / _WHITE_D65
    f = _f(xyz)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return _no_overflow(lab.astype(dtype, copy=False), "rgb")


@validate_params({"lab": ["array-like"]}, prefer_skip_nested_validation=True)
def lab_to_rgb(lab: ArrayLike) -> np.ndarray:
    """Convert CIE L*a*b* (D65) colours to gamma-encoded sRGB.

    Parameters
    ----------
    lab : array-like of shape (..., 3)
        ``L*``, ``a*``, ``b*`` values.

    Returns
    -------
    rgb : ndarray of shape (..., 3)
        sRGB values; colours outside the sRGB gamut fall outside [0, 1] and
        are not clipped. float32 input gives float32 output.

    See Also
    --------
    rgb_to_lab : The forward conversion.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.color import lab_to_rgb, rgb_to_lab
    >>> rgb = np.array([[0.2, 0.5, 0.9], [1.0, 0.0, 0.3]])
    >>> bool(np.allclose(lab_to_rgb(rgb_to_lab(rgb)), rgb))
    True
    """
    lab = _check_rgb_like(lab, "lab")
    dtype = _float_dtype(lab)
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.empty_like(lab)
    f[..., 0] = fy + lab[..., 1] / 500.0
    f[..., 1] = fy
    f[..., 2] = fy - lab[..., 2] / 200.0
    xyz = _f_inv(f) * _WHITE_D65
    rgb = _linear_to_srgb(xyz @ _XYZ_TO_RGB.T)
    return _no_overflow(rgb.astype(dtype, copy=False), "lab")


@validate_params({"rgb": ["array-like"]}, prefer_skip_nested_validation=True)
def luma(rgb: ArrayLike) -> np.ndarray:
    """Rec. 709 luma of gamma-encoded RGB colours.

    Parameters
    ----------
    rgb : array-like of shape (..., 3)
        Gamma-encoded RGB values.

    Returns
    -------
    y : ndarray of shape (...)
        ``0.2126 R + 0.7152 G + 0.0722 B``, in the units of the input
        (float32 input gives float32 output).

    Examples
    --------
    >>> from sklot.color import luma
    >>> float(luma([1.0, 1.0, 1.0]))
    1.0
    """
    rgb = _check_rgb_like(rgb, "rgb")
    dtype = _float_dtype(rgb)
    return (np.asarray(rgb, dtype=dtype) @ LUMA_WEIGHTS.astype(dtype)).astype(
        dtype, copy=False
    )
