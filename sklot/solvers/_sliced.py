"""Exact 1D optimal transport and sliced Wasserstein distances."""

import numbers
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils import check_random_state

from .._kernels import _sliced as _k
from ..utils import Distributions, check_distributions
from ..utils._validation import check_finite_array, check_marginal

__all__ = [
    "max_sliced_wasserstein",
    "projected_quantiles",
    "random_projections",
    "sliced_wasserstein",
    "sliced_wasserstein_pairwise",
    "wasserstein_1d",
]

# Float64 entries of projected data held at once by the two-sample path
# (about 32 MB per array); the projections are processed in chunks this big.
_CHUNK_ELEMENTS = 1 << 22
# Below this many entries, sorting on one thread beats starting a pool.
_THREADED_SORT_MIN = 1 << 17


def _check_p(p):
    if (
        isinstance(p, bool)
        or not isinstance(p, numbers.Real)
        or not np.isfinite(p)
        or p < 1
    ):
        raise ValueError(f"p must be a finite real number >= 1, got {p!r}.")
    return float(p)


def _check_n_projections(n_projections):
    if (
        isinstance(n_projections, bool)
        or not isinstance(n_projections, numbers.Integral)
        or n_projections < 1
    ):
        raise ValueError(
            f"n_projections must be a positive integer, got {n_projections!r}."
        )
    return int(n_projections)


def random_projections(n_projections, n_features, random_state=None):
    """Directions drawn uniformly on the unit sphere.

    Parameters
    ----------
    n_projections : int
        Number of directions.
    n_features : int
        Dimension of the space.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw (normalised Gaussian vectors).

    Returns
    -------
    projections : ndarray of shape (n_projections, n_features)
        Unit vectors, one per row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import random_projections
    >>> theta = random_projections(4, 3, random_state=0)
    >>> theta.shape, np.allclose(np.linalg.norm(theta, axis=1), 1.0)
    ((4, 3), True)
    """
    n_projections = _check_n_projections(n_projections)
    if (
        isinstance(n_features, bool)
        or not isinstance(n_features, numbers.Integral)
        or n_features < 1
    ):
        raise ValueError(
            f"n_features must be a positive integer, got {n_features!r}."
        )
    rs = check_random_state(random_state)
    theta = rs.standard_normal(size=(n_projections, int(n_features)))
    norms = np.linalg.norm(theta, axis=1)
    # A zero draw has probability zero; replace it rather than divide by 0.
    zero = norms == 0
    theta[zero, 0] = 1.0
    norms[zero] = 1.0
    return theta / norms[:, None]


def _resolve_projections(projections, n_projections, dim, random_state):
    if projections is None:
        return random_projections(n_projections, dim, random_state)
    theta = check_finite_array(projections, "projections", dtype=np.float64)
    if theta.shape[1] != dim:
        raise ValueError(
            f"projections has shape {theta.shape}; it needs one direction of "
            f"dimension {dim} per row, shape (n_projections, {dim})."
        )
    return np.ascontiguousarray(theta)


def _is_uniform(w):
    return w is None or bool(np.all(w == w[0]))


def _uniform_cum(n):
    return (np.arange(1, n + 1, dtype=np.float64) / n)[None, :]


def _sort_block(P, w):
    # Sort the rows of P in place; return the matching cumulative weights
    # (None for uniform weights).
    if w is None:
        P.sort(axis=1)
        return None
    order = np.argsort(P, axis=1)
    P[...] = np.take_along_axis(P, order, axis=1)
    cum = np.cumsum(w[order] if w.ndim == 1 else np.take_along_axis(w, order, 1),
                    axis=1)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    return cum


def _sort_rows(P, w):
    """Sort the rows of ``P`` in place; return their cumulative weights.

    ``w`` is None (uniform), shape (n,) shared by every row, or shape
    (k, n). NumPy's sort is used (several times faster than a compiled
    quicksort), on a few threads: it releases the GIL, and rows are
    independent, so the result does not depend on the thread count.
    """
    k, n = P.shape
    n_threads = min(_k.num_threads(), k)
    if n_threads <= 1 or P.size < _THREADED_SORT_MIN:
        cum = _sort_block(P, w)
    else:
        bounds = np.linspace(0, k, n_threads + 1).astype(int)
        blocks = list(zip(bounds[:-1], bounds[1:]))

        def work(block):
            lo, hi = block
            wb = w if w is None or w.ndim == 1 else w[lo:hi]
            return _sort_block(P[lo:hi], wb)

        with ThreadPoolExecutor(n_threads) as pool:
            parts = list(pool.map(work, blocks))
        cum = None if w is None else np.vstack(parts)
    return _uniform_cum(n) if cum is None else cum


