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


# Anderson acceleration (Anderson, 1965; Walker and Ni, 2011) of the
# column half-step in log form, x = log v: the fixed-point map is
# x -> log b - log(Kt^T (a / Kt e^x)), with residual f = log(b / (v t)).
# Each step extrapolates from the last _DEPTH differences of residuals and
# steps by a small regularized least-squares fit (normal equations,
# Cholesky). The logs and exponentials are short series, so a step spends
# no transcendental function, and the fixed points stay Sinkhorn's (the
# series vanish exactly at ratio 1). While a ratio is far from 1 the step
# is a plain Sinkhorn step and the memory is emptied. No new best error in
# _STALL steps, or an error above _GROWTH times the best, empties the
# memory too; after _RESTARTS of those the pair goes on with over-relaxed
# plain steps (see _relax), steadier when reg is small.
_DEPTH = 5
_GROWTH = 100.0
_STALL = 10
_RESTARTS = 8


@jit(error_model="numpy")
def _residual(b, v, t, idle, res):
    # res_j = log(b_j / (v_j t_j)) on bins with mass (``idle`` 0), 0 on the
    # others (``idle`` 1), by the series of 2 atanh(z),
    # z = (b - v t) / (b + v t), error below 1e-9 for |z| <= 0.1.
    # Returns the L1 error and whether a ratio is outside that range.
    m = b.shape[0]
    err = 0.0
    far = 0.0
    for j in range(m):
        vt = v[j] * t[j]
        err += abs(b[j] - vt)
        z = (b[j] - vt) / (b[j] + vt + idle[j])
        z2 = z * z
        res[j] = 2.0 * z * (1.0 + z2 * (1.0 / 3.0 + z2 * (0.2 + z2 / 7.0)))
        far += 0.0 if z2 <= 0.01 else 1.0
    return err, far > 0.0


@jit(inline="always")
def _exp_series(d):
    # exp(d) to 3e-7 relative for |d| <= 0.25
    return 1.0 + d * (1.0 + d * (0.5 + d * (1.0 / 6.0 + d * (
        1.0 / 24.0 + d / 120.0))))


@jit(error_model="numpy")
def _scale(v, step, idle):
    # v_j *= exp(step_j), a series for small steps; returns whether a
    # scaling of a bin with mass left [_SMALL, _BIG] (or is not a number).
    m = v.shape[0]
    far = 0.0
    for j in range(m):
        far += 0.0 if abs(step[j]) <= 0.25 else 1.0
    if far == 0.0:
        # branch-free loop: it vectorizes
        for j in range(m):
            v[j] *= _exp_series(step[j])
    else:
        for j in range(m):
            d = step[j]
            if abs(d) <= 0.25:
                v[j] *= _exp_series(d)
            else:
                v[j] *= math.exp(min(d, 700.0))
    out = 0.0
    for j in range(m):
        out += 0.0 if _SMALL <= v[j] + idle[j] <= _BIG else 1.0
    return out > 0.0


