r"""Wasserstein barycenters: fixed support, free support and on the line.

The barycenter of distributions :math:`\mu_1, \dots, \mu_K` with weights
:math:`\lambda_k` (summing to one) minimises
:math:`\sum_k \lambda_k \mathrm{OT}(\mu_k, \nu)` over distributions
:math:`\nu`. Three solvers cover the usual cases:

- :func:`barycenter_fixed_support`: :math:`\nu` lives on given points
  (an image grid); entropic by iterative Bregman projections, or exact by
  linear programming;
- :func:`barycenter_free_support`: the points of :math:`\nu` move
  (Cuturi-Doucet fixed point for the squared Euclidean cost);
- :func:`barycenter_1d`: on the line, averaging quantile functions is exact.

Each returns an :class:`OTResult` with ``plan=None``; the barycenter itself
is in ``extra["support"]`` and ``extra["weights"]``.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from numpy.typing import ArrayLike
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning

from ..._kernels._barycenter import ibp_barycenters, sinkhorn_batch
from ...utils._validation import check_finite_array, check_seed, cost_spread
from .._constraints import ARRAY, COUNT, ITER, REG, TOL, solver_params
from .._cost import _sqeuclidean, cost_matrix
from .._entropic import check_cost_scale
from .._result import OTResult

__all__ = ["barycenter_1d", "barycenter_fixed_support", "barycenter_free_support"]

# Largest kernel (entries) one barycenter may store for stabilized
# iterations; beyond it pure log-domain sweeps run without a stored kernel.
_STABILIZED_KERNEL_MAX = 20_000_000


# --------------------------------------------------------------------------
# Validation helpers


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


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def _check_tol(tol):
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol must be a non-negative float, got {tol!r}.")
    return float(tol)


def _check_simplex_weights(weights, n, name="weights"):
    if weights is None:
        return np.full(n, 1.0 / n)
    w = check_finite_array(weights, name, ensure_2d=False, dtype=(np.float64,))
    if w.shape[0] != n:
        raise ValueError(
            f"{name} has {w.shape[0]} entries but there are {n} distributions; "
            f"pass one weight per distribution."
        )
    if np.any(w < 0) or not w.sum() > 0:
        raise ValueError(
            f"{name} must be non-negative with a positive sum, got {w!r}."
        )
    if not np.isfinite(w.sum()):
        raise ValueError(
            f"the sum of {name} overflows float64; normalise {name}, for "
            f"example divide it by its largest entry."
        )
    return w / w.sum()


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


# --------------------------------------------------------------------------
# Entropic engine shared with the clusterer


def _gibbs(C, reg):
    """Shared Gibbs kernel exp(-(C - min C) / reg) and its shift.

    Only when no entry underflows far (spread / reg <= 200); otherwise an
    empty kernel tells the kernels to build theirs by log-sum-exp.
    """
    shift = float(C.min())
    if (float(C.max()) - shift) / reg <= 200.0:
        return np.exp(-(C - shift) / reg), shift
    return np.empty((0, C.shape[1])), shift


def _as_csr(H):
    S = sp.csr_matrix(np.asarray(H, dtype=np.float64))
    S.eliminate_zeros()
    S.sort_indices()
    return (
        S.indptr.astype(np.intp),
        S.indices.astype(np.intp),
        np.ascontiguousarray(S.data, dtype=np.float64),
    )


def _ibp_stage(csr, C, reg, lam, groups, logv, max_iter, tol):
    K, m = logv.shape
    n_groups = groups.size - 1
    counts = np.diff(csr[0])
    largest = max(int(counts[groups[q]:groups[q + 1]].sum()) for q in range(n_groups))
    low_memory = largest * m > _STABILIZED_KERNEL_MAX
    lv = logv.copy()
    logp = np.empty((n_groups, m))
    lt = np.empty((K, m))
    logu = np.empty(csr[2].shape[0])
    info = np.empty((n_groups, 2))
    G, shift = _gibbs(C, reg)
    ibp_barycenters(
        C, G, shift, *csr, groups, lam, reg, low_memory, int(max_iter),
        float(tol), lv, logp, lt, logu, info,
    )
    return logp, lv, logu, info


def _ibp(H, C, reg, lam, *, groups=None, logv=None, max_iter=1000, tol=1e-9):
    """Run iterative Bregman projections, with epsilon scaling from cold.

    ``groups`` (offsets into the rows of ``H``) asks for one barycenter per
    group of consecutive histograms, ``lam`` summing to one in each group.
    Without a warm start ``logv`` and for a small ``reg``, a decreasing
    sequence of regularizations (each a quarter of the previous, from the
    cost spread divided by 50) warm-starts the final solve: the number of
    sweeps then grows slowly as ``reg`` shrinks instead of like ``1 / reg``.
    Returns ``(P, logv, logu, csr, n_iter, error)`` with one barycenter per
    row of ``P`` and per entry of ``n_iter`` and ``error``; ``logu`` and
    ``logv`` are the log-scalings of the plans ``exp(logu_i + logv_j -
    C_ij / reg)``.
    """
    C = np.ascontiguousarray(C, dtype=np.float64)
    csr = _as_csr(H)
    K, m = H.shape[0], C.shape[1]
    groups = np.array([0, K], dtype=np.intp) if groups is None else (
        np.asarray(groups, dtype=np.intp))
    lam = np.ascontiguousarray(lam, dtype=np.float64)
    schedule = [reg]
    if logv is None:
        logv = np.zeros((K, m))
        schedule = _schedule(C, reg)
    else:
        # Bins that held no mass in the warm start carry -inf: start them at
        # the smallest finite log-scaling of their row instead.
        logv = np.array(logv, dtype=np.float64)
        finite = np.isfinite(logv)
        low = np.where(finite, logv, np.inf).min(axis=1, keepdims=True)
        low[~np.isfinite(low)] = 0.0
        logv = np.where(finite, logv, low)
    n_iter = np.zeros(groups.size - 1, dtype=np.intp)
    previous = schedule[0]
    for stage in schedule:
        # keep the potentials g = reg * logv across stages
        logv = logv * (previous / stage)
        final = stage == reg
        logp, logv, logu, info = _ibp_stage(
            csr, C, stage, lam, groups, logv, max_iter, tol if final else max(tol, 1e-5)
        )
        n_iter += info[:, 0].astype(np.intp)
        previous = stage
    P = np.exp(logp - logp.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return P, logv, logu, csr, n_iter, info[:, 1]


def _entropic_costs(H, B, C, reg, *, logv=None, max_iter=1000, tol=1e-9):
    """Entropic transport costs <P, C> from each row of H to each row of B.

    ``logv`` (N, K, m) warm-starts the target-side scalings and is updated in
    place; from a cold start (None or zeros) small ``reg`` are reached by
    epsilon scaling, as in :func:`_ibp`. Returns ``(cost, n_iter, error)``.
    """
    C = np.ascontiguousarray(C, dtype=np.float64)
    B = np.ascontiguousarray(B, dtype=np.float64)
    csr = _as_csr(H)
    N, K, m = H.shape[0], B.shape[0], C.shape[1]
    if logv is None:
        logv = np.zeros((N, K, m))
    schedule = _schedule(C, reg) if not np.any(logv) else [reg]
    total = np.zeros((N, K), dtype=np.intp)
    previous = schedule[0]
    for stage in schedule:
        if stage != previous:
            logv *= previous / stage
        final = stage == reg
        cost, n_iter, error = _sinkhorn_stage(
            csr, B, C, stage, logv, max_iter, tol if final else max(tol, 1e-5)
        )
        total += n_iter
        previous = stage
    return cost, total, error


def _schedule(C, reg, cost_name="M"):
    """Regularizations from the cost spread / 50 down to ``reg``, by 4."""
    spread = cost_spread(C)
    check_cost_scale(spread, reg, cost_name)
    r = spread / 50
    stages = []
    while r / 4 > reg:
        r /= 4
        stages.append(r)
    return stages + [reg]


def _sinkhorn_stage(csr, B, C, reg, logv, max_iter, tol):
    N, K = csr[0].shape[0] - 1, B.shape[0]
    cost = np.empty((N, K))
    n_iter = np.empty((N, K), dtype=np.intp)
    error = np.empty((N, K))
    G, shift = _gibbs(C, reg)
    sinkhorn_batch(
        C, G, shift, *csr, B, reg, int(max_iter), float(tol), logv, cost,
        n_iter, error,
    )
    return cost, n_iter, error


def _ibp_objective(H, C, reg, lam, logv, logu, csr):
    """Weighted transport costs and entropic objective of the IBP plans."""
    indptr, indices, _ = csr
    linear = 0.0
    negent = 0.0
    for k in range(H.shape[0]):
        rows = indices[indptr[k]:indptr[k + 1]]
        logP = logu[indptr[k]:indptr[k + 1], None] + logv[k][None, :] - C[rows] / reg
        P = np.exp(logP)
        linear += lam[k] * float(np.sum(P * C[rows]))
        negent += lam[k] * float(np.sum(P * np.where(P > 0, logP, 0.0)))
    return linear, linear + reg * negent


# --------------------------------------------------------------------------
# Fixed support


def _exact_fixed_support(H, C, lam):
    """Solve the exact barycenter on fixed points as one sparse linear program.

    The costs are divided by their largest magnitude first (the solution
    does not change), so that HiGHS sees numbers near one at any scale.
    """
    unit = float(np.abs(C).max())
    if unit == 0.0 or not np.isfinite(unit):
        unit = 1.0
    p, value, nit = _exact_fixed_support_unit(H, C / unit, lam)
    with np.errstate(over="ignore"):
        value *= unit
    if not np.isfinite(value):
        raise ValueError(
            "the barycenter's transport cost overflows float64; rescale M (or "
            "support)."
        )
    return p, value, nit


def _exact_fixed_support_unit(H, C, lam):
    K, n = H.shape
    m = C.shape[1]
    blocks, offsets, cost = [], [0], []
    for k in range(K):
        rows = np.flatnonzero(H[k] > 0)
        blocks.append(rows)
        offsets.append(offsets[-1] + rows.size * m)
        cost.append(lam[k] * C[rows].ravel())
    n_plan = offsets[-1]
    c = np.concatenate(cost + [np.zeros(m)])
    eq_rows, eq_cols, eq_vals, b_eq = [], [], [], []
    row = 0
    for k, rows in enumerate(blocks):
        s = rows.size
        var = offsets[k] + np.arange(s * m).reshape(s, m)
        # row sums of plan k equal histogram k
        eq_rows.append(np.repeat(np.arange(row, row + s), m))
        eq_cols.append(var.ravel())
        eq_vals.append(np.ones(s * m))
        b_eq.append(H[k, rows])
        row += s
        # column sums of plan k equal the barycenter
        eq_rows.append(np.tile(np.arange(row, row + m), s))
        eq_cols.append(var.ravel())
        eq_vals.append(np.ones(s * m))
        eq_rows.append(np.arange(row, row + m))
        eq_cols.append(n_plan + np.arange(m))
        eq_vals.append(-np.ones(m))
        b_eq.append(np.zeros(m))
        row += m
    A_eq = sp.csr_matrix(
        (np.concatenate(eq_vals), (np.concatenate(eq_rows), np.concatenate(eq_cols))),
        shape=(row, n_plan + m),
    )
    res = linprog(c, A_eq=A_eq, b_eq=np.concatenate(b_eq), bounds=(0, None),
                  method="highs")
    if res.status != 0:
        raise RuntimeError(f"The barycenter linear program failed: {res.message}")
    p = np.maximum(res.x[n_plan:], 0.0)
    p /= p.sum()
    return p, float(res.fun), int(getattr(res, "nit", 0) or 0)


@solver_params(
    {
        "histograms": ["array-like"],
        "M": ARRAY,
        "reg": REG,
        "weights": ARRAY,
        "support": ARRAY,
        "max_iter": ITER,
        "tol": TOL,
    }
)
def barycenter_fixed_support(
    histograms: ArrayLike,
    M: ArrayLike | None = None,
    reg: float | None = None,
    weights: ArrayLike | None = None,
    *,
    support: ArrayLike | None = None,
    metric: str = "sqeuclidean",
    max_iter: int = 1000,
    tol: float = 1e-9,
) -> OTResult:
    r"""Wasserstein barycenter of histograms, on fixed support points.

    Finds the histogram :math:`p` over ``m`` given points minimising

    .. math::
        \sum_k \lambda_k \mathrm{OT}_\varepsilon(a_k, p), \qquad
        \mathrm{OT}_\varepsilon(a, p) = \min_{P \mathbf{1} = a,\,
        P^\top \mathbf{1} = p} \langle P, M \rangle
        + \varepsilon \sum_{ij} P_{ij} \log P_{ij}.

    With ``reg`` (:math:`\varepsilon`) set, the iterative Bregman
    projections of Benamou et al. alternate, for every histogram, a scaling
    that fits its own marginal with a common update of :math:`p`, the
    weighted geometric mean of the second marginals. The sweeps are
    stabilized scaling iterations: every plan keeps log-domain potentials
    and a kernel built from them, into which the scalings are absorbed (by
    an exact log-sum-exp step) before they can overflow, so any ``reg`` is
    safe. Small ``reg`` are reached by epsilon scaling: the problem is
    solved for regularizations decreasing by factors of 4 from the cost
    spread divided by 50, each warm-starting the next. Histograms with
    empty bins skip those rows of ``M``. With ``reg=None`` the exact
    barycenter is the solution of one linear program (HiGHS), practical for
    small problems only.

    Parameters
    ----------
    histograms : array-like of shape (n_histograms, n)
        Non-negative histograms over the same ``n`` points, one per row
        (each normalised to sum to one).
    M : array-like of shape (n, m), default=None
        Ground cost from the histograms' points to the barycenter's points.
        Give either ``M`` or ``support``.
    reg : float or None, default=None
        Entropic regularization, in units of ``M`` (absolute;
        :func:`relative_reg` converts a relative one); None for the exact
        linear program.
    weights : array-like of shape (n_histograms,), default=None
        Barycentric weights :math:`\lambda_k` (normalised); uniform if None.
    support : array-like of shape (n, d), default=None
        Support points shared by the histograms and the barycenter; the cost
        is then ``cost_matrix(support, support, metric)``.
    metric : str, default="sqeuclidean"
        Ground metric used with ``support`` (see :func:`cost_matrix`).
    max_iter : int, default=1000
        Maximum number of projection sweeps per regularization of the
        epsilon-scaling schedule.
    tol : float, default=1e-9
        Stop when every plan's second marginal is within ``tol`` (L1) of the
        barycenter (intermediate regularizations stop at ``max(tol, 1e-5)``).

    Returns
    -------
    result : OTResult
        ``extra["weights"]`` is the barycenter histogram of shape ``(m,)``
        and ``extra["support"]`` the ``support`` given (or None). ``value``
        is the objective above (``value_linear`` its transport part),
        ``marginal_error`` the final L1 discrepancy; ``plan`` is None.

    See Also
    --------
    barycenter_free_support : Barycenter whose points move.
    barycenter_1d : Exact barycenter on the line.

    References
    ----------
    .. [1] J.-D. Benamou, G. Carlier, M. Cuturi, L. Nenna and G. Peyre.
       Iterative Bregman projections for regularized transportation
       problems. SIAM J. Sci. Comput. 37(2), 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import barycenter_fixed_support
    >>> grid = np.arange(5.0)[:, None]
    >>> H = np.array([[1.0, 0, 0, 0, 0], [0, 0, 0, 0, 1.0]])
    >>> res = barycenter_fixed_support(H, support=grid, reg=0.05)
    >>> res.extra["weights"].round(3)
    array([0., 0., 1., 0., 0.])
    >>> exact = barycenter_fixed_support(H, support=grid)
    >>> exact.extra["weights"], exact.value
    (array([0., 0., 1., 0., 0.]), 4.0)
    """
    H = _check_histograms(histograms)
    if (M is None) == (support is None):
        raise ValueError(
            "Give exactly one of M (a cost matrix) or support (the points "
            "shared by the histograms and the barycenter)."
        )
    if support is not None:
        support = np.asarray(support)
        if support.ndim == 1:
            support = support[:, None]
        support = check_finite_array(support, "support", dtype=(np.float64,))
        if support.shape[0] != H.shape[1]:
            raise ValueError(
                f"support has {support.shape[0]} points but histograms has "
                f"{H.shape[1]} columns; pass one point per column."
            )
        C = cost_matrix(support, support, metric=metric)
    else:
        C = check_finite_array(M, "M", dtype=(np.float64,))
        if C.shape[0] != H.shape[1]:
            raise ValueError(
                f"M has {C.shape[0]} rows but histograms has {H.shape[1]} "
                f"columns; M[i, j] is the cost from point i to barycenter "
                f"point j."
            )
    reg = _check_reg(reg)
    lam = _check_simplex_weights(weights, H.shape[0])
    max_iter = _check_positive_int(max_iter, "max_iter")
    tol = _check_tol(tol)
    if reg is not None:
        spread = cost_spread(C)
        check_cost_scale(spread, reg, "M" if M is not None else "support")

    if reg is None:
        p, value, nit = _exact_fixed_support(H, C, lam)
        return OTResult(
            plan=None, potentials=None, value=value, n_iter=nit, converged=True,
            marginal_error=0.0, value_linear=value,
            extra={"weights": p, "support": support},
        )

    P, logv, logu, csr, n_iter, err = _ibp(
        H, C, reg, lam, max_iter=max_iter, tol=tol
    )
    p, n_iter, err = P[0], int(n_iter[0]), float(err[0])
    converged = err <= tol
    if not converged:
        warnings.warn(
            f"barycenter_fixed_support stopped after {n_iter} iterations with "
            f"marginal error {err:.3g} > tol={tol:g}; increase max_iter or reg.",
            ConvergenceWarning,
        )
    linear, value = _ibp_objective(H, C, reg, lam, logv, logu, csr)
    return OTResult(
        plan=None, potentials=None, value=value, n_iter=n_iter,
        converged=converged, marginal_error=err, value_linear=linear,
        extra={"weights": p, "support": support},
    )


# --------------------------------------------------------------------------
# Free support


def _inner_plan(b, a, C, reg):
    if reg is None:
        from .._exact import _emd_valid

        return _emd_valid(b, a, C).plan
    from .._entropic import sinkhorn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sinkhorn(b, a, C, reg).plan


def _free_support_step(X, b, Y, a, reg):
    C = _sqeuclidean(X, Y)
    P = _inner_plan(b, a, C, reg)
    if not np.all(np.isfinite(P)):
        raise ValueError(
            "An inner transport plan of barycenter_free_support is not finite; "
            "increase reg or use reg=None for exact plans."
        )
    return P @ Y, P


def _check_clouds(points_list, weights_list):
    if not isinstance(points_list, (list, tuple)) or len(points_list) == 0:
        raise TypeError(
            "points_list must be a non-empty list of arrays of shape "
            "(n_points, d)."
        )
    Ys = []
    for k, Y in enumerate(points_list):
        Y = np.asarray(Y)
        if Y.ndim == 1:
            Y = Y[:, None]
        Ys.append(check_finite_array(Y, f"points_list[{k}]", dtype=(np.float64,)))
    if len({Y.shape[1] for Y in Ys}) > 1:
        raise ValueError("All arrays of points_list must have the same dimension.")
    if weights_list is None:
        weights_list = [None] * len(Ys)
    if len(weights_list) != len(Ys):
        raise ValueError(
            f"weights_list has {len(weights_list)} entries for {len(Ys)} point "
            f"clouds; pass one weight vector (or None) per cloud."
        )
    As = [
        _check_simplex_weights(w, Y.shape[0], f"weights_list[{k}]")
        for k, (Y, w) in enumerate(zip(Ys, weights_list))
    ]
    return Ys, As


@solver_params(
    {
        "points_list": ["array-like"],
        "weights_list": ARRAY,
        "X_init": ARRAY,
        "weights": ARRAY,
        "reg": REG,
        "b": ARRAY,
        "n_support": [COUNT, None],
        "max_iter": ITER,
        "tol": TOL,
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }
)
def barycenter_free_support(
    points_list: Sequence[ArrayLike],
    weights_list: Sequence[ArrayLike | None] | None = None,
    X_init: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    reg: float | None = None,
    *,
    b: ArrayLike | None = None,
    n_support: int | None = None,
    max_iter: int = 100,
    tol: float = 1e-9,
    n_jobs: int | None = None,
    random_state: int | np.random.RandomState | None = None,
) -> OTResult:
    r"""Wasserstein-2 barycenter of point clouds, with moving support points.

    Minimises :math:`\sum_k \lambda_k W_2^2(\mu_k, \nu)` over
    :math:`\nu = \sum_i b_i \delta_{x_i}` with fixed masses :math:`b` and
    free points :math:`x_i` by the fixed point of Cuturi and Doucet: solve
    the transport plans :math:`P_k` from :math:`\nu` to every
    :math:`\mu_k`, then move each point to the weighted average of where its
    mass goes,

    .. math::
        x_i \leftarrow \frac{1}{b_i} \sum_k \lambda_k \sum_j
        (P_k)_{ij}\, y^{(k)}_j .

    For the squared Euclidean cost each sweep does not increase the
    objective. The plans are exact (network simplex, ``reg=None``) or
    entropic (``reg`` set).

    Parameters
    ----------
    points_list : list of array-like of shape (n_k, d)
        The support of each input distribution.
    weights_list : list of array-like of shape (n_k,), default=None
        The masses of each input (normalised); uniform if None or for a
        None entry.
    X_init : array-like of shape (n_support, d), default=None
        Initial barycenter points. Default: ``n_support`` points drawn from
        the inputs (by mass, with ``random_state``) if ``n_support`` is set,
        otherwise the points of the first input of largest weight.
    weights : array-like of shape (n_inputs,), default=None
        Barycentric weights :math:`\lambda_k` (normalised); uniform if None.
    reg : float or None, default=None
        Entropic regularization of the inner plans, in units of the squared
        distances between points (absolute; :func:`relative_reg` converts a
        relative one); None for exact plans.
    b : array-like of shape (n_support,), default=None
        Masses of the barycenter points; uniform if None (or, with the
        default ``X_init``, the masses of that input).
    n_support : int, default=None
        Number of barycenter points when ``X_init`` is None.
    max_iter : int, default=100
        Maximum number of fixed-point sweeps.
    tol : float, default=1e-9
        Stop when the mean squared displacement of the points,
        :math:`\sum_i b_i \|\Delta x_i\|^2`, is at most ``tol`` times the
        objective.
    n_jobs : int, default=None
        Inner plans of one sweep are solved in parallel with joblib.
    random_state : int, RandomState instance or None, default=None
        Seed for drawing the initial points with ``n_support``.

    Returns
    -------
    result : OTResult
        ``extra["support"]`` holds the barycenter points of shape
        ``(n_support, d)`` and ``extra["weights"]`` their masses; ``value``
        is the objective. ``plan`` is None.

    See Also
    --------
    barycenter_fixed_support : Barycenter on given points.
    barycenter_1d : Exact barycenter on the line.

    References
    ----------
    .. [1] M. Cuturi and A. Doucet. Fast computation of Wasserstein
       barycenters. ICML 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import barycenter_free_support
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> Y = np.array([[0.0, 2.0], [1.0, 2.0]])
    >>> res = barycenter_free_support([X, Y])
    >>> res.extra["support"]
    array([[0., 1.],
           [1., 1.]])
    >>> res.value
    1.0
    """
    Ys, As = _check_clouds(points_list, weights_list)
    lo = np.min([Y.min(axis=0) for Y in Ys], axis=0)
    hi = np.max([Y.max(axis=0) for Y in Ys], axis=0)
    with np.errstate(over="ignore"):
        diam2 = float(np.sum((hi - lo) ** 2))
    if not np.isfinite(diam2):
        raise ValueError(
            "the squared distances between the points of points_list overflow "
            "float64; rescale points_list (for example divide every cloud by "
            "the largest absolute value)."
        )
    lam = _check_simplex_weights(weights, len(Ys))
    reg = _check_reg(reg)
    max_iter = _check_positive_int(max_iter, "max_iter")
    tol = _check_tol(tol)
    d = Ys[0].shape[1]
    if X_init is not None:
        X = check_finite_array(X_init, "X_init", dtype=(np.float64,)).copy()
        if X.shape[1] != d:
            raise ValueError(
                f"X_init has dimension {X.shape[1]} but the clouds have {d}."
            )
        init_mass = None
    elif n_support is not None:
        n_support = _check_positive_int(n_support, "n_support")
        rng = check_seed(random_state)
        pool = np.vstack(Ys)
        mass = np.concatenate([lk * a for lk, a in zip(lam, As)])
        pick = rng.choice(pool.shape[0], size=n_support, p=mass / mass.sum(),
                          replace=n_support > np.count_nonzero(mass))
        X = pool[pick].copy()
        init_mass = None
    else:
        first = int(np.argmax(lam))
        X = Ys[first].copy()
        init_mass = As[first]
    if b is None:
        b = init_mass if init_mass is not None else np.full(len(X), 1.0 / len(X))
    else:
        b = _check_simplex_weights(b, X.shape[0], "b")

    parallel = Parallel(n_jobs=n_jobs, prefer="threads")
    converged = False
    value = np.inf
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        steps = parallel(
            delayed(_free_support_step)(X, b, Y, a, reg) for Y, a in zip(Ys, As)
        )
        T = sum(lk * s[0] for lk, s in zip(lam, steps)) / b[:, None]
        # Objective of the same plans at the moved points: it bounds the new
        # objective from above and equals it at a fixed point.
        value = float(sum(
            lk * np.sum(s[1] * _sqeuclidean(T, Y))
            for lk, s, Y in zip(lam, steps, Ys)
        ))
        shift = float(np.sum(b * np.sum((T - X) ** 2, axis=1)))
        X = T
        if shift <= tol * value:
            converged = True
            break
    if not converged:
        warnings.warn(
            f"barycenter_free_support stopped after {n_iter} sweeps without "
            f"reaching tol={tol:g}; increase max_iter.",
            ConvergenceWarning,
        )
    # the largest marginal violation of the last inner plans
    marginal_error = max(
        max(float(np.abs(P.sum(axis=1) - b).max()),
            float(np.abs(P.sum(axis=0) - a).max()))
        for (_, P), a in zip(steps, As)
    )
    return OTResult(
        plan=None, potentials=None, value=value, n_iter=n_iter,
        converged=converged, marginal_error=marginal_error,
        value_linear=value, extra={"support": X, "weights": b},
    )


# --------------------------------------------------------------------------
# On the line


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
        n_quantiles = _check_positive_int(n_quantiles, "n_quantiles")
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
