"""Image arrays for colour transfer: checks, streamed pixel blocks, regrain.

The regrain is the screened Poisson blend that keeps the source image's
detail under the transferred colours.
"""

from __future__ import annotations

import numpy as np
from scipy import fft

# Pixels per block of every streamed pass: bounds the float64 temporaries of
# a transform (about 2**18 * 3 * 8 bytes = 6 MiB each), whatever the image.
_BLOCK = 2**18


def _regrain_weight(height, width, fidelity):
    """Weight of the source at each cosine frequency, ``lam / (lam + f)``."""
    rows = (2 - 2 * np.cos(np.pi * np.arange(height) / height)).astype(np.float32)
    cols = (2 - 2 * np.cos(np.pi * np.arange(width) / width)).astype(np.float32)
    weight = rows[:, None] + cols[None, :]
    weight /= weight + np.float32(fidelity)
    return weight


def _regrain_channel(source, mapped, weight):
    """Screened Poisson blend of one channel: ``mapped``'s colours, ``source``'s detail.

    The minimizer of ``fidelity |J - mapped|^2 + |grad J - grad source|^2``
    (Neumann boundary), solved exactly in the cosine basis: a frequency with
    Laplacian eigenvalue ``lam`` takes ``(fidelity * mapped + lam * source) /
    (fidelity + lam)``. float32 (height, width) arrays.
    """
    m_hat = fft.dctn(mapped, norm="ortho")
    s_hat = fft.dctn(source, norm="ortho")
    s_hat -= m_hat
    s_hat *= weight
    m_hat += s_hat
    del s_hat
    return fft.idctn(m_hat, norm="ortho", overwrite_x=True)


class _Pixels:
    """One distribution of colours: rows of a 2D array, or an image's pixels."""

    def __init__(self, array, kind):
        self.kind = kind
        self.array = array
        self.dtype = array.dtype
        self.scale = (
            float(np.iinfo(array.dtype).max) if array.dtype.kind == "u" else 1.0
        )
        channels = array.shape[-1]
        self.flat = array.reshape(-1, channels)
        self.n = self.flat.shape[0]
        self.channels = channels

    def blocks(self, n_color):
        """Float64 blocks of the colour channels, scaled to [0, 1] if unsigned."""
        for start in range(0, self.n, _BLOCK):
            block = self.flat[start : start + _BLOCK, :n_color].astype(np.float64)
            if self.scale != 1.0:
                block /= self.scale
            yield start, block


def _as_float_dtype(dtype):
    return np.float64 if dtype == np.float64 or dtype.kind not in "fu" else np.float32


def _check_image_array(x, name):
    if x.dtype.kind not in "uif" or x.dtype.kind == "c":
        raise ValueError(
            f"{name} must hold real numbers (uint8 images, or floats in [0, 1]), "
            f"got dtype {x.dtype}."
        )
    if x.size == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}); pass pixels.")
    if x.dtype.kind == "f":
        flat = x.reshape(-1)
        for start in range(0, flat.shape[0], 4 * _BLOCK):
            if not np.isfinite(flat[start : start + 4 * _BLOCK]).all():
                raise ValueError(f"{name} contains NaN or infinity.")
    channels = x.shape[-1]
    if channels not in (1, 3, 4):
        raise ValueError(
            f"{name} looks like an image of shape {x.shape} but has {channels} "
            "channels; images must be (height, width, c) with c = 1 (grey), "
            "3 (colour) or 4 (colour and alpha). Pass plain colours as a 2D "
            "(n_pixels, n_channels) array."
        )
