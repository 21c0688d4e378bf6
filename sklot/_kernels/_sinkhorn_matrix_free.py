"""Matrix-free log-domain Sinkhorn: the cost is recomputed on the fly.

One kernel serves the solver iterations, the c-transform of new points and
the entropic (barycentric) map. For each row ``x_i`` of ``X`` it forms
``t_ij = gl_j - c(x_i, y_j) / eps`` block by block over ``j``, with
``c = ||x - y||^2`` (``power == 2``) or ``||x - y||`` (``power == 1``) by the
Gram expansion, and accumulates the softmax of ``t_i.`` against the cost
and against optional values. Memory is O(block) per row, so a solve needs
O(n + m) memory.

The squared distances are accumulated two dimensions and two rows at a
time over contiguous blocks of ``Y.T``, which keeps the loops vectorized
and halves the reads of ``Y`` (written row by row, LLVM picked gathers and
ran six times slower). Each row still writes
only its own outputs, in an order fixed by the shapes, so any split of the
rows over threads gives identical results.
"""

import math

import numpy as np
from numba import prange

from ._config import jit
from ._fastexp import fast_exp

__all__ = ["online_lse"]

_BLOCK = 256
_GROUP = 8
_MIN_ROWS_PER_CHUNK = 16
_MAX_CHUNKS = 256
_LOW = 1e-200
_HIGH = 1e200


@jit
def _one_row_costs(xr, base, Yt, y2, j0, bl, out):
    d = Yt.shape[0]
    for jj in range(bl):
        out[jj] = base + y2[jj]
    k = 0
    # Two dimensions per pass: fewer round trips of ``out`` through L1.
    while k + 2 <= d:
        a0 = Yt[k, j0:j0 + bl]
        a1 = Yt[k + 1, j0:j0 + bl]
        x0 = -2.0 * np.float64(xr[k])
        x1 = -2.0 * np.float64(xr[k + 1])
        for jj in range(bl):
            out[jj] += x0 * a0[jj] + x1 * a1[jj]
        k += 2
    if k < d:
        a0 = Yt[k, j0:j0 + bl]
        x0 = -2.0 * np.float64(xr[k])
        for jj in range(bl):
            out[jj] += x0 * a0[jj]


@jit
def _two_row_costs(xa, xb, base_a, base_b, Yt, y2, j0, bl, ra, rb):
    # Each load of Y serves two rows.
    d = Yt.shape[0]
    for jj in range(bl):
        ra[jj] = base_a + y2[jj]
        rb[jj] = base_b + y2[jj]
    k = 0
    while k + 2 <= d:
        a0 = Yt[k, j0:j0 + bl]
        a1 = Yt[k + 1, j0:j0 + bl]
        xa0 = -2.0 * np.float64(xa[k])
        xa1 = -2.0 * np.float64(xa[k + 1])
        xb0 = -2.0 * np.float64(xb[k])
        xb1 = -2.0 * np.float64(xb[k + 1])
        for jj in range(bl):
            u0 = a0[jj]
            u1 = a1[jj]
            ra[jj] += xa0 * u0 + xa1 * u1
            rb[jj] += xb0 * u0 + xb1 * u1
        k += 2
    if k < d:
        a0 = Yt[k, j0:j0 + bl]
        xa0 = -2.0 * np.float64(xa[k])
        xb0 = -2.0 * np.float64(xb[k])
        for jj in range(bl):
            ra[jj] += xa0 * a0[jj]
            rb[jj] += xb0 * a0[jj]


@jit
def _group_costs(X, xx, g0, rows, Yt, yy, j0, bl, power, cost):
    """``cost[r, :bl] = c(x_{g0 + r}, y_{j0 + :bl})`` for ``r < rows``."""
    y2 = yy[j0:j0 + bl]
    r = 0
    while r + 2 <= rows:
        _two_row_costs(
            X[g0 + r], X[g0 + r + 1], xx[g0 + r], xx[g0 + r + 1], Yt, y2, j0, bl,
            cost[r, :bl], cost[r + 1, :bl],
        )
        r += 2
    if r < rows:
        _one_row_costs(X[g0 + r], xx[g0 + r], Yt, y2, j0, bl, cost[r, :bl])
    for r in range(rows):
        cr = cost[r, :bl]
        if power == 1:
            for jj in range(bl):
                cr[jj] = math.sqrt(max(cr[jj], 0.0))
        else:
            for jj in range(bl):
                cr[jj] = max(cr[jj], 0.0)


