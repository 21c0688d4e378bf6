"""Kernels for entropic barycenters and batches of entropic distances.

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
exact log-sum-exp half-step, so any ``reg`` is safe. (A private kernel per
plan also runs about twice as fast as gathering rows of a shared one.)

The scaling of the barycenter side is exchanged in log form (``logv``),
which warm-starts later solves.

Every ``prange`` iteration writes its own output slot and the only
reduction across histograms (the weighted geometric mean) runs serially in
a fixed order, so results are bitwise identical for any number of threads.
"""

import math

import numpy as np
from numba import prange

from ._config import jit

__all__ = ["ibp_barycenters", "sinkhorn_batch"]


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


@jit
def _geometric_mean(lam, lt, logp):
    # logp_j = sum_k lam_k lt_kj, summed in a fixed order.
    K, m = lt.shape
    logp[:] = 0.0
    for k in range(K):
        for j in range(m):
            logp[j] += lam[k] * lt[k, j]


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


@jit
def _log_col(C, idx, f, u, reg, j):
    # log sum_r exp((f_r - C_rj) / reg) u_r: a column of log(K^T U), exactly.
    inv_reg = 1.0 / reg
    top = -np.inf
    for r in range(idx.shape[0]):
        z = (f[r] - C[idx[r], j]) * inv_reg + math.log(u[r])
        if z > top:
            top = z
    total = 0.0
    for r in range(idx.shape[0]):
        total += math.exp((f[r] - C[idx[r], j]) * inv_reg + math.log(u[r]) - top)
    return top + math.log(total)


@jit
def _ibp_stabilized(
    C, G, shift, indptr, indices, values, lam, reg, max_iter, tol, logv, logp,
    lt, logu,
):
    # Scaling iterations on per-histogram kernels Kt_k built from absorbed
    # potentials (f_k, g_k): plan k is diag(u_k) Kt_k diag(v_k). A sweep is
    # two matrix-vector products and one log per bin; exponentials are only
    # spent when a scaling is absorbed and Kt_k rebuilt.
    K = lam.shape[0]
    m = C.shape[1]
    inv_reg = 1.0 / reg
    off = indptr[0]
    nnz = indptr[K] - off
    Kt = np.empty((nnz, m))
    f = np.empty(nnz)
    u = np.ones(nnz)
    y = np.empty(nnz)
    g = np.empty((K, m))
    v = np.ones((K, m))
    Tt = np.empty((K, m))  # K_t^T u, the second marginal divided by v
    tnew = np.empty(m)
    ltnew = np.empty(m)
    p = np.empty(m)
    for k in range(K):
        lo, hi = indptr[k] - off, indptr[k + 1] - off
        idx = indices[indptr[k]:indptr[k + 1]]
        a = values[indptr[k]:indptr[k + 1]]
        for j in range(m):
            g[k, j] = logv[k, j] * reg
        _row_transform(C, idx, a, g[k], reg, f[lo:hi], Kt[lo:hi], G, shift, tnew)
        _dense_apply_t(Kt[lo:hi], u[lo:hi], Tt[k])
        for j in range(m):
            if Tt[k, j] > 0:
                lt[k, j] = math.log(Tt[k, j]) - g[k, j] * inv_reg
            else:
                lt[k, j] = _log_col(C, idx, f[lo:hi], u[lo:hi], reg, j)
    _geometric_mean(lam, lt, logp)
    n_iter = 0
    err = np.inf
    while n_iter < max_iter:
        n_iter += 1
        for j in range(m):
            p[j] = math.exp(logp[j])
        err = 0.0
        for k in range(K):
            lo, hi = indptr[k] - off, indptr[k + 1] - off
            idx = indices[indptr[k]:indptr[k + 1]]
            a = values[indptr[k]:indptr[k + 1]]
            Ktk = Kt[lo:hi]
            uk = u[lo:hi]
            vk = v[k]
            gk = g[k]
            # v_k = p / T_k makes the second marginal of plan k equal to p.
            absorb = False
            for j in range(m):
                if p[j] > 0 and Tt[k, j] > 0:
                    vk[j] = p[j] / Tt[k, j]
                else:
                    vk[j] = math.exp(logp[j] - lt[k, j] - gk[j] * inv_reg)
                if vk[j] > _BIG or vk[j] < _SMALL:
                    absorb = True
            if not absorb:
                _dense_apply(Ktk, vk, y[lo:hi])
                for r in range(hi - lo):
                    if y[lo + r] > 0:
                        uk[r] = a[r] / y[lo + r]
                    else:
                        uk[r] = np.inf
                    if uk[r] > _BIG or uk[r] < _SMALL:
                        absorb = True
            if absorb:
                # the exact u-update in the log domain, with v absorbed
                for j in range(m):
                    gk[j] += reg * math.log(vk[j])
                    vk[j] = 1.0
                _row_transform(C, idx, a, gk, reg, f[lo:hi], Ktk, G, shift, tnew)
                uk[:] = 1.0
            _dense_apply_t(Ktk, uk, tnew)
            e = 0.0
            for j in range(m):
                if tnew[j] > 0:
                    ltnew[j] = math.log(tnew[j]) - gk[j] * inv_reg
                else:
                    ltnew[j] = _log_col(C, idx, f[lo:hi], uk, reg, j)
                if absorb or not Tt[k, j] > 0 or not tnew[j] > 0:
                    e += abs(math.exp(logp[j] + ltnew[j] - lt[k, j]) - p[j])
                else:
                    e += p[j] * abs(tnew[j] / Tt[k, j] - 1.0)
                Tt[k, j] = tnew[j]
                lt[k, j] = ltnew[j]
            if e > err or e != e:
                err = e
        _geometric_mean(lam, lt, logp)
        if err <= tol:
            break
    for k in range(K):
        for j in range(m):
            logv[k, j] = g[k, j] * inv_reg + math.log(v[k, j])
    for q in range(nnz):
        logu[off + q] = f[q] * inv_reg + math.log(u[q])
    return n_iter, err


