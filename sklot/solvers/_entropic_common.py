"""Validation and result assembly shared by the entropic solvers."""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..utils._validation import check_finite_array, check_marginal, check_spread
from ._result import OTResult
from ._sinkhorn_online import POWERS

__all__ = [
    "MIN_RELATIVE_REG",
    "MAX_STAGES",
    "check_cost_scale",
    "check_dtype",
    "check_positive",
    "check_problem",
    "entropic_result",
    "make_schedule",
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
        X = check_finite_array(X, "X")
        Y = check_finite_array(Y, "Y")
        if X.shape[1] != Y.shape[1]:
            raise ValueError(
                f"X and Y must have the same number of features, got "
                f"{X.shape[1]} and {Y.shape[1]}."
            )
        dt = check_dtype(dtype, np.result_type(X.dtype, Y.dtype))
        X = np.ascontiguousarray(X, dtype=dt)
        Y = np.ascontiguousarray(Y, dtype=dt)
        n, m = X.shape[0], Y.shape[0]
    a = check_marginal(a, n, "a")
    b = check_marginal(b, m, "b")
    return a, b, M, X, Y, dt


# Below this fraction of the spread of the costs the entropic plan is
# beneath float64 resolution: potentials of the size of the costs cannot
# carry differences of the size of reg, and solves stall or lie.
MIN_RELATIVE_REG = 1e-12

# Most stages of an epsilon-scaling schedule; a finer factor is coarsened.
MAX_STAGES = 64


def check_cost_scale(spread, reg, cost_name):
    """Raise a ValueError naming the culprit if ``reg`` and the costs clash.

    ``spread`` is ``max - min`` of the costs (of the points' costs in the
    matrix-free form), ``cost_name`` the argument(s) they come from.
    """
    check_spread(spread, cost_name)
    if reg < np.finfo(np.float64).tiny:
        raise ValueError(
            f"reg={reg!r} is subnormal (below {np.finfo(np.float64).tiny:.3g}), "
            f"so 1 / reg overflows; pass a reg of at least "
            f"{MIN_RELATIVE_REG:g} times the spread of the costs."
        )
    if reg < MIN_RELATIVE_REG * spread:
        raise ValueError(
            f"reg={reg:.3g} is below {MIN_RELATIVE_REG:g} times the spread of "
            f"the costs from {cost_name} ({spread:.3g}): float64 cannot "
            f"resolve such an entropic plan. Pass reg >= "
            f"{MIN_RELATIVE_REG * spread:.3g}, or use emd for unregularized "
            f"transport."
        )


def make_schedule(reg, epsilon_scaling, cost_name="M"):
    """Return ``spread -> decreasing list of eps ending at reg``.

    The stages start at ``spread / 100`` and shrink by ``factor`` (0.5 for
    ``"auto"`` and ``True``, or the float given); stages below ``2 * reg``
    are skipped, so moderate regularizations are solved directly. With the
    factor 0.5 the stages are ``reg * 2**k``, the first one at most
    ``spread / 100``. ``False`` always solves at ``reg`` directly.
    """
    if epsilon_scaling is False or epsilon_scaling is None:
        factor = None
    elif epsilon_scaling is True or epsilon_scaling == "auto":
        factor = 0.5
    elif (
        isinstance(epsilon_scaling, numbers.Real)
        and not isinstance(epsilon_scaling, bool)
        and 0 < epsilon_scaling < 1
    ):
        factor = float(epsilon_scaling)
    else:
        raise ValueError(
            "epsilon_scaling must be 'auto', True, False or a factor in (0, 1), "
            f"got {epsilon_scaling!r}."
        )

    def schedule(spread):
        check_cost_scale(spread, reg, cost_name)
        out = []
        if factor == 0.5 and spread >= 200.0 * reg:
            # Stages at reg * 2**k: each is exactly twice the next, so the
            # dense engine moves from one to the next by squaring its kernel
            # (no exponential).
            k = math.floor(math.log2(spread / 100.0 / reg))
            out = [reg * 2.0**i for i in range(min(k, MAX_STAGES - 1), 0, -1)]
            return out + [reg]
        if factor is not None:
            start = spread / 100.0
            step = factor
            if start >= 2.0 * reg:
                ratio = math.log(2.0 * reg / start)
                n_stages = math.floor(ratio / math.log(factor)) + 1
                if n_stages > MAX_STAGES:
                    step = (2.0 * reg / start) ** (1.0 / (MAX_STAGES - 1))
            eps = start
            while eps >= 2.0 * reg and len(out) < MAX_STAGES:
                out.append(eps)
                eps *= step
        return out + [reg]

    return schedule


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
    if balanced:
        marginal_error = float(max(np.abs(r - a).max(), np.abs(c - b).max()))
        # converged only if the returned plan passes the stopping test, up
        # to the rounding of its own entries
        slack = 64 * float(np.finfo(dtype).eps)
        if converged and not measured <= tol + slack:
            converged = False
            violation = measured
    else:
        marginal_error = violation
    if not converged and warn:
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} iterations (last "
            f"measured violation {violation:.3g} > tol={tol:g}); returning "
            f"the best iterate. Increase max_iter, loosen tol or increase reg.",
            ConvergenceWarning,
            stacklevel=3,
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
