"""Ground cost matrices."""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial.distance import cdist

from .._kernels._dense import count_bracket, finish_sqeuclidean
from ..utils._validation import (
    check_finite_array,
    check_point_pair,
    check_spread,
    points_spread,
)

__all__ = ["cost_matrix", "METRICS"]

METRICS = ("sqeuclidean", "euclidean", "cityblock", "cosine", "minkowski")
# metrics of the form |x - y| ** p, which the matrix-free engines recompute
POWERS = {"sqeuclidean": 2, "euclidean": 1}


# Close pairs, whose squared distance is below this fraction of
# |x|^2 + |y|^2 after centring, are recomputed from the coordinates: the
# Gram form loses about -log10(_CANCEL_RTOL) digits on them.
_CANCEL_RTOL = 1e-3


def read_only_cost(M):
    """Return the cost matrix ``M`` as a read-only view (no copy).

    numba compiles a kernel once per argument type, and a read-only array
    (such as a cached cost matrix) is another type than a writable one:
    solvers that pass every cost matrix read only compile their kernels
    once, not twice.
    """
    if not M.flags.writeable:
        return M
    view = M.view()
    view.flags.writeable = False
    return view


def common_frame(X, Y, rescale=True):
    """Return ``(X - c) / s, (Y - c) / s, s`` for a shared centre and scale.

    Distances are invariant under the shift ``c`` (the centre of the joint
    bounding box) and scale by ``s``. Centring removes the cancellation of
    the Gram form for points far from the origin relative to their spread
    (timestamps, offsets); the scale keeps squared norms clear of overflow
    and underflow. Both are skipped (``s = 1``, no copy) when not needed.
    """
    lo = np.minimum(X.min(axis=0), Y.min(axis=0))
    hi = np.maximum(X.max(axis=0), Y.max(axis=0))
    half = hi / 2 - lo / 2
    centre = lo + half
    if np.any(np.abs(centre) > half):
        X = X - centre
        Y = Y - centre
    width = float(half.max()) if half.size else 0.0
    scale = 1.0
    if rescale and (width > 1e100 or 0.0 < width < 1e-100):
        scale = width
        X = X / X.dtype.type(scale)
        Y = Y / Y.dtype.type(scale)
    return X, Y, scale


def _sqeuclidean(X, Y, squared=True):
    # The Gram-matrix form runs at BLAS speed on centred points; pairs that
    # still lose digits to cancellation are recomputed exactly by the
    # fused finishing pass.
    X, Y, scale = common_frame(X, Y)
    xx = np.einsum("ij,ij->i", X, X)
    yy = np.einsum("ij,ij->i", Y, Y)
    D = np.ascontiguousarray(X @ Y.T)
    finish_sqeuclidean.sized(D.size)(D, xx, yy, X, Y, _CANCEL_RTOL)
    if not squared:
        np.sqrt(D, out=D)
    if scale != 1.0:
        factor = scale if not squared else scale * scale
        # an overflowing factor turns zero distances into NaN: the check
        # below refuses both
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            D *= factor
    # float32 points overflow from |x| ~ 1e19, below common_frame's
    # rescaling; the Gram form's terms are at most 4 diameters squared
    if scale != 1.0 or (
        D.dtype != np.float64
        and points_spread([X, Y], 2) > np.finfo(D.dtype).max / 8
    ):
        check_no_overflow(D, "squared distances" if squared else "distances")
    return D


def _minkowski_stable(X, Y, p):
    """Minkowski distances with each pair's differences divided by their max.

    ``|d|_p = t * |d / t|_p`` with ``t = max |d_k|``: no power of a
    difference overflows or loses the pair to underflow, at any ``p``.
    """
    D = np.empty((X.shape[0], Y.shape[0]))
    for i in range(X.shape[0]):
        diff = np.abs(X[i] - Y)
        top = diff.max(axis=1)
        if math.isinf(p):
            D[i] = top
        else:
            safe = np.where(top > 0, top, 1.0)[:, None]
            D[i] = top * np.sum((diff / safe) ** p, axis=1) ** (1.0 / p)
    return D


def check_no_overflow(D, what, names="X and Y"):
    """Raise a ValueError when ``D`` holds inf from finite input."""
    largest = float(np.max(D)) if D.size else 0.0
    check_spread(largest, names, costs=what, dtype=D.dtype.name)


# sample size of the bracket search in cost_median
_MEDIAN_SAMPLE = 2**16


def pairwise_median(M):
    """Median of the entries above the diagonal of the square matrix ``M``.

    For the squared distances within one sample, the median over pairs of
    distinct rows; 0 with fewer than two rows.
    """
    n = M.shape[0]
    return float(np.median(M[np.triu_indices(n, 1)])) if n > 1 else 0.0


