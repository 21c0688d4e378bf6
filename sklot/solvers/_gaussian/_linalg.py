"""Shared pieces of the Gaussian closed forms.

Checks of means, covariances and samples, the symmetric eigendecomposition
every matrix square root goes through (tiny negative eigenvalues, left by
rounding, clipped to zero), the Monge matrix and squared Bures distance of
two covariances, and the blocked estimate of the moments of samples.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import linalg

from ...utils._validation import check_finite_array

# Eigenvalues below RCOND times the largest one count as zero: beyond a
# condition number of ~1e12 an inverse square root in float64 has no correct
# digits left, so such a covariance is treated as singular.
RCOND = 1e-12
# Elements per block when accumulating a covariance: the centred copy is made
# block by block (32 MiB at most) instead of as a second full copy of X;
# blocks stay large because many small BLAS calls were measured slow on a
# busy machine.
_CHUNK_ELEMENTS = 2**22


# --------------------------------------------------------------------------
# validation


def _check_reg(reg):
    if not isinstance(reg, numbers.Real) or isinstance(reg, bool) or not reg >= 0:
        raise ValueError(
            f"reg must be a non-negative number (a ridge added to the "
            f"covariances), got {reg!r}."
        )
    if not np.isfinite(reg):
        raise ValueError(f"reg must be finite, got {reg!r}.")
    return float(reg)


def _check_mean(m, name, d=None) -> np.ndarray:
    m = np.atleast_1d(check_finite_array(np.atleast_1d(m), name, ensure_2d=False))
    m = m.astype(np.float64, copy=False)
    if d is not None and m.shape[0] != d:
        raise ValueError(
            f"{name} has {m.shape[0]} entries but the covariances are "
            f"{d} x {d}; pass a mean of the same dimension."
        )
    return m


def _check_covariance(S, name) -> np.ndarray:
    S = np.asarray(S, dtype=np.float64) if np.isscalar(S) else S
    S = check_finite_array(np.atleast_2d(S), name).astype(np.float64, copy=False)
    if S.shape[0] != S.shape[1]:
        raise ValueError(
            f"{name} must be a square (d, d) covariance matrix, got shape "
            f"{S.shape}."
        )
    scale = np.abs(S).max()
    if np.abs(S - S.T).max() > 1e-8 * scale:
        raise ValueError(
            f"{name} is not symmetric (largest asymmetry "
            f"{np.abs(S - S.T).max():.3g}); pass a covariance matrix, for "
            f"example (S + S.T) / 2."
        )
    w = linalg.eigvalsh(S, check_finite=False)
    if w[0] < -1e-8 * max(scale, np.finfo(np.float64).tiny):
        raise ValueError(
            f"{name} is not positive semi-definite (smallest eigenvalue "
            f"{w[0]:.3g}); pass a covariance matrix."
        )
    return (S + S.T) / 2


def _add_ridge(S, reg):
    if reg > 0:
        S = S + reg * np.eye(S.shape[0])
    return S


# --------------------------------------------------------------------------
# symmetric matrix functions


def _eigh_psd(S):
    """Eigendecomposition of a symmetric PSD matrix, negatives clipped."""
    w, V = linalg.eigh(S, check_finite=False)
    np.maximum(w, 0.0, out=w)
    return w, V


def _from_eig(w, V):
    out = (V * w) @ V.T
    return (out + out.T) / 2


def _sqrtm(S):
    w, V = _eigh_psd(S)
    return _from_eig(np.sqrt(w), V)


def _trace_sqrtm(S):
    return float(np.sqrt(_eigh_psd(S)[0]).sum())


def _is_singular(w):
    return not w[0] > RCOND * w[-1]


def _singular_source_error(name, w):
    return ValueError(
        f"The {name} covariance is singular (eigenvalues from {w[0]:.3g} to "
        f"{w[-1]:.3g}): the data lie in a lower-dimensional subspace, as "
        f"happens with fewer samples than features or a constant feature, and "
        f"no optimal map from a degenerate Gaussian exists. Pass reg > 0 "
        f"(a ridge reg * I added to both covariances; 1e-6 suits standardized "
        f"features) or drop the constant features."
    )


def _monge_matrix(S_s, S_t, name="source"):
    """Return the symmetric PSD A with A S_s A = S_t (S_s nonsingular)."""
    w, V = _eigh_psd(S_s)
    if _is_singular(w):
        raise _singular_source_error(name, w)
    root = np.sqrt(w)
    S_half = _from_eig(root, V)
    S_inv_half = _from_eig(1.0 / root, V)
    middle = _sqrtm(S_half @ S_t @ S_half)
    A = S_inv_half @ middle @ S_inv_half
    return (A + A.T) / 2


def _finite_value(value, names):
    """Return ``value``, or raise when it overflowed float64."""
    if not np.isfinite(value):
        raise ValueError(
            f"the squared distance between the Gaussians of {names} overflows "
            f"float64; rescale {names}."
        )
    return value


def _bures_squared(S1, S2):
    S1_half = _sqrtm(S1)
    cross = _trace_sqrtm(S1_half @ S2 @ S1_half)
    return max(float(np.trace(S1) + np.trace(S2) - 2.0 * cross), 0.0)


# --------------------------------------------------------------------------
# sample moments


def _empirical_moments(X, weights=None, bias=True, name="X"):
    """Mean and covariance (divided by the total weight) of the rows of X.

    Computed in float64 whatever the dtype of X, block by block so that no
    second full copy of X is made. With ``bias=False`` the mean is taken to
    be zero and the covariance is the second-moment matrix.
    """
    n, d = X.shape
    if weights is None:
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=0, dtype=np.float64) if bias else np.zeros(d)
    else:
        weights = np.asarray(weights, dtype=np.float64)
        weights = weights / weights.sum()
        mean = weights @ X if bias else np.zeros(d)
        mean = np.asarray(mean, dtype=np.float64)
    cov = np.zeros((d, d))
    rows = max(256, _CHUNK_ELEMENTS // max(d, 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, rows):
            block = X[start : start + rows].astype(np.float64, copy=True)
            block -= mean
            if weights is None:
                cov += block.T @ block
            else:
                cov += (block * weights[start : start + rows, None]).T @ block
    if weights is None:
        cov /= n
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
        raise ValueError(
            f"the mean or covariance of {name} overflows float64 (values of "
            f"size {float(np.max(np.abs(X))):.3g}); rescale {name}."
        )
    return mean, (cov + cov.T) / 2


def _check_samples(X, name, d=None) -> np.ndarray:
    X = check_finite_array(X, name)
    if d is not None and X.shape[1] != d:
        raise ValueError(
            f"{name} has {X.shape[1]} features but the first sample has {d}; "
            f"pass samples of the same dimension."
        )
    return X


def _check_bias(bias):
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(
            "bias must be True (centre the samples at their means) or False "
            f"(take the means to be zero), got {bias!r}."
        )
    return bool(bias)