@jit(error_model="numpy")
def _anderson(f, step, last_f, w, df, gram, n_mem, head, chol, gam):
    # Push the last step into slot ``head`` of the memory (residual
    # differences ``df``, step plus residual differences ``w``) and write
    # the extrapolated step into ``step`` (on entry the previous step).
    # Returns the number of columns used, 0 on failure.
    depth, m = df.shape
    for j in range(m):
        d = f[j] - last_f[j]
        df[head, j] = d
        w[head, j] = step[j] + d
    for q in range(n_mem):
        acc = 0.0
        rhs = 0.0
        for j in range(m):
            acc += df[head, j] * df[q, j]
            rhs += df[q, j] * f[j]
        gram[head, q] = acc
        gram[q, head] = acc
        gam[q] = rhs
    trace = 0.0
    for q in range(n_mem):
        trace += gram[q, q]
    if not 0.0 < trace < np.inf:
        return 0
    ridge = 1e-10 * trace
    # Cholesky of gram + ridge I, then solve for the right-hand side df f
    for q in range(n_mem):
        for c in range(q + 1):
            acc = gram[q, c] + (ridge if q == c else 0.0)
            for e in range(c):
                acc -= chol[q, e] * chol[c, e]
            if q == c:
                if not acc > 0.0:
                    return 0
                chol[q, q] = math.sqrt(acc)
            else:
                chol[q, c] = acc / chol[c, c]
    for q in range(n_mem):
        acc = gam[q]
        for e in range(q):
            acc -= chol[q, e] * gam[e]
        gam[q] = acc / chol[q, q]
    for q in range(n_mem - 1, -1, -1):
        acc = gam[q]
        for e in range(q + 1, n_mem):
            acc -= chol[e, q] * gam[e]
        gam[q] = acc / chol[q, q]
    for j in range(m):
        step[j] = f[j]
    for q in range(n_mem):
        gq = gam[q]
        for j in range(m):
            step[j] -= gq * w[q, j]
    total = 0.0
    for j in range(m):
        total += step[j]
    if not abs(total) < np.inf:
        return 0
    return n_mem


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

    Each pair runs stabilized scaling iterations on its own kernel, the
    target-side updates accelerated by Anderson mixing (see _anderson).

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
        res = np.empty(m)
        step = np.empty(m)
        last = np.empty(m)
        idle = np.empty(m)
        w = np.empty((_DEPTH, m))
        df = np.empty((_DEPTH, m))
        gram = np.empty((_DEPTH, _DEPTH))
        chol = np.empty((_DEPTH, _DEPTH))
        gam = np.empty(_DEPTH)
        Kt = np.empty((s, m))
        for k in range(K):
            b = B[k]
            lv = logv[i, k]
            it = 0
            # Stabilized scaling: plan = diag(u) Kt diag(v) with Kt built
            # from absorbed potentials; an exact log-domain half-step
            # rebuilds Kt when a scaling leaves its range or a sum
            # underflows. The target side is accelerated (see _anderson).
            for j in range(m):
                g[j] = lv[j] * reg if b[j] > 0 else -np.inf
                idle[j] = 0.0 if b[j] > 0 else 1.0
            _row_transform(C, idx, a, g, reg, f, Kt, G, shift, top)
            x[:] = 1.0
            for j in range(m):
                v[j] = 1.0 if b[j] > 0 else 0.0
            _dense_apply_t(Kt, x, t)
            n_mem = 0  # columns in the memory
            head = 0  # next slot to fill
            primed = False  # ``step`` and ``last`` hold the previous step
            restarts = 0
            stall = 0
            switch = 0
            omega = 1.0
            relax = True
            rbest = np.inf
            early = np.inf
            best = np.inf
            row_err = 0.0
            while True:
                err, far = _residual(b, v, t, idle, res)
                err += row_err
                if err <= tol or it >= max_iter:
                    break
                it += 1
                if err < best:
                    best = err
                    stall = 0
                else:
                    stall += 1
                    if stall > _STALL or not err <= _GROWTH * best:
                        restarts += 1
                        if restarts == _RESTARTS + 1:
                            switch = it
                        best = err
                        stall = 0
                        far = True
                absorb = False
                if far or restarts > _RESTARTS:
                    # plain Sinkhorn step, the memory restarts; a pair that
                    # restarted too often goes on over-relaxed (_relax)
                    n_mem = 0
                    head = 0
                    primed = False
                    if restarts > _RESTARTS:
                        omega, relax, rbest, early = _adapt(
                            it - switch, err, omega, relax, rbest, early
                        )
                    for j in range(m):
                        if b[j] > 0:
                            if t[j] > 0:
                                v[j] = _relax(v[j], b[j] / t[j], omega)
                                if not _SMALL <= v[j] <= _BIG:
                                    absorb = True
                            else:
                                absorb = True
                else:
                    used = 0
                    if primed:
                        n_mem = min(n_mem + 1, _DEPTH)
                        used = _anderson(res, step, last, w, df, gram, n_mem,
                                         head, chol, gam)
                        head = (head + 1) % _DEPTH
                        if used == 0:
                            n_mem = 0
                            head = 0
                    if used == 0:
                        step[:] = res
                    last[:] = res
                    absorb = _scale(v, step, idle)
                    primed = True
                if absorb:
                    # the exact v-update in the log domain, with u absorbed
                    for r in range(s):
                        f[r] += reg * math.log(x[r])
                        x[r] = 1.0
                    _col_transform(C, idx, b, f, reg, g, Kt, top, t)
                    for j in range(m):
                        v[j] = 1.0 if b[j] > 0 else 0.0
                    n_mem = 0
                    head = 0
                    primed = False
                _dense_apply(Kt, v, y)
                absorb = False
                row_err = 0.0
                for r in range(s):
                    if y[r] > 0:
                        x[r] = _relax(x[r], a[r] / y[r], omega)
                        row_err += abs(a[r] - x[r] * y[r])
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
                    row_err = 0.0
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
