"""Sparse Newton steps on the balanced entropic dual, in the kernel domain.

When Sinkhorn stalls (small ``reg``: its linear rate tends to 1), Newton's
method on the dual converges quadratically (Tang, Shavlovsky, Rahmanian,
Tardini, Thekumparampil, Xiao and Ying, 2024). With the plan written as
``P_ij = a_i u_i K_ij v_j`` on the stored kernel ``K``, the dual in the log
scalings ``x = log u``, ``y = log v`` is, up to a constant and a factor
``eps``, ``D(x, y) = a.x + b.y - sum(P)``: its gradient is the marginal
violation ``(a - r, b - c)`` and its Hessian ``-[[diag r, P], [P^T, diag c]]``.

The Newton system keeps the exact diagonals and a sparsified ``P`` (entries
above a small fraction of the mass per point, and in a fine round of
``tol``; the plan of a small ``reg`` is nearly sparse), which keeps it
positive semidefinite. It is solved on the Schur complement in ``y`` by
preconditioned conjugate gradient, and the step is damped by a
backtracking line search on ``D`` (concave). Each trial reads ``K`` once,
and that read also collects the entries the next Newton system keeps, so
an accepted full step costs one pass over memory and no exponential of the
costs. Steps that would leave the scalings' safe range are shortened.
"""

import math

import numpy as np
import scipy.sparse as sp

from ..._kernels._config import use_parallel
from ..._kernels._newton import plan_entries, plan_pass

__all__ = ["newton_polish"]

# Plan entries below this fraction of 1 / max(n, m) (of the total mass)
# are left out of the Hessian.
_KEEP = 1e-4
_CG_ITER = 200
# A fine round (``fine=True``) also keeps entries down to this fraction of
# ``tol`` times the mass: an entry can carry a violation of tol only if it
# is not much lighter than tol. The weak couplings between nearly separate
# groups of points are what plain Sinkhorn is slow to balance (its slow
# modes, at small reg); a Hessian without them cannot balance them either.
# They are also the small eigenvalues of the Schur complement: CG needs
# thousands of (sparse, cheap) iterations to resolve them near tol.
_KEEP_TOL = 0.1
_CG_ITER_FINE = 5000
_CG_RTOL = 1e-2
# Backtracking trials per step of the line search.
_TRIALS = 20
# Steps in a row that may fail to halve the smallest violation.
_PATIENCE = 4
# Entries per row that a measuring pass over the kernel keeps at first.
_SLOTS = 32


