"""Class-regularized (group-lasso) optimal transport, entropic or exact."""

from __future__ import annotations

import math
import warnings
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike, DTypeLike
from scipy import sparse
from scipy.optimize import minimize_scalar
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning

from ...utils._validation import check_equal_mass
from .._constraints import ARRAY, ITER, REG, TOL, solver_params
from .._exact import emd
from .._result import OTResult, marginal_violation
from ._common import check_positive, check_problem
from ._sinkhorn import sinkhorn

__all__ = ["class_regularized_ot"]

PENALTIES = ("lpl1", "l1l2")


def _entropic_objective(P, M, reg, ab_log):
    """``<P, M> + reg * KL(P | a b^T)`` and ``<P, M>`` (no KL if reg is None)."""
    lin = float(np.vdot(P, M))
    if reg is None:
        return lin, lin
    kl = float(xlogy(P, P).sum() - np.vdot(P, ab_log) - P.sum() + 1.0)
    return lin + reg * kl, lin


@solver_params(
    {
        "a": ARRAY,
        "b": ARRAY,
        "M": ARRAY,
        "reg": REG,
        "reg_class": [Real],
        "labels_source": ["array-like"],
        "penalty": [str],
        "max_iter": ITER,
        "tol": TOL,
        "inner_max_iter": ITER,
        "objective_tol": TOL,
        "warn": ["boolean"],
    }
)
def class_regularized_ot(
    a: ArrayLike | None,
    b: ArrayLike | None,
    M: ArrayLike,
    reg: float | None,
    reg_class: float,
    labels_source: ArrayLike,
    *,
    penalty: str = "lpl1",
    max_iter: int = 20,
    tol: float = 1e-9,
    inner_max_iter: int = 1000,
    objective_tol: float = 1e-7,
    dtype: DTypeLike | None = None,
    warn: bool = True,
) -> OTResult:
    r"""Entropic transport that keeps each target point fed by few classes.

    Solves, over couplings ``P`` with marginals ``a`` and ``b``,

    .. math::
        \min_P \langle P, M \rangle + \mathrm{reg}\,\mathrm{KL}(P | a b^T)
        + \mathrm{reg\_class} \sum_j \sum_c \|P_{I_c, j}\|_q^p

    where ``I_c`` are the source rows of class ``c``: a target point that
    receives mass from several classes is penalized, which pushes the
    transport of each class to its own target region (Courty, Flamary,
    Tuia and Rakotomamonjy, 2017).

    ``reg=None`` drops the entropic term and solves each step exactly with
    :func:`emd`. An exact plan is a vertex of the transport polytope that
    already sends few classes to each target point, and for ``"lpl1"`` it
    is usually a fixed point of the majorization: the result is then the
    plain exact plan. The entropic problem is where the penalty acts most.

    - ``penalty="lpl1"``: ``p = 1/2``, ``q = 1`` (concave), minimized by
      majorization-minimization: each step solves the inner problem with the
      cost ``M + reg_class * W``, ``W_cj = 1/2 (Z_cj + delta) ** -1/2`` the
      slope of the penalty at the current class masses ``Z_cj = sum_{i in
      I_c} P_ij`` (``delta = 1e-3 * mean(b)`` keeps the slope finite).
      Every step decreases the smoothed objective.
    - ``penalty="l1l2"``: ``p = 1``, ``q = 2`` (convex group lasso),
      minimized by the generalized conditional gradient: each step solves
      the inner problem with the cost linearized at the current plan and
      moves towards its solution by an exact line search on the full
      objective, which therefore decreases at every step.

    Parameters
    ----------
    a : array-like of shape (n,), default=None
        Source weights; ``None`` means uniform. The problem is solved for
        ``a / sum(a)`` and ``b / sum(b)``, and the plan and values are then
        multiplied by ``sum(a)``.
    b : array-like of shape (m,), default=None
        Target weights (same total mass); ``None`` means uniform.
    M : array-like of shape (n, m)
        Cost matrix.
    reg : float or None
        Entropic regularization, in the units of ``M``; ``None`` for exact
        inner solves.
    reg_class : float
        Strength of the class penalty, in the units of ``M`` (zero gives
        :func:`sinkhorn`, or :func:`emd` when ``reg`` is None).
    labels_source : array-like of shape (n,)
        Class of each source row (any labels).
    penalty : {"lpl1", "l1l2"}, default="lpl1"
        The group penalty, see above.
    max_iter : int, default=20
        Maximum number of majorization or conditional-gradient steps.
    tol : float, default=1e-9
        Marginal tolerance of each inner :func:`sinkhorn` solve (exact
        solves need none).
    inner_max_iter : int, default=1000
        Iteration budget of each inner :func:`sinkhorn` solve (exact solves
        always run to the optimum).
    objective_tol : float, default=1e-7
        Stop when a step decreases the objective by less than this fraction.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Precision of the returned plan; ``None`` keeps float32 input.
    warn : bool, default=True
        Warn with a :class:`~sklearn.exceptions.ConvergenceWarning` when the
        steps or an inner solve do not converge.

    Returns
    -------
    result : OTResult
        ``plan``; ``value`` the objective above with the exact penalty;
        ``value_linear`` ``<P, M>``; ``potentials`` those of the last inner
        solve (they pair with its linearized cost, not with ``M``);
        ``n_iter`` the number of steps. ``extra``: ``"objective_history"``
        (the objective minimized at each step, for the normalized weights:
        smoothed for "lpl1"),
        ``"class_mass"`` (``Z``, shape ``(n_classes, m)``), ``"classes"``,
        ``"n_inner_iter"``.

    See Also
    --------
    sinkhorn : The entropic problem without class penalty.
    emd : The exact problem without class penalty.

    References
    ----------
    .. [1] N. Courty, R. Flamary, D. Tuia and A. Rakotomamonjy, "Optimal
       transport for domain adaptation", IEEE TPAMI 39(9), 2017.
    .. [2] A. Rakotomamonjy, R. Flamary and N. Courty, "Generalized
       conditional gradient: analysis of convergence and applications",
       arXiv:1510.06567, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.solvers import class_regularized_ot
    >>> rng = np.random.default_rng(0)
    >>> Xs = np.r_[rng.normal(0, 0.3, (10, 2)), rng.normal(2, 0.3, (10, 2))]
    >>> ys = np.r_[np.zeros(10), np.ones(10)]
    >>> Xt = np.r_[rng.normal(0, 0.3, (8, 2)), rng.normal(2, 0.3, (12, 2))] + 0.5
    >>> M = np.square(Xs[:, None] - Xt).sum(-1)
    >>> res = class_regularized_ot(None, None, M, 0.1, 1.0, ys)
    >>> Z = res.extra["class_mass"]
    >>> purity = (Z.max(axis=0) / Z.sum(axis=0)).mean()
    >>> bool(purity > 0.99)
    True
    """
    reg = None if reg is None else check_positive(reg, "reg")
    if not isinstance(reg_class, (int, float, np.number)) or isinstance(
        reg_class, bool
    ) or not (reg_class >= 0 and math.isfinite(reg_class)):
        raise ValueError(
            f"reg_class must be a finite number >= 0, got {reg_class!r}."
        )
    reg_class = float(reg_class)
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}, got {penalty!r}.")
    max_iter = check_positive(max_iter, "max_iter", integer=True)
    inner_max_iter = check_positive(inner_max_iter, "inner_max_iter", integer=True)
    tol = check_positive(tol, "tol")
    objective_tol = check_positive(objective_tol, "objective_tol")
    if M is None:
        raise ValueError("M is required: pass the cost matrix of shape (n, m).")
    a, b, M, _, _, dt = check_problem(a, b, M, None, None, "sqeuclidean", dtype)
    check_equal_mass(a, b)
    M = M.astype(np.float64, copy=False)
    n, m = M.shape
    labels = np.asarray(labels_source)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(
            f"labels_source must hold one label per source row ({n}), got "
            f"shape {labels.shape}."
        )
    if labels.dtype.kind == "c":
        raise ValueError(
            f"labels_source has the complex dtype {labels.dtype}; pass real "
            "class labels (integers or strings), one per source row."
        )
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise ValueError(
            "labels_source contains NaN or infinity; every source row needs a "
            "finite class label (drop unlabelled rows or give them a class)."
        )
    if labels.dtype.kind == "O" and any(
        v is None or (isinstance(v, float) and not np.isfinite(v)) for v in labels
    ):
        raise ValueError(
            "labels_source contains None, NaN or infinity; every source row "
            "needs a class label (drop unlabelled rows or give them a class)."
        )
    classes, codes = np.unique(labels, return_inverse=True)
    # S.T @ P sums the rows of each class.
    S = sparse.csr_matrix(
        (np.ones(n), (codes, np.arange(n))), shape=(len(classes), n)
    )
    mass = float(a.sum())
    a_n, b_n = a / a.sum(), b / b.sum()
    with np.errstate(divide="ignore"):
        ab_log = np.log(a_n)[:, None] + np.log(b_n)[None, :]
    ab_log[~np.isfinite(ab_log)] = 0.0
    inner = dict(tol=tol, max_iter=inner_max_iter, warn=False)

    def solve(cost, init=None):
        if reg is None:
            return emd(a_n, b_n, cost)
        try:
            return sinkhorn(a_n, b_n, cost, reg, init=init, **inner)
        except ValueError as exc:
            if reg_class == 0.0 or "reg=" not in str(exc):
                raise
            # the penalized costs M + reg_class * W, not M alone, outgrew reg
            raise ValueError(
                f"reg_class={reg_class:g} makes the penalized costs too large "
                f"for reg={reg:g}: {exc} Lower reg_class or raise reg."
            ) from None
    delta = 1e-3 * float(b_n.mean())

    def penalty_value(P, smooth):
        if penalty == "lpl1":
            return float(np.sqrt(S @ P + (delta if smooth else 0.0)).sum())
        return float(np.sqrt(S @ (P * P)).sum())

    def objective(P, smooth=True):
        ent, lin = _entropic_objective(P, M, reg, ab_log)
        return ent + reg_class * penalty_value(P, smooth), lin

    # The problem is solved for normalized weights; the plan is rescaled
    # at the end.
    res = solve(M)
    P = res.plan
    n_inner = res.n_iter
    inner_ok = res.converged
    history = [objective(P)[0]]
    converged = reg_class == 0.0
    n_steps = 0
    while not converged and n_steps < max_iter:
        n_steps += 1
        if penalty == "lpl1":
            slope = 0.5 / np.sqrt(S @ P + delta)
            res = solve(M + reg_class * slope[codes], res.potentials)
            P_new = res.plan
        else:
            norms = np.sqrt(S @ (P * P))
            with np.errstate(divide="ignore", invalid="ignore"):
                grad = np.where(norms[codes] > 0, P / norms[codes], 0.0)
            res = solve(M + reg_class * grad, res.potentials)
            direction = res.plan - P
            step = minimize_scalar(
                lambda t: objective(P + t * direction)[0],
                bounds=(0.0, 1.0),
                method="bounded",
                options={"xatol": 1e-8},
            ).x
            if objective(P + step * direction)[0] > history[-1]:
                step = 0.0
            P_new = P + step * direction
        n_inner += res.n_iter
        inner_ok = inner_ok and res.converged
        value_new = objective(P_new)[0]
        decrease = history[-1] - value_new
        P = P_new
        history.append(value_new)
        if abs(decrease) <= objective_tol * max(abs(value_new), 1e-300):
            converged = True
    if warn and not (converged and inner_ok):
        what = "the inner Sinkhorn solves" if converged else "the outer steps"
        warnings.warn(
            f"class_regularized_ot: {what} did not converge (max_iter="
            f"{max_iter}, inner_max_iter={inner_max_iter}); increase them or "
            f"reg.",
            ConvergenceWarning,
            stacklevel=2,
        )
    plan = P * mass
    lin = float(np.vdot(plan, M))
    value = lin + reg_class * penalty_value(plan, smooth=False)
    if reg is not None:
        ab = np.outer(a, b)
        pos = plan > 0
        kl = plan[pos] * np.log(plan[pos] / ab[pos])
        value += reg * float(np.sum(kl) - plan.sum() + ab.sum())
    marginal_error = marginal_violation(plan.sum(1), plan.sum(0), a, b)
    return OTResult(
        plan=plan.astype(dt, copy=False),
        potentials=tuple(p.astype(dt) for p in res.potentials),
        value=float(value),
        n_iter=n_steps,
        converged=bool(converged and inner_ok),
        marginal_error=marginal_error,
        value_linear=lin,
        extra={
            "objective_history": tuple(float(h) for h in history),
            "class_mass": np.asarray(S @ plan),
            "classes": classes,
            "n_inner_iter": int(n_inner),
            "penalty": penalty,
        },
    )
