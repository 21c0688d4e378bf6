"""Dense entropic OT engine: absorption-stabilized scaling in the kernel domain.

The iterate is kept as absorbed potentials ``(f, g)``, a stored kernel
``K_ij = b_j exp((f_i + g_j - M_ij) / eps)`` (rows summing to one when it
is built) and scalings ``(u, v)``, so that the plan is
``P_ij = a_i u_i K_ij v_j`` (Schmitzer 2019). Scaling iterations read ``K``
once per full iteration and compute no exponential. When a scaling leaves
``[exp(-tau), exp(tau)]`` the scalings are absorbed into the potentials and
the kernel is rebuilt by exact log-domain half-iterations, which is also how
every stage of the epsilon-scaling schedule starts, except that a balanced
float64 stage at half the previous ``eps`` starts from the previous kernel
squared (:meth:`_State.halve`: one pass, no exponential). A problem whose
scalings blow up at every step therefore degrades gracefully to log-domain
Sinkhorn.

Unbalanced marginals (KL penalties ``lam_a``, ``lam_b``) enter as the
exponents ``fa = lam_a / (lam_a + eps)``: the row update becomes
``F = fa * (c-transform of G)``, which in the kernel domain is
``u_i = c_i * s_i ** -fa`` with ``c_i = exp((fa - 1) f_i / eps)``.
"""

import math

import numpy as np

from ..._kernels._config import use_parallel
from ..._kernels._sinkhorn import (
    col_lse,
    column_sums,
    finalize_plan,
    merge_columns,
    row_lse,
    scaling_step,
    square_kernel,
)
from ...utils._validation import cost_spread
from .._cost import read_only_cost
from ._core import Relaxation, exponent, log_weights, tau_for, translation
from ._newton import newton_polish

__all__ = ["n_chunks", "solve_dense"]