@jit
def _half_step_log(C, idx, a, logv, reg, g, f, lt, top):
    # Log domain: from log v (barycenter side), fit the histogram side to
    # ``a``: f = reg log u into ``f`` (and log u into ``logu`` by the
    # caller), log t = log(K^T u) into ``lt``. ``g`` and ``top`` are scratch.
    inv_reg = 1.0 / reg
    m = logv.shape[0]
    for j in range(m):
        g[j] = logv[j] * reg
    for r in range(idx.shape[0]):
        f[r] = reg * (math.log(a[r]) - _row_lse(C, idx[r], g, inv_reg))
    _col_lse(C, idx, f, inv_reg, top, lt)


@jit
def _ibp_log(C, indptr, indices, values, lam, reg, max_iter, tol, logv, logp, lt, logu):
    K = lam.shape[0]
    m = C.shape[1]
    off = indptr[0]
    f = np.empty(indptr[K] - off)
    g = np.empty(m)
    top = np.empty(m)
    tnew = np.empty(m)
    p = np.empty(m)
    for k in range(K):
        lo, hi = indptr[k], indptr[k + 1]
        _half_step_log(C, indices[lo:hi], values[lo:hi], logv[k], reg, g,
                       f[lo - off:hi - off], lt[k], top)
    _geometric_mean(lam, lt, logp)
    n_iter = 0
    err = np.inf
    while n_iter < max_iter:
        n_iter += 1
        for j in range(m):
            p[j] = math.exp(logp[j])
        err = 0.0
        for k in range(K):
            lo, hi = indptr[k], indptr[k + 1]
            for j in range(m):
                logv[k, j] = logp[j] - lt[k, j]
            _half_step_log(C, indices[lo:hi], values[lo:hi], logv[k], reg, g,
                           f[lo - off:hi - off], tnew, top)
            e = 0.0
            for j in range(m):
                # |second marginal - p|, both exponents at most ~0: no overflow
                e += abs(math.exp(logp[j] + tnew[j] - lt[k, j]) - p[j])
                lt[k, j] = tnew[j]
            if e > err or e != e:
                err = e
        _geometric_mean(lam, lt, logp)
        if err <= tol:
            break
    for r in range(f.shape[0]):
        logu[off + r] = f[r] / reg
    return n_iter, err


@jit(parallel=True)
def ibp_barycenters(
    C, G, shift, indptr, indices, values, groups, lam, reg, low_memory,
    max_iter, tol, logv, logp, lt, logu, info,
):
    """Weighted entropic barycenters by iterative Bregman projections.

    Group ``g`` is histograms ``groups[g]:groups[g + 1]`` and has its own
    barycenter; groups run in parallel, each on one thread (short sweeps
    synchronised across threads would spend their time at barriers).

    Each group runs stabilized scaling iterations on its own kernels
    (memory ``nnz * m`` per group), or with ``low_memory`` pure log-domain
    sweeps (an exponential per kernel entry and sweep, no kernel stored).

    C : (n, m) cost                                               IN
    G : (n, m) exp(-(C - shift) / reg), or (0, m) if it would underflow IN
    indptr, indices, values : CSR histograms over the n rows      IN
    groups : (n_groups + 1,) histogram offsets of the groups      IN
    lam : (K,) barycentric weights, summing to one in each group  IN
    logv : (K, m) log-scalings on the barycenter side            IN/OUT
    logp : (n_groups, m) log of each barycenter                   OUT
    lt : (K, m) log t_k = log(K^T u_k)                            OUT
    logu : (nnz,) log-scalings of the histogram sides (CSR order)  OUT
    info : (n_groups, 2) iterations done, final marginal error    OUT
    """
    for q in prange(groups.shape[0] - 1):
        h0, h1 = groups[q], groups[q + 1]
        if low_memory:
            it, err = _ibp_log(
                C, indptr[h0:h1 + 1], indices, values, lam[h0:h1], reg,
                max_iter, tol, logv[h0:h1], logp[q], lt[h0:h1], logu,
            )
        else:
            it, err = _ibp_stabilized(
                C, G, shift, indptr[h0:h1 + 1], indices, values, lam[h0:h1],
                reg, max_iter, tol, logv[h0:h1], logp[q], lt[h0:h1], logu,
            )
        info[q, 0] = it
        info[q, 1] = err


