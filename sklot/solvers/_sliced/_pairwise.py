"""Sliced Wasserstein distances between many distributions at once."""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from numpy.typing import ArrayLike

from ..._kernels import _sliced as _k
from ..._kernels._config import single_threaded
from ...utils import Distributions, check_distributions
from .._constraints import ARRAY, COUNT, solver_params
from ._distance import (
    _check_p,
    _is_uniform,
    _resolve_projections,
    _unit_scale,
    check_power_overflow,
)

__all__ = ["projected_quantiles", "sliced_wasserstein_pairwise"]

# Directions sorted together. A fixed number, so that the value computed for
# a pair never depends on the other distributions of the batch; small, so
# that one chunk of every distribution stays in cache while pairs are summed.
_PROJECTION_CHUNK = 16


@dataclass(frozen=True)
class _Batch:
    """The points of many distributions, concatenated for the kernels."""

    points: np.ndarray  # (T, d)
    weights: np.ndarray  # (T,)
    offsets: np.ndarray  # (N + 1,)
    uniform: np.ndarray  # (N,) bool
    signed: bool = False  # weights +-1 of zero total (persistence diagrams)

    def __len__(self):
        return self.offsets.shape[0] - 1

    def rows(self, lo, hi):
        """Return the sub-batch of distributions ``lo:hi``."""
        a, b = self.offsets[lo], self.offsets[hi]
        return _Batch(
            self.points[a:b],
            self.weights[a:b],
            self.offsets[lo : hi + 1] - a,
            self.uniform[lo:hi],
            self.signed,
        )

    def sort(self, theta, values=None, cum=None):
        """Return the sorted projections on the rows of ``theta``."""
        size = self.points.shape[0] * theta.shape[0]
        values = np.empty(size) if values is None else values[:size]
        cum = np.empty(size) if cum is None else cum[:size]
        _k.project_sort_segments(
            self.points, self.weights, self.offsets, self.uniform, theta,
            not self.signed, values, cum,
        )
        return values, cum


def _as_distributions(X, support, name):
    if isinstance(X, Distributions):
        return X
    try:
        return check_distributions(X, support)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def _batch(dists):
    points, weights, sizes, uniform = [], [], [], []
    for pts, w in zip(dists.points, dists.weights):
        flat = _is_uniform(w)
        if not flat:
            # Zero-weight points change nothing; histograms are often sparse.
            keep = w > 0
            pts, w = pts[keep], w[keep]
        points.append(pts)
        weights.append(w)
        sizes.append(pts.shape[0])
        uniform.append(flat)
    offsets = np.zeros(len(sizes) + 1, dtype=np.intp)
    np.cumsum(sizes, out=offsets[1:])
    return _Batch(
        np.ascontiguousarray(np.concatenate(points), dtype=np.float64),
        np.ascontiguousarray(np.concatenate(weights), dtype=np.float64),
        offsets,
        np.array(uniform, dtype=np.bool_),
    )


