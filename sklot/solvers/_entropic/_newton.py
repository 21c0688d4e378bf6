"""Sparse Newton steps on the balanced entropic dual, in the kernel domain.

When Sinkhorn stalls (small ``reg``: its linear rate tends to 1), Newton's
method on the dual converges quadratically (Tang, Shavlovsky, Rahmanian,
Tardini, Thekumparampil, Xiao and Ying, 2024). With the plan written as
``P_ij = a_i u_i K_ij v_j`` on the stored kernel ``K``, the dual in the log
scalings ``x = log u``, ``y = log v`` is, up to a constant and a factor
``eps``, ``D(x, y) = a.x + b.y - sum(P)``: its gradient is the marginal
violation ``(a - r, b - c)`` and its Hessian ``-[[diag r, P], [P^T, diag c]]``.

The Newton system keeps the exact diagonals and a sparsified ``P`` (entries
above a small fraction of the mass per point; the plan of a small ``reg``
is nearly sparse), which keeps it positive semidefinite. It is solved on
the Schur complement in ``y`` by preconditioned conjugate gradient, and the
step is damped by a backtracking line search on ``D`` (concave), which
costs one product with ``K`` per trial: no exponential of the costs is
recomputed. Steps that would leave the scalings' safe range are shortened.
"""

import math

import numpy as np
import scipy.sparse as sp

__all__ = ["newton_polish"]

# Plan entries below this fraction of 1 / max(n, m) (of the total mass)
# are left out of the Hessian.
_KEEP = 1e-4
_CG_ITER = 200
_CG_RTOL = 1e-2
_ROW_BLOCK = 256


def _marginals(K, a, u, v):
    au = a * u
    r = au * (K @ v)
    c = v * (K.T @ au)
    return r, c


def _dual(K, a, b, x, y, u, v):
    """``D`` at log scalings ``(x, y)`` and their exponentials ``(u, v)``."""
    au = a * u
    return float(a @ x + b @ y - au @ (K @ v))


def _sparse_plan(K, a, u, v, thr):
    """``P`` restricted to its entries of at least ``thr`` (CSR)."""
    n, m = K.shape
    au = a * u
    rows, cols, vals = [], [], []
    for start in range(0, n, _ROW_BLOCK):
        stop = min(n, start + _ROW_BLOCK)
        block = K[start:stop] * v
        block *= au[start:stop, None]
        i, j = np.nonzero(block >= thr)
        rows.append(i + start)
        cols.append(j)
        vals.append(block[i, j])
    rows = np.concatenate(rows)
    cols = np.concatenate(cols)
    vals = np.concatenate(vals).astype(np.float64)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, m))


def _newton_direction(P, r, c, ga, gb):
    """Solve ``[[diag r, P], [P^T, diag c]] (dx, dy) = (ga, gb)`` by CG.

    Eliminates ``dx`` and runs Jacobi-preconditioned CG on the Schur
    complement ``S = diag c - P^T diag(1 / r) P`` (positive semidefinite,
    its null space, if any, orthogonal to the right-hand side).
    """
    inv_r = 1.0 / r
    PT = P.T.tocsr()
    rhs = gb - PT @ (ga * inv_r)
    diag = c - np.asarray(P.multiply(P).T @ inv_r).ravel()
    diag = np.maximum(diag, 1e-3 * c)
    inv_diag = 1.0 / diag

    def S(z):
        return c * z - PT @ (inv_r * (P @ z))

    dy = np.zeros_like(rhs)
    res = rhs.copy()
    z = inv_diag * res
    p = z.copy()
    rz = float(res @ z)
    stop = _CG_RTOL * math.sqrt(float(rhs @ rhs))
    for _ in range(_CG_ITER):
        if math.sqrt(float(res @ res)) <= stop:
            break
        Sp = S(p)
        pSp = float(p @ Sp)
        if not pSp > 0.0:
            break
        alpha = rz / pSp
        dy += alpha * p
        res -= alpha * Sp
        z = inv_diag * res
        rz_new = float(res @ z)
        p = z + (rz_new / rz) * p
        rz = rz_new
    dx = (ga - P @ dy) * inv_r
    return dx, dy


def newton_polish(K, a, b, u, v, tol, max_steps, tau):
    """Improve the balanced scalings ``(u, v)`` in place by Newton steps.

    Stops when the L1 marginal violation (relative to the mass) is at most
    ``tol``, after ``max_steps`` steps, or when a step makes no progress.
    Scalings stay within ``[exp(-tau), exp(tau)]`` on positive weights.
    Returns ``(steps, col_err)``, ``col_err`` the L1 column violation
    ``sum_j |c_j - b_j|`` of the returned iterate (not relative to the mass).
    """
    n, m = K.shape
    mass = float(a.sum())
    pos_a, pos_b = a > 0, b > 0
    with np.errstate(divide="ignore"):
        x = np.where(pos_a, np.log(np.where(pos_a, u, 1.0)), 0.0)
        y = np.where(pos_b, np.log(np.where(pos_b, v, 1.0)), 0.0)
    r, c = _marginals(K, a, u, v)
    err = float(np.abs(r - a).sum() + np.abs(c - b).sum()) / mass
    steps = 0
    thr = _KEEP * mass / max(n, m)
    while steps < max_steps and err > tol:
        if not (np.all(r[pos_a] > 0) and np.all(c[pos_b] > 0)):
            break
        P = _sparse_plan(K, a, u, v, thr)
        ia, ib = np.flatnonzero(pos_a), np.flatnonzero(pos_b)
        P = P[ia][:, ib].tocsr()
        dxa, dyb = _newton_direction(
            P, r[ia], c[ib], a[ia] - r[ia], b[ib] - c[ib]
        )
        dx, dy = np.zeros(n), np.zeros(m)
        dx[ia], dy[ib] = dxa, dyb
        if not (np.all(np.isfinite(dx)) and np.all(np.isfinite(dy))):
            break
        big = max(float(np.abs(dx).max()), float(np.abs(dy).max()))
        t = 1.0 if big <= 50.0 else 50.0 / big
        d0 = _dual(K, a, b, x, y, u, v)
        slope = float((a - r) @ dx + (b - c) @ dy)
        accepted = False
        for _ in range(30):
            xt, yt = x + t * dx, y + t * dy
            if max(np.abs(xt).max(), np.abs(yt[pos_b]).max()) < tau:
                ut, vt = np.exp(xt), np.exp(yt) * pos_b
                dt = _dual(K, a, b, xt, yt, ut, vt)
                if math.isfinite(dt) and dt >= d0 + 1e-4 * t * slope:
                    accepted = True
                    break
            t *= 0.5
        if not accepted:
            break
        x, y = xt, yt
        u[:], v[:] = ut, vt
        steps += 1
        r, c = _marginals(K, a, u, v)
        err = float(np.abs(r - a).sum() + np.abs(c - b).sum()) / mass
    return steps, float(np.abs(c - b).sum())
