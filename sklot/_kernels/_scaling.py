"""Stabilized scaling on sparse histograms: the pieces IBP and batched Sinkhorn share.

Histograms are stored sparse, in CSR form (``indptr``, ``indices``,
``values``): histogram ``k`` puts mass ``values[indptr[k]:indptr[k + 1]]``
on the support points ``indices[indptr[k]:indptr[k + 1]]``, zero elsewhere.
Rows of the cost without mass never enter a computation, which halves the
work on images, where most pixels are blank.

The iterations are stabilized scaling (Schmitzer, 2019): each plan keeps
potentials ``(f, g)`` and its own kernel ``exp((f_i + g_j - C_ij) / reg)``
and iterates scalings ``u, v`` on it, matrix-vector products with no
exponential. When a scaling leaves ``exp(+-100)`` or a sum underflows, the
scalings are absorbed into the potentials and the kernel is rebuilt by an
exact log-sum-exp half-step (``_row_transform``, ``_col_transform``), so
any ``reg`` is safe. (A private kernel per plan also runs about twice as
fast as gathering rows of a shared one.) ``_relax`` and ``_adapt`` are the
over-relaxation rule of both.
"""

import math

import numpy as np

from ._config import jit


@jit
def _row_lse(C, row, g, inv_reg):
    # log sum_j exp((g_j - C[row, j]) / reg), two passes for stability.
    m = g.shape[0]
    top = -np.inf
    for j in range(m):
        z = g[j] - C[row, j]
        if z > top:
            top = z
    if top == -np.inf:
        return -np.inf
    s = 0.0
    for j in range(m):
        s += math.exp((g[j] - C[row, j] - top) * inv_reg)
    return top * inv_reg + math.log(s)


@jit
def _col_lse(C, idx, f, inv_reg, top, out):
    # out_j = log sum_r exp((f_r - C[idx_r, j]) / reg); rows stay contiguous.
    s = idx.shape[0]
    m = out.shape[0]
    top[:] = -np.inf
    for r in range(s):
        fr = f[r]
        for j in range(m):
            z = fr - C[idx[r], j]
            if z > top[j]:
                top[j] = z
    out[:] = 0.0
    for r in range(s):
        fr = f[r]
        for j in range(m):
            out[j] += math.exp((fr - C[idx[r], j] - top[j]) * inv_reg)
    for j in range(m):
        out[j] = top[j] * inv_reg + math.log(out[j])


# Scalings are absorbed into the potentials once they leave
# [exp(-_TAU), exp(_TAU)]: kernel entries that underflowed at the last
# rebuild then stay below 1e-308 * exp(2 * _TAU), negligible.
_TAU = 100.0
_BIG = math.exp(_TAU)
_SMALL = math.exp(-_TAU)


@jit
def _row_transform(C, idx, a, g, reg, f, Kt, G, shift, w):
    # Exact log-domain row update from the column potentials g:
    # f_r = reg log a_r - reg LSE_j((g_j - C_rj) / reg), and the kernel
    # Kt_rj = exp((f_r + g_j - C_rj) / reg), whose rows then sum to a.
    # With the Gibbs kernel G = exp(-(C - shift) / reg) given (non-empty)
    # and g / reg in range, the same kernel costs m exponentials instead of
    # one per entry.
    inv_reg = 1.0 / reg
    m = g.shape[0]
    fast = G.shape[0] > 0
    if fast:
        for j in range(m):
            z = g[j] * inv_reg
            if z > 300.0 or z != z:
                fast = False
                break
            w[j] = math.exp(z) if z > -300.0 else 0.0
    if fast:
        for r in range(idx.shape[0]):
            row = idx[r]
            total = 0.0
            for j in range(m):
                e = G[row, j] * w[j]
                Kt[r, j] = e
                total += e
            if not total > 1e-250:
                fast = False
                break
            f[r] = reg * (math.log(a[r]) - math.log(total)) + shift
            scale = a[r] / total
            for j in range(m):
                Kt[r, j] *= scale
        if fast:
            return
    for r in range(idx.shape[0]):
        row = idx[r]
        top = -np.inf
        for j in range(m):
            z = g[j] - C[row, j]
            if z > top:
                top = z
        total = 0.0
        for j in range(m):
            e = math.exp((g[j] - C[row, j] - top) * inv_reg)
            Kt[r, j] = e
            total += e
        f[r] = reg * (math.log(a[r]) - math.log(total)) - top
        scale = a[r] / total
        for j in range(m):
            Kt[r, j] *= scale