def _check_diagrams(X, name):
    """Validate a list of persistence diagrams, arrays of shape (n_i, 2)."""
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        raise ValueError(
            f"{name} must be a non-empty list of persistence diagrams, arrays "
            f"of (birth, death) rows of shape (n_points_i, 2)."
        )
    diagrams = []
    for i, item in enumerate(X):
        arr = np.asarray(item, dtype=np.float64)
        if arr.size == 0:
            arr = arr.reshape(0, 2)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(
                f"{name}[{i}] has shape {arr.shape}; a persistence diagram is "
                f"an array of (birth, death) rows, shape (n_points, 2)."
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(
                f"{name}[{i}] contains NaN or infinity; drop the essential "
                f"(never dying) points or cap their death value first."
            )
        diagrams.append(arr)
    return diagrams


def _diagram_batch(diagrams):
    """Each diagram D as the signed measure D - (projection of D on the diagonal).

    For W_1 on a line, adding the other diagram's diagonal projections to
    each side (Carriere et al. 2017) equals the L1 distance between the
    cumulative functions of these per-diagram signed measures.
    """
    points, weights, sizes = [], [], []
    for D in diagrams:
        mid = D.mean(axis=1, keepdims=True)
        points.append(np.vstack([D, np.hstack([mid, mid])]))
        n = D.shape[0]
        weights.append(np.concatenate([np.ones(n), -np.ones(n)]))
        sizes.append(2 * n)
    offsets = np.zeros(len(sizes) + 1, dtype=np.intp)
    np.cumsum(sizes, out=offsets[1:])
    return _Batch(
        np.ascontiguousarray(np.concatenate(points), dtype=np.float64),
        np.concatenate(weights),
        offsets,
        np.zeros(len(sizes), dtype=np.bool_),
        signed=True,
    )


def _scaled(A, B, p):
    """Divide the points of both batches by one power of two (exact).

    Returns the batches (B is A when B is None) and the factor; see
    ``_unit_scale``.
    """
    scale = _unit_scale(p, A.points, A.points if B is None else B.points)
    if scale == 1.0:
        return A, (A if B is None else B), 1.0
    A = dataclasses.replace(A, points=A.points / scale)
    B = A if B is None else dataclasses.replace(B, points=B.points / scale)
    return A, B, scale


def _pairwise_sums(A, B, theta, p, symmetric):
    """Sum over directions of W_p^p for every pair (A row, B row)."""
    out = np.zeros((len(A), len(B)))
    chunk = min(_PROJECTION_CHUNK, theta.shape[0])
    buffers_a = np.empty(A.points.shape[0] * chunk), np.empty(
        A.points.shape[0] * chunk
    )
    if not symmetric:
        buffers_b = np.empty(B.points.shape[0] * chunk), np.empty(
            B.points.shape[0] * chunk
        )
    for start in range(0, theta.shape[0], chunk):
        th = theta[start : start + chunk]
        va, ca = A.sort(th, *buffers_a)
        vb, cb = (va, ca) if symmetric else B.sort(th, *buffers_b)
        _k.pairwise_costs(
            va, ca, A.offsets, A.uniform,
            vb, cb, B.offsets, B.uniform,
            th.shape[0], p, A.signed, symmetric, out,
        )
    return out


def _pairwise_block(A, B, theta, p):
    with single_threaded():
        return _pairwise_sums(A, B, theta, p, False)


def _pairwise_costs(A, B, theta, p, symmetric, n_jobs):
    """Mean over directions of W_p^p for every pair, in-process or by blocks."""
    if n_jobs is None or len(A) < 2:
        return _pairwise_sums(A, B, theta, p, symmetric) / theta.shape[0]
    na, nb = len(A), len(B)
    n_blocks = min(na, effective_n_jobs(n_jobs))
    bounds = np.linspace(0, na, n_blocks + 1).astype(int)
    blocks = [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]
    # In the symmetric case a block of rows needs only the columns from its
    # first row on; the rest of the matrix is its transpose.
    results = Parallel(n_jobs=n_jobs)(
        delayed(_pairwise_block)(
            A.rows(lo, hi), B.rows(lo if symmetric else 0, nb), theta, p
        )
        for lo, hi in blocks
    )
    out = np.empty((na, nb))
    for (lo, hi), block in zip(blocks, results):
        if symmetric:
            out[lo:hi, lo:] = block
            out[lo:, lo:hi] = block.T
        else:
            out[lo:hi] = block
    return out / theta.shape[0]


@solver_params(
    {
        "X": ["array-like"],
        "Y": ARRAY,
        "support": ARRAY,
        "n_projections": [COUNT],
        "p": [numbers.Real],
        "projections": ARRAY,
        "random_state": ["random_state"],
        "n_jobs": [numbers.Integral, None],
        "pth_power": ["boolean"],
        "diagrams": ["boolean"],
    }
)
def sliced_wasserstein_pairwise(
    X: ArrayLike,
    Y: ArrayLike | None = None,
    *,
    support: ArrayLike | None = None,
    n_projections: int = 50,
    p: float = 2,
    projections: ArrayLike | None = None,
    random_state: int | np.random.RandomState | None = None,
    n_jobs: int | None = None,
    pth_power: bool = False,
    diagrams: bool = False,
) -> np.ndarray:
    r"""Sliced Wasserstein distances between every pair of distributions.

    The batched form of :func:`sliced_wasserstein`: the same directions are
    used for every pair, each distribution is projected and sorted once per
    direction, and the exact 1D costs of all pairs are computed in
    parallel. The value of a pair does not depend on the rest of the batch,
    on the number of threads or on ``n_jobs``.

    Parameters
    ----------
    X : list of array-like, list of (points, weights) pairs, or 2D array-like
        The distributions, in any form accepted by
        :func:`sklot.utils.check_distributions`: point clouds of shape
        ``(n_points_i, d)`` (sizes may differ), ``(points, weights)`` pairs,
        rows of histograms over ``support``, or (a 2D array without
        ``support``) one 1D empirical sample per row.
    Y : same forms as X, default=None
        The second batch; None means ``Y = X`` (a symmetric matrix with an
        exactly zero diagonal, computed in half the time).
    support : array-like of shape (n_bins, d), default=None
        Shared support when the rows of ``X`` and ``Y`` are histograms.
    n_projections : int, default=50
        Number of random directions; ignored when ``projections`` is given.
    p : float, default=2
        The order, ``p >= 1``.
    projections : array-like of shape (n_projections, d), default=None
        The directions, one per row, used as given. None draws them from
        ``random_state`` (see :func:`random_projections`).
    random_state : int, RandomState instance or None, default=None
        Seed of the directions.
    n_jobs : int, default=None
        None computes in this process on all of numba's threads. An integer
        splits the rows into blocks computed by ``n_jobs`` joblib workers on
        one thread each (so a joblib backend such as dask can spread them).
        The result is the same either way.
    pth_power : bool, default=False
        Return :math:`SW_p^p` (the mean over directions of :math:`W_p^p`)
        instead of :math:`SW_p`.
    diagrams : bool, default=False
        Treat ``X`` and ``Y`` as lists of persistence diagrams, arrays of
        (birth, death) rows of shape ``(n_points_i, 2)`` (possibly empty),
        compared as unnormalised counting measures after adding to each the
        diagonal projections of the other (Carriere et al., 2017). Needs
        ``p=1``; the value is the mean over directions of the 1D
        :math:`W_1`, as in GUDHI's ``SlicedWassersteinDistance``.

    Returns
    -------
    distances : ndarray of shape (n_X, n_Y)
        :math:`SW_p` (or :math:`SW_p^p`) between each distribution of ``X``
        and each of ``Y``.

    See Also
    --------
    sliced_wasserstein : One pair of weighted point clouds.
    sklot.metrics.pairwise_sliced_wasserstein : The same, as a metric.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import sliced_wasserstein_pairwise
    >>> clouds = [np.zeros((3, 2)), np.ones((5, 2)), np.full((2, 2), 2.0)]
    >>> D = sliced_wasserstein_pairwise(clouds, random_state=0)
    >>> D.shape, bool(np.all(np.diag(D) == 0)), bool(np.all(D == D.T))
    ((3, 3), True, True)
    """
    p = _check_p(p)
    n_projections = int(n_projections)
    if diagrams:
        if p != 1:
            raise ValueError(
                f"diagrams=True compares persistence diagrams with p=1 (the "
                f"diagonal construction is exact for W_1 only); got p={p!r}, "
                f"set p=1."
            )
        if support is not None:
            raise ValueError("support is not used with diagrams; set it to None.")
        A = _diagram_batch(_check_diagrams(X, "X"))
        B = A if Y is None else _diagram_batch(_check_diagrams(Y, "Y"))
        theta = _resolve_projections(projections, n_projections, 2, random_state)
        A, B, scale = _scaled(A, B, p)
        return check_power_overflow(
            _pairwise_costs(A, B, theta, p, Y is None, n_jobs) * scale, p, "X and Y"
        )
    dx = _as_distributions(X, support, "X")
    dy = dx if Y is None else _as_distributions(Y, support, "Y")
    if dx.dim != dy.dim:
        raise ValueError(
            f"X and Y must hold distributions of the same dimension, got "
            f"{dx.dim} and {dy.dim}."
        )
    theta = _resolve_projections(projections, n_projections, dx.dim, random_state)
    A, B, scale = _scaled(_batch(dx), None if Y is None else _batch(dy), p)
    if dx.dim == 1 and theta.shape[0] > 1:
        # On the line every direction is a scaling: W_p^p(t x, t y) is
        # |t|^p W_p^p(x, y), so one pass serves all of them (the rows of a
        # tabular X are such 1D samples).
        costs = _pairwise_costs(A, B, np.ones((1, 1)), p, Y is None, n_jobs)
        costs *= np.mean(np.abs(theta[:, 0]) ** p)
    else:
        costs = _pairwise_costs(A, B, theta, p, Y is None, n_jobs)
    if pth_power:
        # Multiply by scale**p one power of scale at a time (exact for
        # integer p): zeros stay zeros, and only a value beyond the float
        # range (SW_p^p > 1.8e308) becomes inf.
        remaining = p
        with np.errstate(over="ignore"):
            while remaining > 0:
                step = min(remaining, 1.0)
                costs *= scale**step
                remaining -= step
        return check_power_overflow(costs, p, "X and Y")
    with np.errstate(over="ignore"):
        costs = costs ** (1.0 / p) * scale
    return check_power_overflow(costs, p, "X and Y")


def _quantile_block(batch, theta, levels):
    out = np.empty((len(batch), theta.shape[0], levels.shape[0]))
    chunk = min(_PROJECTION_CHUNK, theta.shape[0])
    size = batch.points.shape[0] * chunk
    buffers = np.empty(size), np.empty(size)
    for start in range(0, theta.shape[0], chunk):
        th = theta[start : start + chunk]
        values, cum = batch.sort(th, *buffers)
        _k.segment_quantiles(
            values, cum, batch.offsets, th.shape[0], levels,
            out[:, start : start + th.shape[0]],
        )
    return out


def _single_threaded_quantile_block(batch, theta, levels):
    with single_threaded():
        return _quantile_block(batch, theta, levels)


@solver_params(
    {
        "X": ["array-like"],
        "projections": ARRAY,
        "n_quantiles": [COUNT],
        "support": ARRAY,
        "n_jobs": [numbers.Integral, None],
    }
)
def projected_quantiles(
    X: ArrayLike,
    projections: ArrayLike,
    n_quantiles: int = 32,
    *,
    support: ArrayLike | None = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    r"""Quantile functions of the projections of each distribution.

    For each distribution :math:`\mu_i` and direction :math:`\theta_l`, the
    quantile function of :math:`\theta_l^\top \# \mu_i` evaluated at the
    midpoints :math:`t_k = (k + 1/2) / K`, :math:`k = 0, \dots, K - 1`.
    The mean over ``l`` and ``k`` of :math:`|q_{ilk} - q_{jlk}|^p` is the
    midpoint-rule estimate of :math:`SW_p^p(\mu_i, \mu_j)`; it is exact for
    uniform point clouds of ``K`` points.

    Parameters
    ----------
    X : list of array-like, list of (points, weights) pairs, or 2D array-like
        The distributions (any form of :func:`sklot.utils.check_distributions`).
    projections : array-like of shape (n_projections, d)
        The directions, one per row.
    n_quantiles : int, default=32
        Number of levels ``K``.
    support : array-like of shape (n_bins, d), default=None
        Shared support when the rows of ``X`` are histograms.
    n_jobs : int, default=None
        None computes in this process on all of numba's threads; an integer
        splits the distributions between ``n_jobs`` joblib workers on one
        thread each. The result is the same either way.

    Returns
    -------
    quantiles : ndarray of shape (n_distributions, n_projections, n_quantiles)

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import projected_quantiles
    >>> q = projected_quantiles([np.array([[0.0], [1.0], [5.0]])], [[1.0]], 3)
    >>> q.ravel().tolist()
    [0.0, 1.0, 5.0]
    """
    dists = _as_distributions(X, support, "X")
    if projections is None:
        raise ValueError(
            "projections is None; pass the directions, shape "
            "(n_projections, d), for example from random_projections."
        )
    theta = _resolve_projections(projections, 1, dists.dim, None)
    batch = _batch(dists)
    levels = (np.arange(n_quantiles, dtype=np.float64) + 0.5) / n_quantiles
    if n_jobs is None or len(batch) < 2:
        return _quantile_block(batch, theta, levels)
    n_blocks = min(len(batch), effective_n_jobs(n_jobs))
    bounds = np.linspace(0, len(batch), n_blocks + 1).astype(int)
    parts = Parallel(n_jobs=n_jobs)(
        delayed(_single_threaded_quantile_block)(batch.rows(lo, hi), theta, levels)
        for lo, hi in zip(bounds[:-1], bounds[1:])
        if hi > lo
    )
    return np.concatenate(parts)
