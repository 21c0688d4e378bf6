"""Entropic barycenters of sparse histograms by iterative Bregman projections.

The stabilized scaling of ``_scaling.py``, one group of histograms (one
barycenter) per thread. The scaling of the barycenter side is exchanged in
log form (``logv``), which warm-starts later solves. The only reduction
across histograms (the weighted geometric mean) runs serially in a fixed
order, so results are bitwise identical for any number of threads.
"""

import math

import numpy as np
from numba import prange

from ._config import jit
from ._scaling import (
    _BIG,
    _SMALL,
    _col_lse,
    _dense_apply,
    _dense_apply_t,
    _row_lse,
    _row_transform,
)

__all__ = ["ibp_barycenters"]


@jit
def _geometric_mean(lam, lt, logp):
    # logp_j = sum_k lam_k lt_kj, summed in a fixed order.
    K, m = lt.shape
    logp[:] = 0.0
    for k in range(K):
        for j in range(m):
            logp[j] += lam[k] * lt[k, j]


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