def _check_values(values, name):
    arr = np.asarray(values) if not hasattr(values, "shape") else values
    ensure_2d = getattr(arr, "ndim", 1) == 2
    return check_finite_array(values, name, ensure_2d=ensure_2d)


def _check_weights(weights, values, name):
    n = values.shape[0]
    if weights is None or (not hasattr(weights, "shape") and len(weights) == 0):
        return None
    if np.ndim(weights) == 2 and values.ndim == 2:
        w = check_finite_array(weights, name, dtype=np.float64)
        if w.shape != values.shape:
            raise ValueError(
                f"{name} has shape {w.shape} but the values have shape "
                f"{values.shape}; pass one weight per value, or shape ({n},) "
                f"to share the weights across columns."
            )
        if np.any(w < 0):
            raise ValueError(f"{name} has negative weights; weights must be >= 0.")
        if not np.all(w.sum(axis=0) > 0):
            raise ValueError(
                f"{name} has a column of zero total mass; give it some weight."
            )
        return w.T.copy()
    return check_marginal(weights, n, name)


def wasserstein_1d(u_values, v_values, u_weights=None, v_weights=None, p=1):
    r"""Exact p-Wasserstein distance between two distributions on the line.

    For weighted samples :math:`\mu` and :math:`\nu` with quantile functions
    :math:`Q_\mu` and :math:`Q_\nu`,

    .. math::
        W_p(\mu, \nu) = \left(\int_0^1 |Q_\mu(t) - Q_\nu(t)|^p \, dt
        \right)^{1/p},

    computed exactly by sorting both samples and merging their cumulative
    weights, in :math:`O((n + m) \log(n + m))` time.

    Parameters
    ----------
    u_values : array-like of shape (n,) or (n, k)
        Support of the first distribution. A 2D array holds ``k``
        distributions, one per column, compared column by column.
    v_values : array-like of shape (m,) or (m, k)
        Support of the second distribution(s).
    u_weights : array-like of shape (n,) or (n, k), default=None
        Non-negative weights of ``u_values`` (normalised to sum to one);
        None means uniform. A 1D array is shared by every column.
    v_weights : array-like of shape (m,) or (m, k), default=None
        Weights of ``v_values``, likewise.
    p : float, default=1
        The order, ``p >= 1``.

    Returns
    -------
    distance : float or ndarray of shape (k,)
        :math:`W_p`, the distance itself, not its p-th power (unlike
        ``ot.wasserstein_1d``, which returns :math:`W_p^p`). For ``p=1`` it
        equals ``scipy.stats.wasserstein_distance``. An array when the
        values are 2D.

    See Also
    --------
    sliced_wasserstein : The average over 1D projections in higher dimension.

    Examples
    --------
    >>> from sklot.solvers import wasserstein_1d
    >>> wasserstein_1d([0.0, 1.0, 3.0], [5.0, 6.0, 8.0])
    5.0
    >>> wasserstein_1d([0.0, 1.0], [0.0, 3.0], p=2)
    1.4142...
    >>> wasserstein_1d([0.0, 1.0], [0.0], u_weights=[3.0, 1.0])
    0.25
    """
    p = _check_p(p)
    u = _check_values(u_values, "u_values")
    v = _check_values(v_values, "v_values")
    if u.ndim != v.ndim or (u.ndim == 2 and u.shape[1] != v.shape[1]):
        raise ValueError(
            f"u_values and v_values must both be 1D, or both 2D with the "
            f"same number of columns; got shapes {u.shape} and {v.shape}."
        )
    wu = _check_weights(u_weights, u, "u_weights")
    wv = _check_weights(v_weights, v, "v_weights")
    batched = u.ndim == 2
    U = np.array(u.T if batched else u[None, :], dtype=np.float64, order="C")
    V = np.array(v.T if batched else v[None, :], dtype=np.float64, order="C")
    wu = None if _is_uniform(wu) else wu
    wv = None if _is_uniform(wv) else wv
    equal = wu is None and wv is None and U.shape[1] == V.shape[1]
    cu = _sort_rows(U, wu)
    cv = _sort_rows(V, wv)
    out = np.empty(U.shape[0])
    _k.sorted_costs(U, cu, V, cv, p, equal, out)
    distance = out ** (1.0 / p)
    return distance if batched else float(distance[0])


