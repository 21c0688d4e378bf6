"""Plans and maps evaluated from entropic potentials, in bounded memory.

A matrix-free :func:`~sklot.solvers.sinkhorn` returns potentials only. These
helpers evaluate from them, for any points (out-of-sample ones included):

- the c-transform ``f(x) = -reg log sum_j b_j exp((g_j - c(x, y_j)) / reg)``,
  which extends the source potential to new points;
- the entropic (barycentric) map ``T(x) = sum_j w_j(x) y_j`` with the
  softmax weights ``w_j(x) ∝ b_j exp((g_j - c(x, y_j)) / reg)``: for a
  source point it is the barycentric projection of the plan's row;
- blocks of rows of the plan ``P_ij = a_i b_j exp((f_i + g_j - c_ij) / reg)``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from numpy.typing import ArrayLike

from ...utils._validation import (
    check_finite_array,
    check_marginal,
    check_point_pair,
    points_spread,
)
from .._constraints import ARRAY, solver_params
from .._cost import METRICS, POWERS, cost_matrix
from ._common import check_positive
from ._core import check_cost_scale, log_weights
from ._matrix_free import c_transform_points, prepare_points

__all__ = ["barycentric_map", "entropic_c_transform", "entropic_plan"]

# Rows per block when costs go through cost_matrix (metrics the on-the-fly
# kernel does not cover), so that a block holds about 2**22 entries.
_BLOCK_ENTRIES = 1 << 22


def _check_points(
    X, Y, g, reg, b, metric
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
    reg = check_positive(reg, "reg")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}.")
    X, Y = check_point_pair(X, Y)
    m = Y.shape[0]
    g = check_finite_array(g, "g", ensure_2d=False, dtype=(np.float64,))
    if g.shape[0] != m:
        raise ValueError(
            f"g has {g.shape[0]} entries but Y has {m} rows; pass the target "
            f"potential of the solve that used Y."
        )
    b = check_marginal(b, m, "b")
    if metric in POWERS:
        check_cost_scale(points_spread([X, Y], POWERS[metric]), reg, "X and Y")
    return X, Y, g, reg, b


def _check_rows(rows, n) -> np.ndarray:
    """Return the plan rows that ``rows`` selects (None, slice, ints, mask)."""
    if rows is None:
        return np.arange(n)
    if isinstance(rows, slice):
        return np.arange(n)[rows]
    if isinstance(rows, (str, bytes)) or np.isscalar(rows):
        raise TypeError(
            "rows must be None, a slice, or a 1D array-like of row indices "
            f"(or a boolean mask of length {n}), got {rows!r}."
        )
    idx = np.asarray(rows)
    if idx.ndim != 1:
        raise ValueError(
            f"rows must be 1D (row indices or a boolean mask), got shape "
            f"{idx.shape}."
        )
    if idx.dtype.kind == "b":
        if idx.shape[0] != n:
            raise ValueError(
                f"rows is a boolean mask of length {idx.shape[0]} but X has {n} "
                "rows; pass one flag per row."
            )
        return np.flatnonzero(idx)
    if idx.size == 0:
        return idx.astype(np.intp)
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"rows must hold integer row indices, got dtype {idx.dtype}."
        )
    if idx.min() < -n or idx.max() >= n:
        raise ValueError(
            f"rows holds indices from {idx.min()} to {idx.max()} but X has {n} "
            f"rows; pass indices in [{-n}, {n})."
        )
    return idx.astype(np.intp)


def _transform(X, Y, g, reg, b, metric, values):
    """c-transform and softmax means of ``values`` for every row of ``X``."""
    lb = log_weights(b)
    if metric in POWERS:
        return c_transform_points(
            *prepare_points(X, Y), lb, g, reg, POWERS[metric], values=values
        )[::2]
    n = X.shape[0]
    f = np.empty(n)
    mean = None if values is None else np.empty((n, values.shape[1]))
    step = max(1, _BLOCK_ENTRIES // max(1, Y.shape[0]))
    for lo in range(0, n, step):
        C = cost_matrix(X[lo:lo + step], Y, metric=metric).astype(np.float64)
        t = lb + (g - C) / reg
        mx = t.max(axis=1, keepdims=True)
        np.exp(t - mx, out=t)
        s = t.sum(axis=1)
        f[lo:lo + step] = -reg * (mx[:, 0] + np.log(s))
        if values is not None:
            mean[lo:lo + step] = (t @ values) / s[:, None]
    return f, mean


@solver_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "g": ["array-like"],
        "reg": [Real],
        "b": ARRAY,
        "metric": [str],
    }
)
def entropic_c_transform(
    X: ArrayLike,
    Y: ArrayLike,
    g: ArrayLike,
    reg: float,
    *,
    b: ArrayLike | None = None,
    metric: str = "sqeuclidean",
) -> np.ndarray:
    r"""Source potential at any points, from the target potential.

    .. math::
        f(x) = -\mathrm{reg} \log \sum_j b_j
        \exp\big((g_j - c(x, y_j)) / \mathrm{reg}\big)

    At a converged solution this reproduces the source potential on the
    source points; on new points it is the natural out-of-sample extension.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Points at which to evaluate the potential.
    Y : array-like of shape (m, d)
        Target points of the solve.
    g : array-like of shape (m,)
        Target potential (``result.potentials[1]``).
    reg : float
        The regularization of the solve.
    b : array-like of shape (m,), default=None
        Target weights; ``None`` means uniform.
    metric : str, default="sqeuclidean"
        The ground cost of the solve (any metric of :func:`cost_matrix`).

    Returns
    -------
    f : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import entropic_c_transform, sinkhorn
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(30, 2)), rng.normal(size=(20, 2))
    >>> res = sinkhorn(reg=0.5, X=X, Y=Y, tol=1e-12)
    >>> f = entropic_c_transform(X, Y, res.potentials[1], 0.5)
    >>> bool(np.allclose(f, res.potentials[0], atol=1e-9))
    True
    """
    X, Y, g, reg, b = _check_points(X, Y, g, reg, b, metric)
    return _transform(X, Y, g, reg, b, metric, None)[0]


@solver_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "g": ["array-like"],
        "reg": [Real],
        "b": ARRAY,
        "metric": [str],
    }
)
def barycentric_map(
    X: ArrayLike,
    Y: ArrayLike,
    g: ArrayLike,
    reg: float,
    *,
    b: ArrayLike | None = None,
    metric: str = "sqeuclidean",
    values: ArrayLike | None = None,
) -> np.ndarray:
    r"""Entropic map of any points towards the target, from the potential ``g``.

    .. math::
        T(x) = \sum_j w_j(x)\, y_j, \qquad
        w_j(x) \propto b_j \exp\big((g_j - c(x, y_j)) / \mathrm{reg}\big)

    For a source point of the solve, ``T`` is the barycentric projection of
    its row of the plan; for a new point it extends the map through the
    c-transform. Memory is O(len(X) + len(Y)) for "sqeuclidean" and
    "euclidean" (costs recomputed on the fly), blocks of about 4M cost
    entries otherwise.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Points to map.
    Y : array-like of shape (m, d)
        Target points of the solve.
    g : array-like of shape (m,)
        Target potential (``result.potentials[1]``).
    reg : float
        The regularization of the solve.
    b : array-like of shape (m,), default=None
        Target weights; ``None`` means uniform.
    metric : str, default="sqeuclidean"
        The ground cost of the solve.
    values : array-like of shape (m,) or (m, k), default=None
        What to average instead of ``Y``, for example one-hot target labels
        or target responses.

    Returns
    -------
    T : ndarray of shape (n, d), (n,) or (n, k)
        Mapped points (or averaged values), in the dtype of ``X`` and ``Y``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import barycentric_map, sinkhorn
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> Y = X + 5.0
    >>> res = sinkhorn(reg=1.0, X=X, Y=Y)
    >>> T = barycentric_map([[0.0, 0.0], [1.0, -1.0]], Y, res.potentials[1], 1.0)
    >>> np.round(T, 1)  # the entropic map shrinks a little towards the mean
    array([[5. , 5. ],
           [5.7, 4.3]])
    """
    X, Y, g, reg, b = _check_points(X, Y, g, reg, b, metric)
    if values is None:
        V = Y.astype(np.float64)
        out_dtype = np.result_type(X.dtype, Y.dtype)
    else:
        V = np.asarray(values)
        if V.ndim not in (1, 2):
            raise ValueError(
                f"values must be 1D or 2D, one row per target point, got an "
                f"array of shape {V.shape}; flatten each row's values first."
            )
        if V.shape[:1] != (Y.shape[0],):
            raise ValueError(
                f"values must have one row per target point ({Y.shape[0]}), got "
                f"shape {V.shape}."
            )
        V = check_finite_array(
            V.reshape(Y.shape[0], -1), "values", dtype=(np.float64,)
        )
        out_dtype = np.float64
    mean = _transform(X, Y, g, reg, b, metric, V)[1]
    if values is not None and np.ndim(values) == 1:
        mean = mean[:, 0]
    return mean.astype(out_dtype, copy=False)


@solver_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "g": ["array-like"],
        "reg": [Real],
        "b": ARRAY,
        "metric": [str],
    }
)
def entropic_plan(
    f: ArrayLike,
    g: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    reg: float,
    *,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    metric: str = "sqeuclidean",
    rows: slice | ArrayLike | None = None,
) -> np.ndarray:
    r"""Rows of the entropic plan from the potentials of a solve.

    .. math::
        P_{ij} = a_i b_j \exp\big((f_i + g_j - c(x_i, y_j)) / \mathrm{reg}\big)

    Parameters
    ----------
    f : array-like of shape (n,)
        Source potential (``result.potentials[0]``).
    g : array-like of shape (m,)
        Target potential (``result.potentials[1]``).
    X : array-like of shape (n, d)
        Source points of the solve.
    Y : array-like of shape (m, d)
        Target points of the solve.
    reg : float
        The regularization of the solve.
    a : array-like of shape (n,), default=None
        Source weights; ``None`` means uniform.
    b : array-like of shape (m,), default=None
        Target weights; ``None`` means uniform.
    metric : str, default="sqeuclidean"
        The ground cost of the solve.
    rows : slice or array-like of int, default=None
        Which rows to evaluate (all by default). Evaluate a large plan block
        by block to bound memory.

    Returns
    -------
    P : ndarray of shape (n_rows, m)

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import entropic_plan, sinkhorn
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(30, 2)), rng.normal(size=(20, 2))
    >>> res = sinkhorn(reg=0.5, X=X, Y=Y)
    >>> P = entropic_plan(*res.potentials, X, Y, 0.5)
    >>> bool(np.allclose(P.sum(axis=0), 1 / 20))
    True
    >>> entropic_plan(*res.potentials, X, Y, 0.5, rows=slice(0, 5)).shape
    (5, 20)
    """
    X, Y, g, reg, b = _check_points(X, Y, g, reg, b, metric)
    n = X.shape[0]
    f = check_finite_array(f, "f", ensure_2d=False, dtype=(np.float64,))
    if f.shape[0] != n:
        raise ValueError(
            f"f has {f.shape[0]} entries but X has {n} rows; pass the source "
            f"potential of the solve that used X."
        )
    a = check_marginal(a, n, "a")
    idx = _check_rows(rows, n)
    if idx.size == 0:
        return np.zeros((0, Y.shape[0]), dtype=np.result_type(X.dtype, Y.dtype))
    C = cost_matrix(X[idx], Y, metric=metric).astype(np.float64)
    C -= g
    C -= f[idx, None]
    C /= -reg
    # Potentials that do not belong together could overflow; clip instead.
    np.minimum(C, 700.0, out=C)
    np.exp(C, out=C)
    C *= a[idx, None]
    C *= b
    return C.astype(np.result_type(X.dtype, Y.dtype), copy=False)