class _PlanPasses:
    """Passes over the stored kernel for the plan ``P = diag(a u) K diag(v)``.

    Each :meth:`measure` reads ``K`` once: the marginals of the plan, and
    the entries the sparsified Hessian keeps, up to ``slots`` per row.
    Rows with more of them cost :meth:`sparse` one more read, after which
    the number of slots grows.
    """

    def __init__(self, K, thr):
        n, m = K.shape
        self.K = K
        self.thr = thr
        # Fixed by the shape, as in the dense engine (thread-count free).
        self.chunks = int(min(64, max(1, n // 64)))
        self.cpart = np.empty((self.chunks, m))
        self.par = use_parallel(n * m)
        self.n_slots = min(m, _SLOTS)

    def measure(self, au, v):
        """Return the marginals ``(r, c)`` and the large entries of the plan.

        The last item is ``(counts, slot_j, slot_p)``, for :meth:`sparse`.
        """
        n = self.K.shape[0]
        r = np.empty(n)
        counts = np.empty(n, dtype=np.int64)
        slot_j = np.empty((n, self.n_slots), dtype=np.int64)
        slot_p = np.empty((n, self.n_slots))
        plan_pass(
            self.K, au, v, self.thr, r, self.cpart, counts, slot_j, slot_p,
            self.par,
        )
        c = v * self.cpart.sum(axis=0)
        return r, c, (counts, slot_j, slot_p)

    def sparse(self, au, v, entries):
        """``P`` restricted to its entries of at least ``thr`` (CSR)."""
        counts, slot_j, slot_p = entries
        n, m = self.K.shape
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        n_slots = slot_j.shape[1]
        top = int(counts.max()) if n else 0
        if top <= n_slots:
            keep = np.arange(n_slots) < counts[:, None]
            indices, data = slot_j[keep], slot_p[keep]
        else:
            nnz = int(indptr[-1])
            indices = np.zeros(nnz, dtype=np.int64)
            data = np.zeros(nnz)
            plan_entries(
                self.K, au, v, self.thr, indptr, indices, data, self.chunks,
                self.par,
            )
            self.n_slots = min(m, 2 * top)
        return sp.csr_matrix((data, indices, indptr), shape=(n, m))


def _newton_direction(P, r, c, ga, gb, max_iter=_CG_ITER):
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
    # In floating point the search directions of a nearly singular S (tiny
    # weights, long fine rounds) can grow until they overflow: CG stops at
    # the last finite iterate instead.
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_iter):
            if math.sqrt(float(res @ res)) <= stop:
                break
            Sp = S(p)
            pSp = float(p @ Sp)
            if not 0.0 < pSp < math.inf:
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


def newton_polish(K, a, b, u, v, tol, max_steps, tau, fine=False):
    """Improve the balanced scalings ``(u, v)`` in place by Newton steps.

    Stops when the L1 marginal violation (relative to the mass) is at most
    ``tol``, after ``max_steps`` steps, when a step makes no progress on the
    dual, or when ``_PATIENCE`` steps in a row have not halved the smallest
    violation seen (too far from the solution, or rounding errors dominate:
    Sinkhorn steps do better). Leaves in ``(u, v)`` the
    iterate of smallest violation. Scalings stay within
    ``[exp(-tau), exp(tau)]`` on positive weights. Returns
    ``(steps, col_err, err)``: ``col_err`` the L1 column violation
    ``sum_j |c_j - b_j|`` of the returned iterate (not relative to the mass),
    ``err`` its violation relative to the mass. A ``fine`` round keeps the
    plan's weak couplings in the Hessian and runs CG longer: slower per
    step, it is for a violation that a first round left in plain Sinkhorn's
    slow modes.
    """
    n, m = K.shape
    mass = float(a.sum())
    pos_a, pos_b = a > 0, b > 0
    ia, ib = np.flatnonzero(pos_a), np.flatnonzero(pos_b)
    restrict = ia.size < n or ib.size < m
    with np.errstate(divide="ignore"):
        x = np.where(pos_a, np.log(np.where(pos_a, u, 1.0)), 0.0)
        y = np.where(pos_b, np.log(np.where(pos_b, v, 1.0)), 0.0)
    u0, v0 = u.copy(), v.copy()
    thr = _KEEP / max(n, m)
    cg_iter = _CG_ITER
    if fine:
        thr = min(thr, _KEEP_TOL * tol)
        cg_iter = _CG_ITER_FINE
    passes = _PlanPasses(K, mass * thr)
    r, c, entries = passes.measure(a * u, v)
    # The dual D = a.x + b.y - sum(P) (concave), up to a constant.
    d0 = float(a @ x + b @ y) - float(r.sum())
    err = float(np.abs(r - a).sum() + np.abs(c - b).sum()) / mass
    best = (err, float(np.abs(c - b).sum()), None, None)
    steps = since = 0
    while steps < max_steps and err > tol and since < _PATIENCE:
        if not (np.all(r[pos_a] > 0) and np.all(c[pos_b] > 0)):
            break
        P = passes.sparse(a * u, v, entries)
        if restrict:
            P = P[ia][:, ib].tocsr()
        dxa, dyb = _newton_direction(
            P, r[ia], c[ib], a[ia] - r[ia], b[ib] - c[ib], cg_iter
        )
        dx, dy = np.zeros(n), np.zeros(m)
        dx[ia], dy[ib] = dxa, dyb
        if not (np.all(np.isfinite(dx)) and np.all(np.isfinite(dy))):
            break
        big = max(float(np.abs(dx).max()), float(np.abs(dy).max()))
        t = 1.0 if big <= 50.0 else 50.0 / big
        slope = float((a - r) @ dx + (b - c) @ dy)
        accepted = False
        for _ in range(_TRIALS):
            xt, yt = x + t * dx, y + t * dy
            if max(np.abs(xt).max(), np.abs(yt[pos_b]).max()) < tau:
                ut, vt = np.exp(xt), np.exp(yt) * pos_b
                rt, ct, entries_t = passes.measure(a * ut, vt)
                dt = float(a @ xt + b @ yt) - float(rt.sum())
                if math.isfinite(dt) and dt >= d0 + 1e-4 * t * slope:
                    accepted = True
                    break
            t *= 0.5
        if not accepted:
            break
        x, y, d0 = xt, yt, dt
        u[:], v[:] = ut, vt
        r, c, entries = rt, ct, entries_t
        steps += 1
        err = float(np.abs(r - a).sum() + np.abs(c - b).sum()) / mass
        since = 0 if err < 0.5 * best[0] else since + 1
        if err < best[0]:
            best = (err, float(np.abs(c - b).sum()), ut, vt)
    if err > best[0] and best[2] is not None:
        u[:], v[:] = best[2], best[3]
    elif err > best[0]:
        u[:], v[:] = u0, v0
    return steps, best[1], best[0]
