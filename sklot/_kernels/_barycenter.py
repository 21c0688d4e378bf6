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

__all__ = ["ibp_barycenter", "sinkhorn_batch"]


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
def _half_step(A, idx, a, la, logv, reg, log_domain, vbuf, fbuf, tbuf, sbuf):
    # Fit the histogram side of one plan to its marginal ``a`` given the
    # barycenter-side log-scaling ``logv``; write log u into fbuf and
    # log t = log(K^T u) into tbuf. vbuf (m) and sbuf (>= s) are scratch.
    m = logv.shape[0]
    s = idx.shape[0]
    inv_reg = 1.0 / reg
    if log_domain:
        for j in range(m):
            vbuf[j] = logv[j] * reg
        for r in range(s):
            fbuf[r] = la[r] - _row_lse(A, idx[r], vbuf, inv_reg)
            sbuf[r] = fbuf[r] * reg
        _col_lse(A, idx, sbuf[:s], inv_reg, vbuf, tbuf)
    else:
        for j in range(m):
            vbuf[j] = math.exp(logv[j])
        _kernel_apply(A, idx, vbuf, sbuf)
        for r in range(s):
            sbuf[r] = a[r] / sbuf[r]
            fbuf[r] = math.log(sbuf[r])
        _kernel_apply_t(A, idx, sbuf[:s], tbuf)
        for j in range(m):
            tbuf[j] = math.log(tbuf[j])


@jit(parallel=True)
def ibp_barycenter(
    A, indptr, indices, values, lam, reg, log_domain, max_iter, tol,
    logv, logp, lt, logu, info,
):
    """Weighted entropic barycenter by iterative Bregman projections.

    A : (n, m) cost C (log domain) or Gibbs kernel exp(-C / reg)  IN
    indptr, indices, values : CSR histograms over the n rows      IN
    lam : (K,) barycentric weights summing to one                 IN
    logv : (K, m) log-scalings on the barycenter side            IN/OUT
    logp : (m,) log of the barycenter                             OUT
    lt : (K, m) log t_k = log(K^T u_k)                            OUT
    logu : (nnz,) log-scalings of the histogram sides (CSR order)  OUT
    info : (2,) iterations done, final marginal error             OUT
    """
    K = lam.shape[0]
    n, m = A.shape
    nnz = values.shape[0]
    la = np.empty(nnz)
    for q in range(nnz):
        la[q] = math.log(values[q])
    errs = np.zeros(K)
    p = np.empty(m)
    tnew = np.empty((K, m))
    vbuf = np.empty((K, m))
    top = np.empty((K, n))

    for k in prange(K):
        lo, hi = indptr[k], indptr[k + 1]
        _half_step(
            A, indices[lo:hi], values[lo:hi], la[lo:hi], logv[k], reg,
            log_domain, vbuf[k], logu[lo:hi], lt[k], top[k],
        )
    for j in range(m):
        acc = 0.0
        for k in range(K):
            acc += lam[k] * lt[k, j]
        logp[j] = acc

    n_iter = 0
    err = np.inf
    while n_iter < max_iter:
        n_iter += 1
        for j in range(m):
            p[j] = math.exp(logp[j])
        for k in prange(K):
            lo, hi = indptr[k], indptr[k + 1]
            # v_k = p / t_k makes the second marginal of plan k equal to p.
            for j in range(m):
                logv[k, j] = logp[j] - lt[k, j]
            _half_step(
                A, indices[lo:hi], values[lo:hi], la[lo:hi], logv[k], reg,
                log_domain, vbuf[k], logu[lo:hi], tnew[k], top[k],
            )
            e = 0.0
            for j in range(m):
                e += p[j] * abs(math.exp(tnew[k, j] - lt[k, j]) - 1.0)
                lt[k, j] = tnew[k, j]
            errs[k] = e
        for j in range(m):
            acc = 0.0
            for k in range(K):
                acc += lam[k] * lt[k, j]
            logp[j] = acc
        err = 0.0
        for k in range(K):
            if errs[k] > err:
                err = errs[k]
        if err <= tol:
            break
    info[0] = n_iter
    info[1] = err


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