def _check_pair(X, Y, a, b):
    X = check_finite_array(X, "X")
    Y = check_finite_array(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features, got "
            f"{X.shape[1]} and {Y.shape[1]}."
        )
    a = check_marginal(a, X.shape[0], "a")
    b = check_marginal(b, Y.shape[0], "b")
    a = None if _is_uniform(a) else a / a.sum()
    b = None if _is_uniform(b) else b / b.sum()
    return X, Y, a, b


def _projected_costs(X, Y, a, b, theta, p):
    """W_p^p between the projections of (X, a) and (Y, b) on each direction."""
    n, m = X.shape[0], Y.shape[0]
    XT = np.ascontiguousarray(X.T, dtype=np.float64)
    YT = np.ascontiguousarray(Y.T, dtype=np.float64)
    n_proj = theta.shape[0]
    equal = a is None and b is None and n == m
    out = np.empty(n_proj)
    chunk = max(1, min(n_proj, _CHUNK_ELEMENTS // (n + m)))
    for start in range(0, n_proj, chunk):
        th = theta[start : start + chunk]
        PX = np.empty((th.shape[0], n))
        PY = np.empty((th.shape[0], m))
        _k.project_rows(XT, th, PX)
        _k.project_rows(YT, th, PY)
        cx = _sort_rows(PX, a)
        cy = _sort_rows(PY, b)
        _k.sorted_costs(PX, cx, PY, cy, p, equal, out[start : start + chunk])
    return out




def sliced_wasserstein(
    X,
    Y,
    a=None,
    b=None,
    *,
    n_projections=50,
    p=2,
    projections=None,
    random_state=None,
):
    r"""Sliced p-Wasserstein distance between two weighted point clouds.

    A Monte Carlo estimate over directions :math:`\theta_1, \dots,
    \theta_L` of

    .. math::
        SW_p(\mu, \nu) = \left(\frac{1}{L} \sum_{l=1}^{L}
        W_p^p(\theta_l^\top \# \mu, \theta_l^\top \# \nu)\right)^{1/p},

    where each 1D distance is exact (sort and merge). Directions are
    processed in parallel; each has its own result slot, so the value does
    not depend on the number of threads.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Support of the first distribution.
    Y : array-like of shape (m, d)
        Support of the second distribution.
    a : array-like of shape (n,), default=None
        Non-negative weights of ``X`` (normalised to sum to one); None means
        uniform.
    b : array-like of shape (m,), default=None
        Weights of ``Y``, likewise.
    n_projections : int, default=50
        Number of random directions; ignored when ``projections`` is given.
    p : float, default=2
        The order, ``p >= 1``.
    projections : array-like of shape (n_projections, d), default=None
        The directions, one per row, used as given (unit vectors for the
        usual definition). None draws them uniformly on the sphere from
        ``random_state`` (see :func:`random_projections`).
    random_state : int, RandomState instance or None, default=None
        Seed of the directions. The same seed gives the same value whatever
        the number of threads.

    Returns
    -------
    distance : float
        :math:`SW_p`, not its p-th power.

    See Also
    --------
    max_sliced_wasserstein : The largest 1D distance over the directions.
    sliced_wasserstein_pairwise : Distances between many distributions.

    References
    ----------
    Rabin, Peyre, Delon and Bernot, "Wasserstein barycenter and its
    application to texture mixing", SSVM 2011.
    Bonneel, Rabin, Peyre and Pfister, "Sliced and Radon Wasserstein
    barycenters of measures", JMIV 51 (2015).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import sliced_wasserstein
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> sliced_wasserstein(X, X + [3.0, 4.0], random_state=0)  # shift of 5
    3.5...
    >>> sliced_wasserstein(X, X + [3.0, 4.0], projections=[[0.6, 0.8]])
    5.0
    """
    X, Y, a, b = _check_pair(X, Y, a, b)
    p = _check_p(p)
    n_projections = _check_n_projections(n_projections)
    theta = _resolve_projections(projections, n_projections, X.shape[1], random_state)
    costs = _projected_costs(X, Y, a, b, theta, p)
    return float(np.mean(costs) ** (1.0 / p))


def max_sliced_wasserstein(
    X,
    Y,
    a=None,
    b=None,
    *,
    n_projections=50,
    p=2,
    projections=None,
    random_state=None,
):
    r"""Max-sliced p-Wasserstein distance over a set of directions.

    .. math::
        \max_{l} W_p(\theta_l^\top \# \mu, \theta_l^\top \# \nu),

    the largest exact 1D distance among the given or random directions (a
    lower bound of the max-sliced distance over the whole sphere, reached as
    the directions become dense).

    Parameters
    ----------
    X : array-like of shape (n, d)
        Support of the first distribution.
    Y : array-like of shape (m, d)
        Support of the second distribution.
    a : array-like of shape (n,), default=None
        Non-negative weights of ``X`` (normalised to sum to one); None means
        uniform.
    b : array-like of shape (m,), default=None
        Weights of ``Y``, likewise.
    n_projections : int, default=50
        Number of random directions; ignored when ``projections`` is given.
    p : float, default=2
        The order, ``p >= 1``.
    projections : array-like of shape (n_projections, d), default=None
        The directions, one per row, used as given (unit vectors for the
        usual definition). None draws them uniformly on the sphere from
        ``random_state`` (see :func:`random_projections`).
    random_state : int, RandomState instance or None, default=None
        Seed of the directions. The same seed gives the same value whatever
        the number of threads.

    Returns
    -------
    distance : float
        The largest 1D distance :math:`W_p`.

    See Also
    --------
    sliced_wasserstein : The average over directions.

    References
    ----------
    Deshpande et al., "Max-sliced Wasserstein distance and its use for
    GANs", CVPR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import max_sliced_wasserstein
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> max_sliced_wasserstein(X, X + [3.0, 4.0], projections=[[1, 0], [0, 1]])
    4.0
    """
    X, Y, a, b = _check_pair(X, Y, a, b)
    p = _check_p(p)
    n_projections = _check_n_projections(n_projections)
    theta = _resolve_projections(projections, n_projections, X.shape[1], random_state)
    costs = _projected_costs(X, Y, a, b, theta, p)
    return float(np.max(costs) ** (1.0 / p))




@dataclass(frozen=True)
class _SortedBatch:
    """Sorted projections of a batch of distributions (kernel layout)."""

    values: np.ndarray
    cum: np.ndarray
    offsets: np.ndarray
    uniform: np.ndarray

    def __len__(self):
        return self.offsets.shape[0] - 1

    def rows(self, lo, hi, n_proj):
        """Return the sub-batch of distributions ``lo:hi``."""
        a, b = self.offsets[lo] * n_proj, self.offsets[hi] * n_proj
        return _SortedBatch(
            self.values[a:b],
            self.cum[a:b],
            self.offsets[lo : hi + 1] - self.offsets[lo],
            self.uniform[lo:hi],
        )


def _as_distributions(X, support, name):
    if isinstance(X, Distributions):
        return X
    try:
        return check_distributions(X, support)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def _concatenate(dists):
    """One (T, d) array of points, their weights, offsets and uniform flags."""
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
    return (
        np.ascontiguousarray(np.concatenate(points), dtype=np.float64),
        np.ascontiguousarray(np.concatenate(weights), dtype=np.float64),
        offsets,
        np.array(uniform, dtype=np.bool_),
    )


def _sort_batch(dists, theta):
    points, weights, offsets, uniform = _concatenate(dists)
    size = points.shape[0] * theta.shape[0]
    values = np.empty(size)
    cum = np.empty(size)
    _k.project_sort_segments(points, weights, offsets, uniform, theta, values, cum)
    return _SortedBatch(values, cum, offsets, uniform)


def _block_costs(A, B, n_proj, p):
    out = np.empty((len(A), len(B)))
    _k.call_single_threaded(
        _k.pairwise_costs,
        A.values, A.cum, A.offsets, A.uniform,
        B.values, B.cum, B.offsets, B.uniform,
        n_proj, p, False, out,
    )
    return out


def _pairwise_from_batches(A, B, n_proj, p, symmetric, n_jobs):
    """Mean over projections of W_p^p for every pair (rows of A, rows of B)."""
    na, nb = len(A), len(B)
    out = np.empty((na, nb))
    if n_jobs is None or na < 2:
        _k.pairwise_costs(
            A.values, A.cum, A.offsets, A.uniform,
            B.values, B.cum, B.offsets, B.uniform,
            n_proj, p, symmetric, out,
        )
        return out
    n_blocks = min(na, 4 * effective_n_jobs(n_jobs))
    bounds = np.linspace(0, na, n_blocks + 1).astype(int)
    blocks = [(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]
    # For a symmetric matrix each block only needs the columns from its first
    # row on; the rest is filled from the transpose.
    results = Parallel(n_jobs=n_jobs)(
        delayed(_block_costs)(
            A.rows(lo, hi, n_proj),
            B.rows(lo if symmetric else 0, nb, n_proj),
            n_proj,
            p,
        )
        for lo, hi in blocks
    )
    for (lo, hi), block in zip(blocks, results):
        if symmetric:
            out[lo:hi, lo:] = block
            out[lo:, lo:hi] = block.T
        else:
            out[lo:hi] = block
    if symmetric:
        np.fill_diagonal(out, 0.0)
    return out


def sliced_wasserstein_pairwise(
    X,
    Y=None,
    *,
    support=None,
    n_projections=50,
    p=2,
    projections=None,
    random_state=None,
    n_jobs=None,
    pth_power=False,
):
    r"""Sliced Wasserstein distances between every pair of distributions.

    The batched form of :func:`sliced_wasserstein`: the same directions are
    used for every pair, each distribution is projected and sorted once, and
    the exact 1D costs of all pairs are computed in parallel.

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
        ``random_state``.
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

    Returns
    -------
    distances : ndarray of shape (n_X, n_Y)
        :math:`SW_p` (or :math:`SW_p^p`) between each distribution of ``X``
        and each of ``Y``.

    See Also
    --------
    sklot.metrics.pairwise_sliced_wasserstein : The same, as a metric.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import sliced_wasserstein_pairwise
    >>> clouds = [np.zeros((3, 2)), np.ones((5, 2)), np.full((2, 2), 2.0)]
    >>> D = sliced_wasserstein_pairwise(clouds, random_state=0)
    >>> D.shape, bool(np.all(np.diag(D) == 0)), bool(np.allclose(D, D.T))
    ((3, 3), True, True)
    """
    p = _check_p(p)
    n_projections = _check_n_projections(n_projections)
    dx = _as_distributions(X, support, "X")
    dy = dx if Y is None else _as_distributions(Y, support, "Y")
    if dx.dim != dy.dim:
        raise ValueError(
            f"X and Y must hold distributions of the same dimension, got "
            f"{dx.dim} and {dy.dim}."
        )
    theta = _resolve_projections(projections, n_projections, dx.dim, random_state)
    A = _sort_batch(dx, theta)
    B = A if Y is None else _sort_batch(dy, theta)
    costs = _pairwise_from_batches(A, B, theta.shape[0], p, Y is None, n_jobs)
    return costs if pth_power else costs ** (1.0 / p)


def projected_quantiles(X, projections, n_quantiles=32, *, support=None):
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
    if (
        isinstance(n_quantiles, bool)
        or not isinstance(n_quantiles, numbers.Integral)
        or n_quantiles < 1
    ):
        raise ValueError(
            f"n_quantiles must be a positive integer, got {n_quantiles!r}."
        )
    if projections is None:
        raise ValueError(
            "projections is None; pass the directions, shape "
            "(n_projections, d), for example from random_projections."
        )
    theta = _resolve_projections(projections, 1, dists.dim, None)
    batch = _sort_batch(dists, theta)
    levels = (np.arange(n_quantiles, dtype=np.float64) + 0.5) / n_quantiles
    out = np.empty((len(dists), theta.shape[0], int(n_quantiles)))
    _k.segment_quantiles(
        batch.values, batch.cum, batch.offsets, theta.shape[0], levels, out
    )
    return out
