r"""Barycenter of distributions on the line: the average quantile function.

The quantile helpers (``_sorted_cdf``, ``_merge_levels``, ``_quantiles_at``)
also serve the 1D space of Wasserstein k-means.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ...utils._validation import check_finite_array
from .._constraints import ARRAY, COUNT, solver_params
from .._result import OTResult
from ._checks import _check_simplex_weights

__all__ = ["barycenter_1d"]


def _sorted_cdf(values, weights):
    order = np.argsort(values, kind="stable")
    v = values[order]
    cum = np.cumsum(weights[order])
    cum /= cum[-1]
    cum[-1] = 1.0
    return v, cum


def _merge_levels(cums, resolution=1e-12):
    """Union of cumulative levels, merging those closer than ``resolution``."""
    levels = np.unique(np.concatenate(cums))
    levels = levels[levels > resolution]
    keep = np.ones(levels.size, dtype=bool)
    keep[:-1] = np.diff(levels) > resolution
    levels = levels[keep]
    levels[-1] = 1.0
    return levels


def _quantiles_at(v, cum, t):
    """Quantile function of the sorted sample (v, cum) at levels t."""
    return v[np.minimum(np.searchsorted(cum, t, side="left"), v.size - 1)]


def _quantile_grid(sorted_samples, n_quantiles=None):
    """Return common levels and the quantile functions of every sample on them.

    Returns ``(Q, dt)``: ``Q[k, l]`` is the quantile of sample ``k`` on the
    ``l``-th interval, of length ``dt[l]``. Exact (both piecewise constant
    on the intervals) when ``n_quantiles`` is None.
    """
    if n_quantiles is None:
        levels = _merge_levels([cum for _, cum in sorted_samples])
        dt = np.diff(levels, prepend=0.0)
        mid = levels - dt / 2
    else:
        dt = np.full(n_quantiles, 1.0 / n_quantiles)
        mid = (np.arange(n_quantiles) + 0.5) / n_quantiles
    Q = np.vstack([_quantiles_at(v, cum, mid) for v, cum in sorted_samples])
    return Q, dt


@solver_params(
    {
        "values_list": ["array-like"],
        "weights_list": ARRAY,
        "weights": ARRAY,
        "n_quantiles": [COUNT, None],
    }
)
def barycenter_1d(
    values_list: Sequence[ArrayLike],
    weights_list: Sequence[ArrayLike | None] | None = None,
    weights: ArrayLike | None = None,
    *,
    n_quantiles: int | None = None,
) -> OTResult:
    r"""Exact Wasserstein-2 barycenter of distributions on the line.

    On the line the barycenter's quantile function is the weighted average
    of the inputs' quantile functions,
    :math:`Q_\nu = \sum_k \lambda_k Q_{\mu_k}`. All quantile functions of
    discrete samples are piecewise constant, so averaging them on the union
    of their cumulative-weight levels is exact: the barycenter has at most
    :math:`\sum_k n_k` points.

    Parameters
    ----------
    values_list : list of array-like of shape (n_k,)
        The samples.
    weights_list : list of array-like of shape (n_k,), default=None
        Their masses (normalised); uniform if None or for a None entry.
    weights : array-like of shape (n_inputs,), default=None
        Barycentric weights :math:`\lambda_k` (normalised); uniform if None.
    n_quantiles : int, default=None
        Evaluate the quantile functions at ``n_quantiles`` evenly spaced
        levels instead (an approximation with ``n_quantiles`` equal-mass
        points, for very large inputs).

    Returns
    -------
    result : OTResult
        ``extra["support"]`` holds the sorted barycenter points (1D) and
        ``extra["weights"]`` their masses; ``value`` is
        :math:`\sum_k \lambda_k W_2^2(\mu_k, \nu)`. ``plan`` is None.

    See Also
    --------
    wasserstein_1d : Exact distance on the line.
    barycenter_free_support : Barycenter of point clouds in any dimension.

    Examples
    --------
    >>> from sklot.solvers import barycenter_1d
    >>> res = barycenter_1d([[0.0, 1.0], [4.0, 5.0]])
    >>> res.extra["support"], res.extra["weights"]
    (array([2., 3.]), array([0.5, 0.5]))
    >>> res.value
    4.0
    """
    if not isinstance(values_list, (list, tuple)) or len(values_list) == 0:
        raise TypeError("values_list must be a non-empty list of 1D arrays.")
    values = [
        check_finite_array(np.ravel(v) if np.ndim(v) == 2 and np.shape(v)[1] == 1
                           else v, f"values_list[{k}]", ensure_2d=False,
                           dtype=(np.float64,))
        for k, v in enumerate(values_list)
    ]
    if weights_list is None:
        weights_list = [None] * len(values)
    if len(weights_list) != len(values):
        raise ValueError(
            f"weights_list has {len(weights_list)} entries for {len(values)} "
            f"samples; pass one weight vector (or None) per sample."
        )
    masses = [
        _check_simplex_weights(w, v.shape[0], f"weights_list[{k}]")
        for k, (v, w) in enumerate(zip(values, weights_list))
    ]
    lam = _check_simplex_weights(weights, len(values))
    if n_quantiles is not None:
        n_quantiles = int(n_quantiles)
    samples = [_sorted_cdf(v, w) for v, w in zip(values, masses)]
    Q, dt = _quantile_grid(samples, n_quantiles)
    with np.errstate(over="ignore", invalid="ignore"):
        q = lam @ Q
        value = float(lam @ ((Q - q) ** 2 @ dt))
    if not (np.isfinite(value) and np.all(np.isfinite(q))):
        raise ValueError(
            "the barycenter or its squared distances overflow float64; "
            "rescale values_list (for example divide by its largest absolute "
            "value)."
        )
    return OTResult(
        plan=None, potentials=None, value=value, n_iter=1, converged=True,
        marginal_error=0.0, value_linear=value,
        extra={"support": q, "weights": dt},
    )
