"""Matrix-free log-domain Sinkhorn: the cost is recomputed on the fly.

One kernel serves the solver iterations, the c-transform of new points and
the entropic (barycentric) map. For each row ``x_i`` of ``X`` it forms
``t_ij = gl_j - c(x_i, y_j) / eps`` block by block over ``j``, with
``c = ||x - y||^2`` (``power == 2``) or ``||x - y||`` (``power == 1``) by the
Gram expansion, and accumulates the softmax of ``t_i.`` against the cost
and against optional values. Memory is O(block) per row, so a solve needs
O(n + m) memory.

Rows are independent (each row writes its own outputs), so any split of
the rows over threads gives identical results.
"""

import math

import numpy as np
from numba import prange

from ._config import jit
from ._fastexp import fast_exp

__all__ = ["online_lse"]

_BLOCK = 256
_ROWS_PER_CHUNK = 16
_LOW = 1e-200
_HIGH = 1e200


@jit
def _costs(xi, xxi, Yt, yy, j0, bl, power, buf):
    d = Yt.shape[0]
    for jj in range(bl):
        buf[jj] = 0.0
    for k in range(d):
        xk = np.float64(xi[k])
        Ytk = Yt[k]
        for jj in range(bl):
            buf[jj] += xk * Ytk[j0 + jj]
    for jj in range(bl):
        c = max(xxi + yy[j0 + jj] - 2.0 * buf[jj], 0.0)
        if power == 1:
            c = math.sqrt(c)
        buf[jj] = c


@jit
def _online_rows(
    X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, lo, hi, cost, ex, acc
):
    m = Yt.shape[1]
    n_values = Vt.shape[0]
    inv = 1.0 / eps
    for i in range(lo, hi):
        xi = X[i]
        xxi = xx[i]
        shift = -F[i] * inv
        s = 0.0
        sc = 0.0
        for attempt in range(2):
            if attempt == 1:
                shift = -np.inf
                for j0 in range(0, m, _BLOCK):
                    bl = min(_BLOCK, m - j0)
                    _costs(xi, xxi, Yt, yy, j0, bl, power, cost)
                    for jj in range(bl):
                        shift = max(shift, gl[j0 + jj] - cost[jj] * inv)
            s = 0.0
            sc = 0.0
            for k in range(n_values):
                acc[k] = 0.0
            for j0 in range(0, m, _BLOCK):
                bl = min(_BLOCK, m - j0)
                _costs(xi, xxi, Yt, yy, j0, bl, power, cost)
                bs = 0.0
                bc = 0.0
                for jj in range(bl):
                    e = fast_exp(gl[j0 + jj] - cost[jj] * inv - shift)
                    ex[jj] = e
                    bs += e
                    bc += e * cost[jj]
                s += bs
                sc += bc
                for k in range(n_values):
                    Vk = Vt[k]
                    t = 0.0
                    for jj in range(bl):
                        t += ex[jj] * Vk[j0 + jj]
                    acc[k] += t
            if s > _LOW and s < _HIGH:
                break
        F[i] = -eps * (shift + math.log(s))
        out_cost[i] = sc / s
        for k in range(n_values):
            out_V[i, k] = acc[k] / s


@jit(parallel=True)
def _online_par(X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, scratch, acc):
    n = X.shape[0]
    n_chunks = scratch.shape[0]
    for ch in prange(n_chunks):
        lo = ch * _ROWS_PER_CHUNK
        hi = min(n, lo + _ROWS_PER_CHUNK)
        _online_rows(
            X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, lo, hi,
            scratch[ch, 0], scratch[ch, 1], acc[ch],
        )


def online_lse(X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, parallel):
    """Row c-transforms against points, with softmax moments.

    For each row ``i``: ``F_i <- -eps * log sum_j exp(gl_j - c(x_i, y_j)/eps)``
    (``gl_j`` holds ``log b_j + G_j / eps``; ``F`` (IN/OUT) is read first as
    the shift guess), ``out_cost[i]`` (OUT) the softmax mean of the costs
    and ``out_V[i]`` (OUT, ``(n, k)``) the softmax mean of the columns of
    ``Vt`` (IN, ``(k, m)``; ``k`` may be 0). ``Yt`` is ``Y.T`` (contiguous),
    ``xx`` and ``yy`` the squared row norms.
    """
    # Scratch is allocated here, not inside the threads, so that every run
    # sees the same buffers whatever the thread count.
    n = X.shape[0]
    n_chunks = (n + _ROWS_PER_CHUNK - 1) // _ROWS_PER_CHUNK if parallel else 1
    scratch = np.empty((n_chunks, 2, _BLOCK))
    acc = np.empty((n_chunks, Vt.shape[0]))
    if parallel:
        _online_par(
            X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, scratch, acc
        )
    else:
        _online_rows(
            X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, 0, n,
            scratch[0, 0], scratch[0, 1], acc[0],
        )
