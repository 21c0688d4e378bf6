"""Kernels for entropic barycenters and batches of entropic distances.

Histograms are stored sparse, in CSR form (``indptr``, ``indices``,
``values``): histogram ``k`` puts mass ``values[indptr[k]:indptr[k + 1]]``
on the support points ``indices[indptr[k]:indptr[k + 1]]``, zero elsewhere.
Rows of the cost without mass never enter a computation, which halves the
work on images, where most pixels are blank.

Both kernels run in one of two domains, chosen by the caller:

- kernel domain (``log_domain=False``): scalings ``u, v`` and the Gibbs
  kernel ``G = exp(-C / reg)``; matrix-vector products only, no
  exponential. Safe when ``max(C) / reg`` is moderate, so that no entry of
  ``G`` nor any scaling leaves the floating-point range;
- log domain (``log_domain=True``): potentials ``f = reg log u``,
  ``g = reg log v`` and log-sum-exp reductions, stable at any ``reg``.

The scaling of the barycenter side is exchanged in log form (``logv``) in
both domains, so a solve in one domain can warm-start the other.

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
def _kernel_apply(G, idx, v, out):
    # out_r = sum_j G[idx_r, j] v_j
    m = v.shape[0]
    for r in range(idx.shape[0]):
        acc = 0.0
        for j in range(m):
            acc += G[idx[r], j] * v[j]
        out[r] = acc


@jit
def _kernel_apply_t(G, idx, u, out):
    # out_j = sum_r G[idx_r, j] u_r
    out[:] = 0.0
    m = out.shape[0]
    for r in range(idx.shape[0]):
        ur = u[r]
        for j in range(m):
            out[j] += G[idx[r], j] * ur


@jit
def _geometric_mean(lam, lt, logp):
    # logp_j = sum_k lam_k lt_kj, summed in a fixed order.
    K, m = lt.shape
    logp[:] = 0.0
    for k in range(K):
        for j in range(m):
            logp[j] += lam[k] * lt[k, j]


@jit
def _ibp_scaling(G, indptr, indices, values, lam, max_iter, tol, logv, logp, lt, logu):
    # Kernel domain: scalings kept linear; one log per bin and histogram per
    # sweep (for the geometric mean), no exponential.
    K = lam.shape[0]
    m = G.shape[1]
    u = np.empty(indptr[K] - indptr[0])
    off = indptr[0]
    v = np.empty((K, m))
    t = np.empty((K, m))
    told = np.empty(m)
    p = np.empty(m)
    for k in range(K):
        lo, hi = indptr[k], indptr[k + 1]
        idx = indices[lo:hi]
        uk = u[lo - off:hi - off]
        for j in range(m):
            v[k, j] = math.exp(logv[k, j])
        _kernel_apply(G, idx, v[k], uk)
        for r in range(hi - lo):
            uk[r] = values[lo + r] / uk[r]
        _kernel_apply_t(G, idx, uk, t[k])
        for j in range(m):
            lt[k, j] = math.log(t[k, j])
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
            idx = indices[lo:hi]
            uk = u[lo - off:hi - off]
            tk = t[k]
            vk = v[k]
            # v_k = p / t_k makes the second marginal of plan k equal to p.
            for j in range(m):
                vk[j] = p[j] / tk[j]
                told[j] = tk[j]
            _kernel_apply(G, idx, vk, uk)
            for r in range(hi - lo):
                uk[r] = values[lo + r] / uk[r]
            _kernel_apply_t(G, idx, uk, tk)
            e = 0.0
            for j in range(m):
                e += p[j] * abs(tk[j] / told[j] - 1.0)
                lt[k, j] = math.log(tk[j])
            if e > err or e != e:
                err = e
        _geometric_mean(lam, lt, logp)
        if err <= tol:
            break
    for k in range(K):
        for j in range(m):
            logv[k, j] = math.log(v[k, j])
    for r in range(u.shape[0]):
        logu[off + r] = math.log(u[r])
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
    A, indptr, indices, values, groups, lam, reg, log_domain, max_iter, tol,
    logv, logp, lt, logu, info,
):
    """Weighted entropic barycenters by iterative Bregman projections.

    Group ``g`` is histograms ``groups[g]:groups[g + 1]`` and has its own
    barycenter; groups run in parallel, each on one thread (short sweeps
    synchronised across threads would spend their time at barriers).

    A : (n, m) cost C (log domain) or Gibbs kernel exp(-C / reg)  IN
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
        if log_domain:
            it, err = _ibp_log(
                A, indptr[h0:h1 + 1], indices, values, lam[h0:h1], reg,
                max_iter, tol, logv[h0:h1], logp[q], lt[h0:h1], logu,
            )
        else:
            it, err = _ibp_scaling(
                A, indptr[h0:h1 + 1], indices, values, lam[h0:h1], max_iter,
                tol, logv[h0:h1], logp[q], lt[h0:h1], logu,
            )
        info[q, 0] = it
        info[q, 1] = err