@jit(parallel=True)
def sinkhorn_batch(
    C, G, shift, indptr, indices, values, B, reg, max_iter, tol, logv, cost,
    n_iter, error,
):
    """Entropic OT between every sparse histogram and every dense target.

    Each pair runs stabilized scaling iterations on its own kernel.

    C : (n, m) cost                                                IN
    G : (n, m) exp(-(C - shift) / reg), or (0, m) if it would underflow IN
    indptr, indices, values : CSR sources over the n rows          IN
    B : (K, m) targets (zeros allowed)                             IN
    logv : (N, K, m) log-scalings of the target side            IN/OUT
    cost : (N, K) linear cost <P, C> of each entropic plan          OUT
    n_iter, error : (N, K) iterations and final L1 marginal error   OUT
    """
    N = indptr.shape[0] - 1
    K, m = B.shape
    inv_reg = 1.0 / reg
    for i in prange(N):
        lo, hi = indptr[i], indptr[i + 1]
        idx = indices[lo:hi]
        a = values[lo:hi]
        s = hi - lo
        x = np.empty(s)  # u
        y = np.empty(s)  # K v
        f = np.empty(s)
        v = np.empty(m)
        t = np.empty(m)
        g = np.empty(m)
        top = np.empty(m)
        Kt = np.empty((s, m))
        for k in range(K):
            b = B[k]
            lv = logv[i, k]
            it = 0
            err = np.inf
            # Stabilized scaling: plan = diag(u) Kt diag(v) with Kt built
            # from absorbed potentials; an exact log-domain half-step
            # rebuilds Kt when a scaling leaves its range or a sum
            # underflows. The updates are over-relaxed once the rate of
            # plain iterations is known (see _relax).
            for j in range(m):
                g[j] = lv[j] * reg if b[j] > 0 else -np.inf
            _row_transform(C, idx, a, g, reg, f, Kt, G, shift, top)
            x[:] = 1.0
            for j in range(m):
                v[j] = 1.0 if b[j] > 0 else 0.0
            _dense_apply_t(Kt, x, t)
            omega = 1.0
            relax = True
            best = np.inf
            early = np.inf
            while True:
                absorb = False
                col_err = 0.0
                for j in range(m):
                    if b[j] > 0:
                        if t[j] > 0:
                            v[j] = _relax(v[j], b[j] / t[j], omega)
                            col_err += abs(b[j] - v[j] * t[j])
                            if v[j] > _BIG or v[j] < _SMALL:
                                absorb = True
                        else:
                            absorb = True
                if absorb:
                    for r in range(s):
                        f[r] += reg * math.log(x[r])
                        x[r] = 1.0
                    _col_transform(C, idx, b, f, reg, g, Kt, top, t)
                    for j in range(m):
                        v[j] = 1.0 if b[j] > 0 else 0.0
                    col_err = 0.0
                it += 1
                _dense_apply(Kt, v, y)
                err = col_err
                for r in range(s):
                    err += abs(a[r] - x[r] * y[r])
                if err <= tol or it >= max_iter:
                    break
                omega, relax, best, early = _adapt(
                    it, err, omega, relax, best, early
                )
                absorb = False
                for r in range(s):
                    if y[r] > 0:
                        x[r] = _relax(x[r], a[r] / y[r], omega)
                        if x[r] > _BIG or x[r] < _SMALL:
                            absorb = True
                    else:
                        absorb = True
                if absorb:
                    for j in range(m):
                        if b[j] > 0:
                            g[j] += reg * math.log(v[j])
                            v[j] = 1.0
                    _row_transform(C, idx, a, g, reg, f, Kt, G, shift, top)
                    x[:] = 1.0
                _dense_apply_t(Kt, x, t)
            total = 0.0
            for r in range(s):
                acc = 0.0
                for j in range(m):
                    acc += Kt[r, j] * v[j] * C[idx[r], j]
                total += x[r] * acc
            for j in range(m):
                lv[j] = g[j] * inv_reg + math.log(v[j]) if b[j] > 0 else -np.inf
            cost[i, k] = total
            n_iter[i, k] = it
            error[i, k] = err