def n_chunks(n):
    """Return the number of row chunks for partial sums (fixed by shape)."""
    return int(min(64, max(1, n // 64)))


class _State:
    """Potentials, kernel and buffers of one dense solve."""

    def __init__(self, a, b, M, F, G):
        n, m = M.shape
        self.a, self.b, self.M = a, b, M
        self.la, self.lb = log_weights(a), log_weights(b)
        self.pos_b = b > 0
        self.F, self.G = F, G
        # Balanced c-transforms, kept as shift guesses for the log kernels.
        self.f_guess = F.copy()
        self.g_guess = G.copy()
        self.K = np.empty_like(M)
        self.tau = tau_for(M.dtype)
        self.eps = None
        chunks = n_chunks(n)
        self.wpart = np.empty((chunks, m))
        self.stats = np.empty((chunks, 3))
        self.f = np.empty(n)
        self.g = np.empty(m)
        self.u = np.ones(n)
        self.u_new = np.empty(n)
        self.v = np.ones(m)
        self.v_new = np.empty(m)
        self.c = np.ones(n)
        self.d = np.ones(m)
        self.par = use_parallel(n * m)
        self.chunks = chunks

    def set_potentials(self, F, G, fa, fb):
        self.F, self.G = F, G
        self.f_guess[:] = F / fa
        self.g_guess[:] = G / fb

    def _build_kernel(self, G, eps):
        """Row c-transform of ``G`` into ``f`` and the normalized kernel."""
        self.f[:] = self.f_guess
        row_lse(
            self.M, self.lb, G, eps, self.f, self.K, True, self.chunks, self.par
        )
        self.f_guess[:] = self.f
        self.g[:] = G
        self.eps = eps

    def absorb(self, eps, fa, fb):
        """Rebuild the kernel at ``eps`` from ``(F, G)``; return whether usable.

        Runs one exact log-domain iteration (row update storing the kernel,
        then column update); the scalings carry what the iteration changed
        relative to the kernel's potentials. With balanced marginals the
        column update reads the stored kernel instead of exponentiating the
        costs again (:meth:`_columns_from_kernel`).
        """
        self._build_kernel(self.G, eps)
        if fa == 1.0 and fb == 1.0 and self._columns_from_kernel(eps):
            return self.in_range(self.u, self.v)
        f = self.f
        np.multiply(f, fa, out=self.F)
        g_bal = self.g_guess
        args = (self.M, self.la, self.F, eps, g_bal, self.wpart)
        if col_lse(*args, False, self.par):
            col_lse(*args, True, self.par)
        self.G = g_bal * fb
        inv = 1.0 / eps
        with np.errstate(over="ignore", under="ignore"):
            np.exp((fa - 1.0) * f * inv, out=self.c)
            np.exp((fb - 1.0) * self.g * inv, out=self.d)
            self.u[:] = self.c
            np.exp((self.G - self.g) * inv, out=self.v)
        self.v[~self.pos_b] = 0.0
        return self.in_range(self.u, self.v)

    def _columns_from_kernel(self, eps):
        """Balanced column update of a freshly built kernel; False if unusable.

        The kernel's rows are the exact row update, so ``v_j = b_j / sum_i
        a_i K_ij`` is the exact column update (entries below the kernel
        floor weigh nothing next to a column sum of at least ``b_j *
        exp(-tau)``). When a column scaling leaves the safe range the caller
        falls back to the log-domain column transform.
        """
        lo, hi = math.exp(-self.tau), math.exp(self.tau)
        column_sums(self.K, self.a, self.wpart, self.par)
        self.d[:] = 1.0
        _, vmin, vmax = merge_columns(
            self.wpart, self.b, self.d, 1.0, 1.0, self.v, self.v_new
        )
        if not (lo < vmin and vmax < hi):
            return False
        np.copyto(self.F, self.f)
        self.v, self.v_new = self.v_new, self.v
        pos = self.pos_b
        G = self.G.copy()
        G[pos] = self.g[pos] + eps * np.log(self.v[pos])
        self.G = G
        self.g_guess[:] = G
        self.c[:] = 1.0
        self.u[:] = 1.0
        return True

    def rebuild(self, G, eps, fa):
        """Kernel and scalings of the iterate with column potential ``G``.

        The row potential is the (unbalanced) c-transform of ``G`` at ``eps``,
        so rows are exact whatever ``G`` is, for example potentials left by
        an earlier stage.
        """
        self.G = G
        self._build_kernel(G, eps)
        self.F = fa * self.f
        with np.errstate(over="ignore", under="ignore"):
            self.u = np.exp(np.minimum((fa - 1.0) * self.f / eps, 700.0))
        self.v = self.pos_b.astype(np.float64)

    def halve(self, eps, balanced):
        """Move the in-range iterate to ``eps / 2`` by squaring the kernel.

        For balanced float64 problems only. The potentials absorb the
        scalings, which restart at one. Returns False, leaving the state to
        be rebuilt by :meth:`absorb`, when the new kernel is not usable.
        """
        if not balanced or self.K.dtype != np.float64:
            return False
        F, G = self.potentials(self.u, self.v, eps)
        inv_b = np.zeros(self.b.shape)
        inv_b[self.pos_b] = 1.0 / self.b[self.pos_b]
        total = np.empty(self.chunks)
        square_kernel(self.K, self.u, self.v, inv_b, total, self.par)
        self.set_potentials(F, G, 1.0, 1.0)
        # Bounds every entry (the sum is inf or NaN if one is).
        if not float(total.sum()) < math.exp(self.tau):
            return False
        self.f[:] = F
        self.g[:] = G
        self.eps = 0.5 * eps
        self.u = np.ones(self.u.shape)
        self.v = self.pos_b.astype(np.float64)
        return True

    def in_range(self, u, v):
        lo, hi = math.exp(-self.tau), math.exp(self.tau)
        vp = v[self.pos_b]
        return bool(
            np.all((u > lo) & (u < hi))
            and np.all((vp > lo) & (vp < hi))
            and np.all((self.c > lo) & (self.c < hi))
            and np.all((self.d > lo) & (self.d < hi))
        )

    def translate(self, eps, lam_a, lam_b):
        """Move ``(u_new, v_new)`` along the dual translation (plan unchanged)."""
        F, G = self.potentials(self.u_new, self.v_new, eps)
        shift = translation(
            (self.a, self.la, F, lam_a), (self.b, self.lb, G, lam_b)
        ) / eps
        # The exponent is clipped; the range check absorbs what remains.
        shift = min(max(shift, -600.0), 600.0)
        factor = math.exp(shift)
        self.u_new *= factor
        self.v_new /= factor
        return factor

    def potentials(self, u, v, eps):
        """Full potentials of the iterate ``(u, v)`` on the current kernel."""
        F = self.f + eps * np.log(u)
        G = self.G.copy()
        pos = v > 0
        G[pos] = self.g[pos] + eps * np.log(v[pos])
        return F, G


def solve_dense(
    a,
    b,
    M,
    reg,
    schedule,
    *,
    lam_a=math.inf,
    lam_b=math.inf,
    max_iter=1000,
    tol=1e-9,
    stage_tol=None,
    init=None,
    relax=True,
    newton=True,
    spread=None,
):
    """Run the stabilized scaling algorithm; return a dict of raw results.

    ``schedule`` is a callable ``spread -> list of eps`` ending at ``reg``;
    ``init`` is an optional pair of starting potentials. The returned dict
    holds ``plan`` (the buffer of the stored kernel, overwritten), ``F``,
    ``G`` (float64), ``n_iter``, ``converged``, ``err`` (the violation of the
    returned iterate as last measured), ``row_mass``, ``col_mass``, ``lin``,
    ``eps_list``, ``n_absorb``, ``n_newton``. ``newton`` allows sparse
    Newton steps when the last stage of a balanced float64 problem stalls.
    ``stage_tol`` is the violation at which an earlier stage ends (None:
    0.03 when Newton steps may finish the last stage, else 0.01).
    ``spread`` is ``cost_spread(M)`` when the caller already knows it.
    """
    M = read_only_cost(M)
    n, m = M.shape
    if init is None:
        F, G = np.zeros(n), np.zeros(m)
    else:
        F = np.array(init[0], dtype=np.float64)
        G = np.array(init[1], dtype=np.float64)
    st = _State(a, b, M, F, G)
    mass_a = float(a.sum())
    if spread is None:
        spread = cost_spread(M)
    schedule = schedule(spread)
    relaxation = Relaxation(relax)
    translate = not (math.isinf(lam_a) and math.isinf(lam_b))
    lo, hi = math.exp(-st.tau), math.exp(st.tau)
    n_iter = n_absorb = 0
    stall = _Stall(newton and not translate and M.dtype == np.float64)
    if stage_tol is None:
        # Newton steps converge from further away than Sinkhorn's last
        # stage needs: earlier stages may stop sooner.
        stage_tol = 3e-2 if stall.enabled else 1e-2
    converged = usable = False
    err = best_err = math.inf
    best = None
    halved = False
    for stage, eps in enumerate(schedule):
        final = stage == len(schedule) - 1
        fa, fb = exponent(lam_a, eps), exponent(lam_b, eps)
        target = tol if final else max(tol, stage_tol)
        # A stage at half the previous eps starts on the squared kernel.
        usable, halved = halved, False
        # Earlier stages only prepare the last one: cap their budget.
        budget = n_iter + max(20, max_iter // (2 * len(schedule)))
        if final:
            budget = max_iter
        relaxation.reset()
        omega = 1.0
        col_err = 0.0
        while n_iter < min(budget, max_iter):
            if not usable:
                usable = st.absorb(eps, fa, fb)
                n_absorb += 1
                n_iter += 1
                col_err = 0.0
                continue
            scaling_step(
                st.K, a, st.v, st.u, st.c, fa, omega, st.u_new, st.wpart,
                st.stats, st.par,
            )
            n_iter += 1
            # Violation of the iterate (u, v): rows measured now, columns
            # when v was formed.
            err = (float(st.stats[:, 0].sum()) + col_err) / mass_a
            col_err_new, vmin, vmax = merge_columns(
                st.wpart, b, st.d, fb, omega, st.v, st.v_new
            )
            umin = float(st.stats[:, 1].min())
            umax = float(st.stats[:, 2].max())
            if final and err < best_err:
                best_err = err
                best = st.potentials(st.u, st.v, eps)
            if err <= target:
                converged = final
                break
            if final and stall(err):
                steps, col_err, err = newton_polish(
                    st.K, a, b, st.u, st.v, tol, max_iter - n_iter, st.tau,
                    fine=stall.fine,
                )
                n_iter += steps
                if err > tol:
                    stall.failed(err)
                if err < best_err:
                    best_err = err
                    best = st.potentials(st.u, st.v, eps)
                stall.n_newton += steps
                relaxation.reset()
                omega = 1.0
                continue
            omega = relaxation(err)
            finite = 0.0 < umin < math.inf and 0.0 < vmin and vmax < math.inf
            finite = finite and umax < math.inf
            if translate and finite:
                shift = st.translate(eps, lam_a, lam_b)
                umin, umax = umin * shift, umax * shift
                vmin, vmax = vmin / shift, vmax / shift
            if lo < umin and umax < hi and lo < vmin and vmax < hi:
                st.u, st.u_new = st.u_new, st.u
                st.v, st.v_new = st.v_new, st.v
                col_err = col_err_new
            elif translate and finite:
                st.set_potentials(*st.potentials(st.u_new, st.v_new, eps), fa, fb)
                usable = False
            else:
                # (u, v) is the last iterate in range: absorb it.
                st.set_potentials(*st.potentials(st.u, st.v, eps), fa, fb)
                usable = False
        if final or n_iter >= max_iter:
            break
        if usable and schedule[stage + 1] * 2.0 == eps:
            halved = st.halve(eps, not translate)
        elif usable:
            # Hand the last iterate of this stage to the next one.
            st.set_potentials(*st.potentials(st.u, st.v, eps), fa, fb)
    eps = reg
    if not converged:
        # Rows exact for the best column potential of the last stage (or
        # for the current one when the budget ran out in an earlier stage).
        if best is not None:
            G_best = best[1]
        elif usable:
            G_best = st.potentials(st.u, st.v, st.eps)[1]
        else:
            G_best = st.G
        st.rebuild(G_best, eps, exponent(lam_a, eps))
    F, G = st.potentials(st.u, st.v, eps)
    plan = st.K
    row_mass = np.empty(n)
    col_part = np.empty((n_chunks(n), m))
    lin_row = np.empty(n)
    finalize_plan(
        plan, a * st.u, st.v, M, row_mass, col_part, lin_row, st.par
    )
    col_mass = col_part.sum(axis=0)
    _fill_zero_weight(G, b, a, F, M, eps, axis=0)
    _fill_zero_weight(F, a, b, G, M, eps, axis=1)
    return {
        "plan": plan,
        "F": F,
        "G": G,
        "n_iter": n_iter,
        "converged": converged,
        "err": err,
        "row_mass": row_mass,
        "col_mass": col_mass,
        "lin": float(lin_row.sum()),
        "eps_list": schedule,
        "n_absorb": n_absorb,
        "n_newton": stall.n_newton,
    }


class _Stall:
    """Whether the last stage has stalled enough to switch to Newton steps.

    Stalled: the violation shrank less than ``_DROP`` times over the last
    ``_WINDOW`` iterations. Each switch is followed by Sinkhorn steps again,
    at most ``_ROUNDS`` times. After a first round that did not converge,
    the next ones are fine rounds (:func:`newton_polish`); after a fine
    round that did not converge, the next one waits until Sinkhorn has also
    halved the violation it left.
    """

    _WINDOW = 5
    _DROP = 0.5
    _ROUNDS = 3

    def __init__(self, enabled):
        self.enabled = enabled
        self.history = []
        self.rounds = 0
        self.n_newton = 0
        self.gate = math.inf
        self.fine = False

    def failed(self, err):
        """Record that a Newton round stopped at violation ``err``."""
        if self.fine:
            self.gate = 0.5 * err
        self.fine = True

    def __call__(self, err):
        if not self.enabled or self.rounds >= self._ROUNDS:
            return False
        h = self.history
        h.append(err)
        if len(h) <= self._WINDOW or err < self._DROP * h[-1 - self._WINDOW]:
            return False
        if err > self.gate:
            return False
        self.rounds += 1
        self.history = []
        return True


def _fill_zero_weight(P, w, w_other, P_other, M, eps, axis):
    """Give zero-weight points their exact c-transform (finite) potential."""
    zero = np.flatnonzero(w == 0)
    if zero.size == 0:
        return
    lw = log_weights(w_other)[:, None]
    if axis == 0:
        block = M[:, zero].astype(np.float64)
    else:
        block = M[zero, :].T.astype(np.float64)
    t = lw + (P_other[:, None] - block) / eps
    mx = t.max(axis=0)
    P[zero] = -eps * (mx + np.log(np.exp(t - mx).sum(axis=0)))
