"""Validation, the shared body and result assembly of the entropic solvers."""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ...utils._validation import (
    check_equal_mass,
    check_finite_array,
    check_marginal,
    check_point_pair,
)
from .._constraints import ARRAY, EPSILON_SCALING, ITER, REG, TOL
from .._cost import POWERS
from .._result import OTResult, marginal_violation
from ._core import make_schedule
from ._dense import solve_dense
from ._matrix_free import solve_online

__all__ = [
    "ENTROPIC_PARAMS",
    "check_dtype",
    "check_positive",
    "check_problem",
    "check_reg",
    "entropic_result",
    "solve_entropic",
]


def check_positive(value, name, *, allow_inf=False, integer=False):
    """Return ``value`` as a positive float (or int), or raise naming it."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(
            f"{name} must be a positive {'integer' if integer else 'number'}, "
            f"got {value!r}."
        )
    ok = value > 0 and (allow_inf or math.isfinite(value))
    if not ok:
        extra = " (inf allowed)" if allow_inf else ""
        raise ValueError(f"{name} must be positive and finite{extra}, got {value!r}.")
    return int(value) if integer else float(value)


def check_dtype(dtype, default):
    """Resolve the working dtype: ``None`` keeps ``default``."""
    if dtype is None:
        return np.dtype(default)
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64 (or None), got {dtype!r}.")
    return dt


def check_problem(
    a, b, M, X, Y, metric, dtype
) -> tuple[np.ndarray, np.ndarray, Any, Any, Any, np.dtype]:
    """Validate a dense (``M``) or matrix-free (``X``, ``Y``) problem.

    Returns ``(a, b, M, X, Y, dtype)`` with ``M`` None in the matrix-free
    form and ``X``, ``Y`` None in the dense form.
    """
    if M is not None:
        if X is not None or Y is not None:
            raise ValueError(
                "pass either the cost matrix M or the points X and Y, not both."
            )
        M = check_finite_array(M, "M")
        dt = check_dtype(dtype, M.dtype)
        M = np.ascontiguousarray(M, dtype=dt)
        n, m = M.shape
    else:
        if X is None or Y is None:
            raise ValueError(
                "pass a cost matrix M, or points X and Y (with a metric) for "
                "the matrix-free form."
            )
        if metric not in POWERS:
            raise ValueError(
                f"the matrix-free form supports metric in {sorted(POWERS)}, got "
                f"{metric!r}; compute M = cost_matrix(X, Y, metric) and pass it."
            )
        X, Y = check_point_pair(X, Y)
        dt = check_dtype(dtype, np.result_type(X.dtype, Y.dtype))
        X = np.ascontiguousarray(X, dtype=dt)
        Y = np.ascontiguousarray(Y, dtype=dt)
        n, m = X.shape[0], Y.shape[0]
    a = check_marginal(a, n, "a")
    b = check_marginal(b, m, "b")
    return a, b, M, X, Y, dt


def _kl(p, q):
    """Generalized KL ``sum p log(p/q) - p + q`` (``0 log 0 = 0``)."""
    pos = p > 0
    return float(np.sum(p[pos] * np.log(p[pos] / q[pos])) - p.sum() + q.sum())


def entropic_result(raw, a, b, reg, dtype, *, lam_a=math.inf, lam_b=math.inf,
                    max_iter, tol, warn=True, name="sinkhorn"):
    """Assemble the :class:`OTResult` of an entropic solve."""
    F, G = raw["F"], raw["G"]
    r, c = raw["row_mass"], raw["col_mass"]
    lin = raw["lin"]
    mass = float(r.sum())
    mass_prod = float(a.sum()) * float(b.sum())
    # eps * KL(P | a b^T) from P = a b^T exp((F + G - M) / eps).
    ent = float(r @ F + c @ G) - lin - reg * (mass - mass_prod)
    value = lin + ent
    dual = -reg * (mass - mass_prod)
    for w, pot, lam, marg in ((a, F, lam_a, r), (b, G, lam_b, c)):
        if math.isinf(lam):
            dual += float(w @ pot)
        else:
            value += lam * _kl(marg, w)
            dual -= lam * float(w @ np.expm1(-pot / lam))
    balanced = math.isinf(lam_a) and math.isinf(lam_b)
    violation = float(raw["err"])
    converged = bool(raw["converged"])
    # The stopping measure of the returned plan itself: the L1 marginal
    # violation (balanced) or the violation of the optimality conditions
    # r = a exp(-F / lam_a), c = b exp(-G / lam_b) (KL marginals).
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        r_opt = a if math.isinf(lam_a) else a * np.exp(np.minimum(-F / lam_a, 700.0))
        c_opt = b if math.isinf(lam_b) else b * np.exp(np.minimum(-G / lam_b, 700.0))
        measured = float(np.abs(r - r_opt).sum() + np.abs(c - c_opt).sum())
        measured /= float(a.sum())
    if not math.isfinite(violation):
        # the budget ran out before any iterate was measured
        violation = measured
    marginal_error = marginal_violation(r, c, r_opt, c_opt)
    if balanced:
        # converged only if the returned plan passes the stopping test, up
        # to the rounding of its own entries
        slack = 64 * float(np.finfo(dtype).eps)
        if converged and not measured <= tol + slack:
            converged = False
            violation = measured
    if not converged and warn:
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} iterations (last "
            f"measured violation {violation:.3g} > tol={tol:g}); returning "
            f"the best iterate. Increase max_iter, loosen tol or increase reg.",
            ConvergenceWarning,
            # past entropic_result, solve_entropic, the solver and its
            # parameter validation: the caller's line
            stacklevel=5,
        )
    plan = raw["plan"]
    return OTResult(
        plan=plan,
        potentials=(F.astype(dtype), G.astype(dtype)),
        value=float(value),
        n_iter=int(raw["n_iter"]),
        converged=converged,
        marginal_error=marginal_error,
        value_linear=float(lin),
        extra={
            "dual": float(dual),
            "reg": reg,
            "eps_schedule": tuple(float(e) for e in raw["eps_list"]),
            "n_absorb": int(raw["n_absorb"]),
            "violation": violation,
            "row_mass": r,
            "col_mass": c,
        },
    )


# The arguments sinkhorn and sinkhorn_unbalanced share, in the
# validate_params vocabulary (reg_marginals has its own check).
ENTROPIC_PARAMS = {
    "a": ARRAY,
    "b": ARRAY,
    "M": ARRAY,
    "reg": REG,
    "X": ARRAY,
    "Y": ARRAY,
    "metric": [str],
    "max_iter": ITER,
    "tol": TOL,
    "epsilon_scaling": EPSILON_SCALING,
    "init": [tuple, list, "array-like", None],
    "warn": ["boolean"],
}


def check_reg(reg):
    """Return ``reg`` as a positive float; a TypeError if it is missing."""
    return check_positive(reg, "reg") if reg is not None else _missing_reg()


def solve_entropic(
    a, b, M, reg, *, X, Y, metric, max_iter, tol, epsilon_scaling, init,
    dtype, warn, lam_a=math.inf, lam_b=math.inf, name="sinkhorn", spread=None,
):
    """Check an entropic problem, run the dense or matrix-free engine.

    The body of :func:`sinkhorn` (``lam_a = lam_b = inf``) and of
    :func:`sinkhorn_unbalanced` (KL penalties ``lam_a``, ``lam_b``).
    A ``spread`` marks ``M`` as checked already (finite, C-contiguous
    float64, of that ``cost_spread``): it is not scanned again.
    """
    reg = check_reg(reg)
    max_iter = check_positive(max_iter, "max_iter", integer=True)
    tol = check_positive(tol, "tol")
    if spread is None:
        a, b, M, X, Y, dt = check_problem(a, b, M, X, Y, metric, dtype)
    else:
        dt = M.dtype
        a = check_marginal(a, M.shape[0], "a")
        b = check_marginal(b, M.shape[1], "b")
    balanced = math.isinf(lam_a) and math.isinf(lam_b)
    if balanced:
        check_equal_mass(a, b)
    init = _check_init(init, len(a), len(b))
    if name == "sinkhorn":
        init = _balance_init(init)
    schedule = make_schedule(
        reg, epsilon_scaling, "M" if M is not None else "X and Y"
    )
    opts = dict(max_iter=max_iter, tol=tol, init=init)
    if not balanced:
        opts = dict(lam_a=lam_a, lam_b=lam_b, **opts)
    if M is not None:
        raw = solve_dense(a, b, M, reg, schedule, spread=spread, **opts)
    else:
        raw = solve_online(a, b, X, Y, reg, schedule, power=POWERS[metric], **opts)
    return entropic_result(
        raw, a, b, reg, dt, lam_a=lam_a, lam_b=lam_b, max_iter=max_iter,
        tol=tol, warn=warn, name=name,
    )


def _missing_reg():
    raise TypeError(
        "reg is required: pass the entropic regularization, e.g. "
        "reg=0.05 * np.median(M)."
    )


def _check_init(init, n, m):
    if init is None:
        return None
    try:
        f, g = init
    except (TypeError, ValueError):
        raise ValueError(
            "init must be a pair of potentials (f, g), e.g. the potentials of "
            "a previous OTResult."
        ) from None
    f = check_finite_array(f, "init[0]", ensure_2d=False, dtype=(np.float64,))
    g = check_finite_array(g, "init[1]", ensure_2d=False, dtype=(np.float64,))
    if f.shape[0] != n or g.shape[0] != m:
        raise ValueError(
            f"init potentials must have shapes ({n},) and ({m},), got "
            f"{f.shape} and {g.shape}."
        )
    return f, g


def _balance_init(init):
    """Remove the dual translation ``(f + t, g - t)`` from balanced potentials.

    The plan does not depend on ``t``, but a large ``t`` (say 1e18) leaves
    the potentials no significant digits for the differences that matter
    and the objective cancels catastrophically; centring the pair on a
    common level brings them back to the size of the costs.
    """
    if init is None:
        return None
    f, g = init
    t = 0.5 * (float(np.mean(f)) - float(np.mean(g)))
    if abs(t) <= max(float(np.ptp(f)), float(np.ptp(g))):
        return f, g
    return f - t, g + t
