"""Exact 1D optimal transport and sliced Wasserstein distances."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from ..._kernels import _sliced as _k
from ..._kernels._config import num_threads, thread_pool
from ...utils._validation import (
    check_finite_array,
    check_marginal,
    check_point_pair,
    check_seed,
)
from .._constraints import ARRAY, COUNT, solver_params

__all__ = [
    "max_sliced_wasserstein",
    "random_projections",
    "sliced_wasserstein",
    "wasserstein_1d",
]

# Float64 entries of projected data held at once by the two-sample path
# (32 MB, allocated once per call and reused); the directions are processed
# in chunks this big. Smaller chunks cost more kernel launches: at 8 MB the
# 500-direction benchmark took twice the CPU time.
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



@solver_params(
    {
        "n_projections": [COUNT],
        "n_features": [COUNT],
        "random_state": ["random_state"],
    }
)
def random_projections(
    n_projections: int,
    n_features: int,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
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
    n_projections = int(n_projections)
    rs = check_seed(random_state)
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
    return w is None or bool(np.all(w == w.flat[0]))


def _unit_scale(p, *arrays) -> float:
    """Return 1, or a power of two to divide extreme data by.

    When ``|x - y|^p`` could overflow (or underflow) for the largest
    magnitude in ``arrays``, the data is divided by a power of two near that
    magnitude (exact) and the distance multiplied back at the end; for p = 1
    and p = 2 the result is then bitwise the one computed without scaling.
    Ordinary data is left alone (factor 1), without a copy.
    """
    top = max(
        (max(float(a.max()), -float(a.min())) for a in arrays if a.size),
        default=0.0,
    )
    if top == 0.0:
        return 1.0
    exponent = np.floor(np.log2(top))
    # 2^900 leaves room for sums of up to 2^100 terms below the float limit.
    if abs(p * (exponent + 1)) < 900:
        return 1.0
    return float(2.0**exponent)


def check_power_overflow(values, p, names):
    """Raise a ValueError if ``values`` (distances) are not all finite.

    The data is finite by then, so only ``|x - y|^p`` can have overflowed:
    for a large ``p`` on differences above one, or huge data.
    """
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"the p-th powers of the projected differences of {names} overflow "
            f"float64 (p={p!r}); use a smaller p or rescale {names}."
        )
    return values


def _cost_mode(wu, wv, n, m):
    """Kernel path of ``sorted_costs``: 0 uniform and n == m, 1 uniform, 2 any."""
    if wu is None and wv is None:
        return 0 if n == m else 1
    return 2


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


def _sort_rows(P, w, need_cum=True, pool=None):
    """Sort the rows of ``P`` in place; return their cumulative weights.

    ``w`` is None (uniform), shape (n,) shared by every row, or shape
    (k, n). NumPy's sort is used: on this kind of data it is several times
    faster than a compiled quicksort. With a thread ``pool`` the rows are
    split between its threads (the sort releases the GIL); rows are
    independent, so the result does not depend on the thread count.
    """
    k, n = P.shape
    n_threads = 1 if pool is None else min(num_threads(), k)
    if n_threads <= 1 or P.size < _THREADED_SORT_MIN:
        cum = _sort_block(P, w)
    else:
        bounds = np.linspace(0, k, n_threads + 1).astype(int)

        def work(lo, hi):
            wb = w if w is None or w.ndim == 1 else w[lo:hi]
            return _sort_block(P[lo:hi], wb)

        parts = list(pool.map(work, bounds[:-1], bounds[1:]))
        cum = None if w is None else np.vstack(parts)
    if cum is None:
        # The uniform-weight kernel paths never read the weights.
        return _uniform_cum(n) if need_cum else np.ones((1, 1))
    return cum


def _sort_pool(size):
    """Return a thread pool for sorting, or None when one thread is enough."""
    return thread_pool(size, _THREADED_SORT_MIN)


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


@solver_params(
    {
        "u_values": ["array-like"],
        "v_values": ["array-like"],
        "u_weights": ARRAY,
        "v_weights": ARRAY,
        "p": [numbers.Real],
    }
)
def wasserstein_1d(
    u_values: ArrayLike,
    v_values: ArrayLike,
    u_weights: ArrayLike | None = None,
    v_weights: ArrayLike | None = None,
    p: float = 1,
) -> float | np.ndarray:
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
    scale = _unit_scale(p, U, V)
    if scale != 1.0:
        U /= scale
        V /= scale
    wu = None if _is_uniform(wu) else wu
    wv = None if _is_uniform(wv) else wv
    mode = _cost_mode(wu, wv, U.shape[1], V.shape[1])
    pool = _sort_pool(U.size + V.size) if U.shape[0] > 1 else None
    try:
        cu = _sort_rows(U, wu, mode == 2, pool)
        cv = _sort_rows(V, wv, mode == 2, pool)
    finally:
        if pool is not None:
            pool.shutdown()
    out = np.empty(U.shape[0])
    _k.sorted_costs.sized(U.size + V.size)(U, cu, V, cv, p, mode, out)
    distance = out ** (1.0 / p) * scale
    check_power_overflow(distance, p, "u_values and v_values")
    return distance if batched else float(distance[0])


def _check_pair(
    X, Y, a, b
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    X, Y = check_point_pair(X, Y)
    a = check_marginal(a, X.shape[0], "a")
    b = check_marginal(b, Y.shape[0], "b")
    a = None if _is_uniform(a) else a / a.sum()
    b = None if _is_uniform(b) else b / b.sum()
    return X, Y, a, b


def _projected_costs(X, Y, a, b, theta, p):
    """W_p^p between the projections of (X, a) and (Y, b) on each direction."""
    if X.shape[1] == 1 and theta.shape[0] > 1:
        # On the line every direction is a scaling: W_p^p(t x, t y) is
        # |t|^p W_p^p(x, y), so one pass serves all of them.
        single = _projected_costs(X, Y, a, b, np.ones((1, 1)), p)
        return np.abs(theta[:, 0]) ** p * single[0]
    n, m = X.shape[0], Y.shape[0]
    XT = np.ascontiguousarray(X.T, dtype=np.float64)
    YT = np.ascontiguousarray(Y.T, dtype=np.float64)
    n_proj = theta.shape[0]
    mode = _cost_mode(a, b, n, m)
    out = np.empty(n_proj)
    # Chunks of directions bound the memory; the buffers are reused.
    chunk = max(1, min(n_proj, _CHUNK_ELEMENTS // (n + m)))
    PX_buf = np.empty((chunk, n))
    PY_buf = np.empty((chunk, m))
    pool = _sort_pool(chunk * (n + m))
    # One build for every chunk, chosen by the whole problem's size.
    project = _k.project_rows.sized(n_proj * (n + m) * X.shape[1])
    costs = _k.sorted_costs.sized(n_proj * (n + m))
    try:
        for start in range(0, n_proj, chunk):
            th = theta[start : start + chunk]
            PX = PX_buf[: th.shape[0]]
            PY = PY_buf[: th.shape[0]]
            project(XT, th, PX)
            project(YT, th, PY)
            cx = _sort_rows(PX, a, mode == 2, pool)
            cy = _sort_rows(PY, b, mode == 2, pool)
            costs(PX, cx, PY, cy, p, mode, out[start : start + chunk])
    finally:
        if pool is not None:
            pool.shutdown()
    return out


@solver_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "a": ARRAY,
        "b": ARRAY,
        "n_projections": [COUNT],
        "p": [numbers.Real],
        "projections": ARRAY,
        "random_state": ["random_state"],
    }
)
def sliced_wasserstein(
    X: ArrayLike,
    Y: ArrayLike,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    *,
    n_projections: int = 50,
    p: float = 2,
    projections: ArrayLike | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> float:
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
    scale = _unit_scale(p, X, Y)
    if scale != 1.0:
        X, Y = X / scale, Y / scale
    n_projections = int(n_projections)
    theta = _resolve_projections(projections, n_projections, X.shape[1], random_state)
    costs = _projected_costs(X, Y, a, b, theta, p)
    with np.errstate(over="ignore"):
        distance = np.mean(costs) ** (1.0 / p) * scale
    return float(check_power_overflow(distance, p, "X and Y"))


@solver_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "a": ARRAY,
        "b": ARRAY,
        "n_projections": [COUNT],
        "p": [numbers.Real],
        "projections": ARRAY,
        "random_state": ["random_state"],
    }
)
def max_sliced_wasserstein(
    X: ArrayLike,
    Y: ArrayLike,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    *,
    n_projections: int = 50,
    p: float = 2,
    projections: ArrayLike | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> float:
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
    scale = _unit_scale(p, X, Y)
    if scale != 1.0:
        X, Y = X / scale, Y / scale
    n_projections = int(n_projections)
    theta = _resolve_projections(projections, n_projections, X.shape[1], random_state)
    costs = _projected_costs(X, Y, a, b, theta, p)
    with np.errstate(over="ignore"):
        distance = np.max(costs) ** (1.0 / p) * scale
    return float(check_power_overflow(distance, p, "X and Y"))