@jit(parallel=True)
def sinkhorn_batch(
    A, C, indptr, indices, values, B, reg, log_domain, max_iter, tol,
    logv, cost, n_iter, error,
):
    """Entropic OT between every sparse histogram and every dense target.

    A : (n, m) cost C (log domain) or Gibbs kernel exp(-C / reg)  IN
    C : (n, m) cost, for the transport cost <P, C>                IN
    indptr, indices, values : CSR sources over the n rows          IN
    B : (K, m) targets (zeros allowed)                             IN
    logv : (N, K, m) log-scalings of the target side            IN/OUT
    cost : (N, K) linear cost <P, C> of each entropic plan          OUT
    n_iter, error : (N, K) iterations and final L1 marginal error   OUT
    """
    N = indptr.shape[0] - 1
    K, m = B.shape
    inv_reg = 1.0 / reg
    logb = np.empty((K, m))
    for k in range(K):
        for j in range(m):
            logb[k, j] = math.log(B[k, j]) if B[k, j] > 0 else -np.inf
    for i in prange(N):
        lo, hi = indptr[i], indptr[i + 1]
        idx = indices[lo:hi]
        a = values[lo:hi]
        s = hi - lo
        la = np.empty(s)
        for r in range(s):
            la[r] = math.log(a[r])
        x = np.empty(s)  # u (kernel domain) or f / reg
        y = np.empty(s)
        v = np.empty(m)  # v (kernel domain) or g
        t = np.empty(m)
        top = np.empty(m)
        for k in range(K):
            lv = logv[i, k]
            it = 0
            err = np.inf
            if log_domain:
                for j in range(m):
                    v[j] = lv[j] * reg if B[k, j] > 0 else -np.inf
                for r in range(s):
                    x[r] = np.nan
                while it < max_iter:
                    for r in range(s):
                        y[r] = la[r] - _row_lse(A, idx[r], v, inv_reg)
                    if it > 0:
                        err = 0.0
                        for r in range(s):
                            err += a[r] * abs(math.exp(x[r] - y[r]) - 1.0)
                        if err <= tol:
                            break
                    for r in range(s):
                        x[r] = y[r]
                        y[r] = y[r] * reg
                    it += 1
                    _col_lse(A, idx, y, inv_reg, top, t)
                    for j in range(m):
                        v[j] = (logb[k, j] - t[j]) * reg
                total = 0.0
                for r in range(s):
                    fr = x[r] * reg
                    for j in range(m):
                        c = C[idx[r], j]
                        total += math.exp((fr + v[j] - c) * inv_reg) * c
                for j in range(m):
                    lv[j] = v[j] * inv_reg
            else:
                for j in range(m):
                    v[j] = math.exp(lv[j]) if B[k, j] > 0 else 0.0
                while it < max_iter:
                    _kernel_apply(A, idx, v, y)
                    if it > 0:
                        err = 0.0
                        for r in range(s):
                            err += abs(a[r] - x[r] * y[r])
                        if err <= tol:
                            break
                    for r in range(s):
                        x[r] = a[r] / y[r]
                    it += 1
                    _kernel_apply_t(A, idx, x, t)
                    for j in range(m):
                        v[j] = B[k, j] / t[j]
                total = 0.0
                for r in range(s):
                    acc = 0.0
                    for j in range(m):
                        acc += A[idx[r], j] * v[j] * C[idx[r], j]
                    total += x[r] * acc
                for j in range(m):
                    lv[j] = math.log(v[j]) if v[j] > 0 else -np.inf
            cost[i, k] = total
            n_iter[i, k] = it
            error[i, k] = err
