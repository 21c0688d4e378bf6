r"""Barycenter of histograms on fixed support points.

Entropic by iterative Bregman projections (with epsilon scaling from a cold
start), or exact as one sparse linear program (HiGHS). ``_ibp`` also serves
the Wasserstein k-means centroid update.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning

from ..._kernels._ibp import ibp_barycenters
from ...utils._validation import check_finite_array, cost_spread
from .._constraints import ARRAY, ITER, REG, TOL, solver_params
from .._cost import cost_matrix
from .._entropic import _as_csr, _gibbs, _schedule, check_cost_scale
from .._result import OTResult, marginal_violation
from ._checks import (
    _check_histograms,
    _check_reg,
    _check_simplex_weights,
)

__all__ = ["barycenter_fixed_support"]


# Largest kernel (entries) one barycenter may store for stabilized
# iterations; beyond it pure log-domain sweeps run without a stored kernel.
_STABILIZED_KERNEL_MAX = 20_000_000


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


def _ibp_objective(H, C, reg, lam, logv, logu, csr, p):
    """Transport cost, entropic objective and marginal error of the IBP plans.

    The plan of histogram ``k`` must have ``H[k]`` and the barycenter ``p``
    as marginals; the error is the largest violation over all plans.
    """
    indptr, indices, values = csr
    linear = 0.0
    negent = 0.0
    error = 0.0
    for k in range(H.shape[0]):
        rows = indices[indptr[k]:indptr[k + 1]]
        logP = logu[indptr[k]:indptr[k + 1], None] + logv[k][None, :] - C[rows] / reg
        P = np.exp(logP)
        linear += lam[k] * float(np.sum(P * C[rows]))
        negent += lam[k] * float(np.sum(P * np.where(P > 0, logP, 0.0)))
        error = max(error, marginal_violation(
            P.sum(axis=1), P.sum(axis=0), values[indptr[k]:indptr[k + 1]], p))
    return linear, linear + reg * negent, error


def _exact_fixed_support(H, C, lam, *, with_error=False):
    """Solve the exact barycenter on fixed points as one sparse linear program.

    The costs are divided by their largest magnitude first (the solution
    does not change), so that HiGHS sees numbers near one at any scale.
    Returns ``(p, value, n_iter)``, and the plans' marginal error last if
    ``with_error``.
    """
    unit = float(np.abs(C).max())
    if unit == 0.0 or not np.isfinite(unit):
        unit = 1.0
    p, value, nit, plans = _exact_fixed_support_unit(H, C / unit, lam)
    with np.errstate(over="ignore"):
        value *= unit
    if not np.isfinite(value):
        raise ValueError(
            "the barycenter's transport cost overflows float64; rescale M (or "
            "support)."
        )
    if not with_error:
        return p, value, nit
    error = max(
        (marginal_violation(P.sum(axis=1), P.sum(axis=0), H[k, rows], p)
         for k, (rows, P) in enumerate(plans)),
        default=0.0,
    )
    return p, value, nit, error


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
    plans = [
        (rows, res.x[offsets[k]:offsets[k + 1]].reshape(rows.size, m))
        for k, rows in enumerate(blocks)
    ]
    return p, float(res.fun), int(getattr(res, "nit", 0) or 0), plans


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
        ``marginal_error`` the largest marginal violation of the plans
        (:class:`OTResult`); ``plan`` is None.

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
    max_iter = int(max_iter)
    tol = float(tol)
    if reg is not None:
        spread = cost_spread(C)
        check_cost_scale(spread, reg, "M" if M is not None else "support")

    if reg is None:
        p, value, nit, marginal_error = _exact_fixed_support(
            H, C, lam, with_error=True
        )
        return OTResult(
            plan=None, potentials=None, value=value, n_iter=nit, converged=True,
            marginal_error=marginal_error, value_linear=value,
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
    linear, value, marginal_error = _ibp_objective(
        H, C, reg, lam, logv, logu, csr, p
    )
    return OTResult(
        plan=None, potentials=None, value=value, n_iter=n_iter,
        converged=converged, marginal_error=marginal_error, value_linear=linear,
        extra={"weights": p, "support": support},
    )