def cost_median(M):
    """Median of all entries of ``M``, equal to ``np.median(M)``.

    Large matrices are not copied whole: a strided sample brackets the
    middle ranks, one pass counts the entries below the bracket and copies
    those inside it, and the median is selected among those. If the
    bracket misses (unlikely), it falls back to ``np.median``.
    """
    flat = np.ravel(M)
    size = flat.size
    if size <= 4 * _MEDIAN_SAMPLE:
        return float(np.median(flat))
    sample = np.sort(flat[:: size // _MEDIAN_SAMPLE])
    half, margin = sample.size // 2, 4 * int(np.sqrt(sample.size))
    lo = sample[max(half - margin, 0)]
    hi = sample[min(half + margin, sample.size - 1)]
    k_lo, k_hi = (size - 1) // 2, size // 2
    buf = np.empty(4 * margin * (size // sample.size) + 16, dtype=flat.dtype)
    below, inside = count_bracket(flat, lo, hi, buf)
    if inside <= buf.size and below <= k_lo and k_hi < below + inside:
        ranks = [k_lo - below, k_hi - below]
        middle = np.partition(buf[:inside], ranks)[ranks]
        return float(np.mean(middle))
    return float(np.median(flat))


def cost_matrix(
    X: ArrayLike,
    Y: ArrayLike | None = None,
    metric: str = "sqeuclidean",
    p: float = 2,
) -> np.ndarray:
    """Pairwise ground cost between the rows of ``X`` and ``Y``.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Source points.
    Y : array-like of shape (m, d), default=None
        Target points; ``None`` means ``Y = X``.
    metric : {"sqeuclidean", "euclidean", "cityblock", "cosine", "minkowski"}, \
            default="sqeuclidean"
        The ground cost. ``"cosine"`` is one minus the cosine similarity
        (zero rows count as orthogonal to everything).
    p : float, default=2
        The order of the Minkowski metric, ``p >= 1``.

    Returns
    -------
    M : ndarray of shape (n, m)
        float32 if both inputs are float32, float64 otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import cost_matrix
    >>> cost_matrix(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]))
    array([[25.]])
    >>> cost_matrix([[0.0, 0.0]], [[3.0, 4.0]], metric="euclidean")
    array([[5.]])
    """
    if metric not in METRICS:
        raise ValueError(
            f"metric must be one of {METRICS}, got {metric!r}."
        )
    if not isinstance(p, numbers.Real) or not p >= 1:
        raise ValueError(f"p must be a real number >= 1, got {p!r}.")
    X, Y = check_point_pair(X, X if Y is None else Y)
    dtype = np.result_type(X.dtype, Y.dtype)
    X = X.astype(dtype, copy=False)
    Y = Y.astype(dtype, copy=False)
    if metric == "sqeuclidean":
        return _sqeuclidean(X, Y)
    if metric == "euclidean":
        return _sqeuclidean(X, Y, squared=False)
    if metric == "cosine":
        # rows divided by their largest entry first: norms of huge (tiny)
        # rows would overflow (underflow)
        X = X / np.maximum(np.abs(X).max(axis=1, keepdims=True), np.finfo(dtype).tiny)
        Y = Y / np.maximum(np.abs(Y).max(axis=1, keepdims=True), np.finfo(dtype).tiny)
        nx = np.linalg.norm(X, axis=1)
        ny = np.linalg.norm(Y, axis=1)
        nx[nx == 0] = 1
        ny[ny == 0] = 1
        D = (X / nx[:, None]) @ (Y / ny[:, None]).T
        return np.clip(1 - D, 0, 2, out=D)
    X, Y, scale = common_frame(X, Y)
    if metric == "cityblock":
        D = cdist(X, Y, metric="cityblock")
    else:
        D = cdist(X, Y, metric="minkowski", p=p) if p <= 16 else None
        if D is None or not np.all(np.isfinite(D)):
            D = _minkowski_stable(X, Y, p)
    with np.errstate(over="ignore"):
        D = D * scale if scale != 1.0 else D
    check_no_overflow(D, "distances")
    return D.astype(dtype, copy=False)



def relative_reg(reg: float, M: ArrayLike) -> float:
    """Absolute entropic regularization for a ``reg`` relative to ``M``.

    sklot's estimators take ``reg`` relative to the scale of their ground
    cost, its median (see :ref:`reg_convention`); the solver functions take
    it in the units of the cost, as POT and OTT-JAX do. This helper turns
    the first into the second: ``reg * median(M)``, so that a solver call
    means the same on data in any units. A cost whose median is zero (most
    entries zero) falls back to its mean, then to 1.

    Parameters
    ----------
    reg : float
        Regularization relative to the median cost, positive.
    M : array-like of shape (n, m)
        Ground cost matrix.

    Returns
    -------
    reg_abs : float
        ``reg`` in the units of ``M``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import cost_matrix, relative_reg, sinkhorn
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> M = cost_matrix(X, X)
    >>> relative_reg(0.1, M), relative_reg(0.1, 1e6 * M)
    (0.1, 100000.0)
    >>> P = sinkhorn(None, None, 1e6 * M, relative_reg(0.1, 1e6 * M)).plan
    >>> np.allclose(P, sinkhorn(None, None, M, relative_reg(0.1, M)).plan)
    True
    """
    if (
        isinstance(reg, bool)
        or not isinstance(reg, numbers.Real)
        or not 0 < reg < math.inf
    ):
        raise ValueError(f"reg must be a positive finite float, got {reg!r}.")
    M = check_finite_array(M, "M")
    scale = cost_median(M)
    if not scale > 0:
        scale = float(np.mean(M))
    return float(reg) * (scale if scale > 0 else 1.0)
