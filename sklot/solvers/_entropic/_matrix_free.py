"""Matrix-free entropic OT engine: log-domain Sinkhorn on points.

Each half-iteration is a c-transform computed row by row with the cost
recomputed on the fly (:mod:`sklot._kernels._sinkhorn_matrix_free`), so memory
stays O(n + m). The f-update that follows a g-update measures the row
marginals of the iterate it replaces, which is the stopping test, and the
returned iterate is that measured one: its marginals, linear cost and
objective values are then exact without another pass.
"""

import math

import numpy as np

from ..._kernels._config import use_parallel
from ..._kernels._sinkhorn_matrix_free import online_lse
from ...utils._validation import points_spread
from .._cost import common_frame
from ._core import Relaxation, exponent, log_weights, translation

__all__ = ["prepare_points", "solve_online", "c_transform_points"]


class Points:
    """Points in the layout the online kernel reads."""

    def __init__(self, Z):
        self.Z = np.ascontiguousarray(Z)
        self.Zt = np.ascontiguousarray(Z.T)
        self.sq = np.einsum("ij,ij->i", Z, Z, dtype=np.float64)

    def __len__(self):
        return self.Z.shape[0]


def prepare_points(X, Y):
    """Kernel layouts of ``X`` and ``Y``, centred on a common point.

    The costs do not change under a common translation, and centring keeps
    the Gram form ``|x|^2 + |y|^2 - 2 x.y`` of the kernel free of
    cancellation for points far from the origin relative to their spread.
    """
    X, Y, _ = common_frame(X, Y, rescale=False)
    return Points(X), Points(Y)


def _parallel(P, Q):
    return use_parallel(len(P) * len(Q) * max(4, P.Z.shape[1]) // 4)


def c_transform_points(P, Q, lw_q, pot_q, eps, power, guess=None, values=None):
    """``-eps * log sum_j exp(lw_q[j] + (pot_q[j] - c(p_i, q_j)) / eps)``.

    Returns ``(transform, mean_cost, mean_values)`` where the means are under
    the softmax weights of each row (``mean_values`` is ``None`` unless
    ``values`` of shape ``(len(Q), k)`` is given).
    """
    n = len(P)
    out = np.zeros(n) if guess is None else guess
    gl = lw_q + pot_q / eps
    if values is None:
        Vt = np.empty((0, len(Q)))
        out_V = np.empty((n, 0))
    else:
        Vt = np.ascontiguousarray(np.asarray(values, dtype=np.float64).T)
        out_V = np.empty((n, Vt.shape[0]))
    cost = np.empty(n)
    online_lse(
        P.Z, P.sq, Q.Zt, Q.sq, gl, eps, power, out, Vt, out_V, cost,
        _parallel(P, Q),
    )
    return out, cost, (out_V if values is not None else None)


def solve_online(
    a,
    b,
    X,
    Y,
    reg,
    schedule,
    *,
    power=2,
    lam_a=math.inf,
    lam_b=math.inf,
    max_iter=1000,
    tol=1e-9,
    stage_tol=1e-2,
    init=None,
    relax=True,
):
    """Matrix-free Sinkhorn; return a dict of raw results (plan is None).

    ``schedule`` is a callable ``spread -> list of eps`` ending at ``reg``.
    """
    P, Q = prepare_points(X, Y)
    n, m = len(P), len(Q)
    la, lb = log_weights(a), log_weights(b)
    mass_a = float(a.sum())
    if init is None:
        F, G = np.zeros(n), np.zeros(m)
    else:
        F = np.array(init[0], dtype=np.float64)
        G = np.array(init[1], dtype=np.float64)
    f_bal = F.copy()
    g_bal = G.copy()
    eps_list = schedule(points_spread([P.Z, Q.Z], power))
    n_iter = 0
    converged = False
    err = best_err = math.inf
    best = last = None
    relaxation = Relaxation(relax)
    translate = not (math.isinf(lam_a) and math.isinf(lam_b))

    def violation(P_old, P_new, w, eps):
        with np.errstate(over="ignore"):
            change = np.expm1(np.minimum((P_old - P_new) / eps, 700.0))
        return float(np.abs(change) @ w)

    def step(F, G, eps, fa, fb, omega):
        # Relaxed g-update, then the f-update that measures the iterate
        # (F, G_new); returns its violation, the next F and the iterate.
        c_transform_points(Q, P, la, F, eps, power, guess=g_bal)
        G_new = fb * g_bal
        col = 0.0
        if omega != 1.0:
            G_plain = G_new
            G_new = G + omega * (G_plain - G)
            col = violation(G_new, G_plain, b, eps)
        _, cost_rows, _ = c_transform_points(
            P, Q, lb, G_new, eps, power, guess=f_bal
        )
        F_plain = fa * f_bal
        err = (violation(F, F_plain, a, eps) + col) / mass_a
        F_next = F_plain if omega == 1.0 else F + omega * (F_plain - F)
        it = (F, G_new, f_bal.copy(), g_bal.copy(), cost_rows, eps)
        if translate:
            t = translation((a, la, F_next, lam_a), (b, lb, G_new, lam_b))
            F_next = F_next + t
            G_new = G_new - t
        return err, F_next, G_new, it

    for stage, eps in enumerate(eps_list):
        final = stage == len(eps_list) - 1
        fa, fb = exponent(lam_a, eps), exponent(lam_b, eps)
        target = tol if final else max(tol, stage_tol)
        done = False
        relaxation.reset()
        omega = 1.0
        while n_iter < max_iter:
            err, F_next, G, last = step(F, G, eps, fa, fb, omega)
            n_iter += 1
            if final and err < best_err:
                best_err, best = err, last
            if err <= target:
                done = True
                converged = final
                break
            omega = relaxation(err)
            F = F_next
        if not done:
            break
    if best is None:
        # The budget ran out before the last stage: measure an iterate at reg.
        fa, fb = exponent(lam_a, reg), exponent(lam_b, reg)
        best_err, _, _, best = step(F, G, reg, fa, fb, 1.0)
        n_iter += 1
    F, G, f_new, g_new, cost_rows, eps = last if converged else best
    err = err if converged else best_err
    with np.errstate(over="ignore"):
        row_mass = a * np.exp(np.minimum((F - f_new) / eps, 700.0))
        col_mass = b * np.exp(np.minimum((G - g_new) / eps, 700.0))
    return {
        "plan": None,
        "F": F,
        "G": G,
        "n_iter": n_iter,
        "converged": converged,
        "err": err,
        "row_mass": row_mass,
        "col_mass": col_mass,
        "lin": float(row_mass @ cost_rows),
        "eps_list": eps_list,
        "n_absorb": 0,
    }
