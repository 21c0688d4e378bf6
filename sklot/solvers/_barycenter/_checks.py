"""Argument checks shared by the barycenter solvers."""

from __future__ import annotations

import numbers

import numpy as np

from ...utils._validation import check_finite_array


def _check_reg(reg, allow_none=True):
    if reg is None and allow_none:
        return None
    if (
        isinstance(reg, bool)
        or not isinstance(reg, numbers.Real)
        or not np.isfinite(reg)
        or not reg > 0
    ):
        hint = " or None for exact transport" if allow_none else ""
        raise ValueError(f"reg must be a positive float{hint}, got {reg!r}.")
    return float(reg)


def _check_simplex_weights(weights, n, name="weights"):
    if weights is None:
        return np.full(n, 1.0 / n)
    w = check_finite_array(weights, name, ensure_2d=False, dtype=(np.float64,))
    if w.shape[0] != n:
        raise ValueError(
            f"{name} has {w.shape[0]} entries but there are {n} distributions; "
            f"pass one weight per distribution."
        )
    with np.errstate(over="ignore"):  # an overflow is refused just below
        total = w.sum()
    if np.any(w < 0) or not total > 0:
        raise ValueError(
            f"{name} must be non-negative with a positive sum, got {w!r}."
        )
    if not np.isfinite(total):
        raise ValueError(
            f"the sum of {name} overflows float64; normalise {name}, for "
            f"example divide it by its largest entry."
        )
    return w / total


def _check_histograms(histograms):
    H = check_finite_array(histograms, "histograms", dtype=(np.float64,))
    if np.any(H < 0):
        raise ValueError(
            "histograms has negative entries; each row must be a non-negative "
            "histogram."
        )
    with np.errstate(over="ignore"):
        mass = H.sum(axis=1)
    if not np.all(np.isfinite(mass)):
        raise ValueError(
            "a row of histograms sums to more than float64 holds; normalise "
            "histograms (for example divide each row by its largest entry)."
        )
    if np.any(~(mass > 0)):
        raise ValueError(
            f"row {int(np.flatnonzero(~(mass > 0))[0])} of histograms has zero "
            f"mass; give every histogram some weight."
        )
    return H / mass[:, None]