@jit
def _col_transform(C, idx, b, f, reg, g, Kt, top, total):
    # Exact log-domain column update from the row potentials f; the columns
    # of the rebuilt kernel sum to b (zero-mass columns are left empty).
    inv_reg = 1.0 / reg
    s = idx.shape[0]
    m = g.shape[0]
    top[:] = -np.inf
    for r in range(s):
        for j in range(m):
            z = f[r] - C[idx[r], j]
            if z > top[j]:
                top[j] = z
    total[:] = 0.0
    for r in range(s):
        for j in range(m):
            e = math.exp((f[r] - C[idx[r], j] - top[j]) * inv_reg)
            Kt[r, j] = e
            total[j] += e
    for j in range(m):
        if b[j] > 0:
            g[j] = reg * (math.log(b[j]) - math.log(total[j])) - top[j]
            total[j] = b[j] / total[j]
        else:
            g[j] = -np.inf
            total[j] = 0.0
    for r in range(s):
        for j in range(m):
            Kt[r, j] *= total[j]


@jit
def _dense_apply(Kt, v, out):
    # out = Kt v, two rows per pass so that each load of v serves both.
    s, m = Kt.shape
    r = 0
    while r + 1 < s:
        acc0 = 0.0
        acc1 = 0.0
        for j in range(m):
            acc0 += Kt[r, j] * v[j]
            acc1 += Kt[r + 1, j] * v[j]
        out[r] = acc0
        out[r + 1] = acc1
        r += 2
    if r < s:
        acc0 = 0.0
        for j in range(m):
            acc0 += Kt[r, j] * v[j]
        out[r] = acc0


@jit
def _dense_apply_t(Kt, u, out):
    # out = Kt^T u, four rows per pass: a quarter of the loads and stores
    # of ``out``.
    s, m = Kt.shape
    out[:] = 0.0
    r = 0
    while r + 3 < s:
        u0 = u[r]
        u1 = u[r + 1]
        u2 = u[r + 2]
        u3 = u[r + 3]
        for j in range(m):
            out[j] += (Kt[r, j] * u0 + Kt[r + 1, j] * u1) + (
                Kt[r + 2, j] * u2 + Kt[r + 3, j] * u3
            )
        r += 4
    while r < s:
        ur = u[r]
        for j in range(m):
            out[j] += Kt[r, j] * ur
        r += 1


# Over-relaxation (Thibault et al., 2017; Lehmann et al., 2021): after
# _PLAIN_SWEEPS plain sweeps the error reduction per sweep rho of the last
# half of them is measured, and the updates become u <- u (u_plain / u)^omega
# with the optimal omega = 2 / (1 + sqrt(1 - rho)) for that rate, capped at
# _OMEGA_MAX. The fixed point (u_plain = u) is Sinkhorn's. Near it the power
# is a third-order Taylor polynomial (no exponential is spent); an error
# growing past 1000 times its best value turns relaxation off.
_PLAIN_SWEEPS = 20
_OMEGA_MAX = 1.9


@jit
def _relax(old, plain, omega):
    if omega == 1.0 or not old > 0:
        return plain
    d = plain / old - 1.0
    if abs(d) <= 0.25:
        return old * (1.0 + omega * d * (
            1.0 + 0.5 * (omega - 1.0) * d * (1.0 + (omega - 2.0) / 3.0 * d)))
    return old * math.exp(omega * math.log1p(d))


@jit
def _adapt(it, err, omega, relax, best, early):
    if err < best:
        best = err
    if it == _PLAIN_SWEEPS // 2:
        early = err
    elif it == _PLAIN_SWEEPS and relax and 0.0 < early < np.inf:
        rho = (err / early) ** (2.0 / _PLAIN_SWEEPS)
        if 0.0 < rho < 1.0:
            omega = min(_OMEGA_MAX, 2.0 / (1.0 + math.sqrt(1.0 - rho)))
    elif omega > 1.0 and not err <= 1e3 * best:
        omega = 1.0
        relax = False
    return omega, relax, best, early