@jit
def _group_lse(
    X, xx, Yt, yy, gl, inv, power, Vt, g0, rows, exact, shift, s, sc, acc,
    cost, ex,
):
    """Shifted sums of one group of rows over all columns (IN/OUT ``shift``).

    With ``exact`` the shifts are first set to the row maxima.
    """
    m = Yt.shape[1]
    n_values = Vt.shape[0]
    if exact:
        for r in range(rows):
            shift[r] = -np.inf
        for j0 in range(0, m, _BLOCK):
            bl = min(_BLOCK, m - j0)
            _group_costs(X, xx, g0, rows, Yt, yy, j0, bl, power, cost)
            for r in range(rows):
                cr = cost[r]
                mx = shift[r]
                for jj in range(bl):
                    mx = max(mx, gl[j0 + jj] - cr[jj] * inv)
                shift[r] = mx
    for r in range(rows):
        s[r] = 0.0
        sc[r] = 0.0
        for k in range(n_values):
            acc[r, k] = 0.0
    for j0 in range(0, m, _BLOCK):
        bl = min(_BLOCK, m - j0)
        _group_costs(X, xx, g0, rows, Yt, yy, j0, bl, power, cost)
        for r in range(rows):
            cr = cost[r]
            sh = shift[r]
            bs = 0.0
            bc = 0.0
            for jj in range(bl):
                e = fast_exp(gl[j0 + jj] - cr[jj] * inv - sh)
                ex[jj] = e
                bs += e
                bc += e * cr[jj]
            s[r] += bs
            sc[r] += bc
            for k in range(n_values):
                Vk = Vt[k]
                t = 0.0
                for jj in range(bl):
                    t += ex[jj] * Vk[j0 + jj]
                acc[r, k] += t


@jit
def _online_rows(
    X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, lo, hi, cost, ex,
    acc, small,
):
    n_values = Vt.shape[0]
    inv = 1.0 / eps
    shift = small[0]
    s = small[1]
    sc = small[2]
    for g0 in range(lo, hi, _GROUP):
        rows = min(_GROUP, hi - g0)
        for r in range(rows):
            shift[r] = -F[g0 + r] * inv
        _group_lse(
            X, xx, Yt, yy, gl, inv, power, Vt, g0, rows, False, shift, s, sc,
            acc, cost, ex,
        )
        for r in range(rows):
            i = g0 + r
            if not (s[r] > _LOW and s[r] < _HIGH):
                # The guessed shift failed: redo this row with its maximum.
                _group_lse(
                    X, xx, Yt, yy, gl, inv, power, Vt, i, 1, True,
                    shift[r:r + 1], s[r:r + 1], sc[r:r + 1], acc[r:r + 1],
                    cost, ex,
                )
            F[i] = -eps * (shift[r] + math.log(s[r]))
            out_cost[i] = sc[r] / s[r]
            for k in range(n_values):
                out_V[i, k] = acc[r, k] / s[r]


@jit(parallel=True)
def _online_par(
    X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, scratch, acc, small
):
    n = X.shape[0]
    n_chunks = scratch.shape[0]
    size = (n + n_chunks - 1) // n_chunks
    size = (size + _GROUP - 1) // _GROUP * _GROUP
    for ch in prange(n_chunks):
        lo = min(n, ch * size)
        hi = min(n, lo + size)
        _online_rows(
            X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, lo, hi,
            scratch[ch, :_GROUP], scratch[ch, _GROUP], acc[ch], small[ch],
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
    # Chunks hold whole groups of rows; their number is capped so that the
    # scratch stays small (it depends on n only, so results do too).
    n_chunks = 1
    if parallel:
        n_chunks = min(_MAX_CHUNKS, -(-n // _MIN_ROWS_PER_CHUNK))
    scratch = np.empty((n_chunks, _GROUP + 1, _BLOCK))
    acc = np.empty((n_chunks, _GROUP, Vt.shape[0]))
    small = np.empty((n_chunks, 3, _GROUP))
    if parallel:
        _online_par(
            X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, scratch, acc,
            small,
        )
    else:
        _online_rows(
            X, xx, Yt, yy, gl, eps, power, F, Vt, out_V, out_cost, 0, n,
            scratch[0, :_GROUP], scratch[0, _GROUP], acc[0], small[0],
        )
