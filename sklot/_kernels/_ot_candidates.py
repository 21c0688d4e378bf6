"""Candidate arcs for pricing a dense transportation problem.

The network simplex in :mod:`._network_simplex` prices a short list of
arcs, those most likely to enter an optimal basis, and scans the whole cost
matrix only to confirm optimality or to extend the list. The kernels here
select, for every row or column, the arcs of smallest reduced cost
``M[i, j] + pr[i] - pc[j]`` with a bounded insertion list, and compute the
c-transforms that extend dual potentials known on a subset of the columns
to all rows and columns.
"""

import numpy as np
from numba import int64

from ._config import jit

__all__ = ["c_transform_cols", "c_transform_rows", "col_candidates", "row_candidates"]


@jit(locals={"p": int64})
def _insert(idx, val, cnt, k, item, r):
    """Insert ``(item, r)`` into the sorted list ``val[:cnt]``; the new length.

    The list holds at most ``k`` entries: when full, the largest drops out.
    """
    p = cnt if cnt < k else k - 1
    while p > 0 and val[p - 1] > r:
        val[p] = val[p - 1]
        idx[p] = idx[p - 1]
        p -= 1
    val[p] = r
    idx[p] = item
    return cnt + 1 if cnt < k else k


@jit(locals={"cnt": int64})
def row_candidates(M, pr, pc, k, eps, scale, negative, out_j, out_r, counts):
    """For each row, the ``k`` columns of smallest reduced cost.

    IN: ``M`` (n, m), row and column potentials ``pr`` (n,), ``pc`` (m,).
    With ``negative`` only arcs whose reduced cost is below
    ``-eps * max(scale, |pr[i]|, |pc[j]|)`` count. OUT: ``out_j`` (n, >= k)
    the columns sorted by reduced cost, ``out_r`` their reduced costs and
    ``counts`` (n,) how many were found per row.
    """
    n, m = M.shape
    for i in range(n):
        cnt = 0
        kth = np.inf
        pri = pr[i]
        row = M[i]
        for j in range(m):
            r = row[j] + pri - pc[j]
            if r < kth:
                if negative and not r < -eps * max(scale, abs(pri), abs(pc[j])):
                    continue
                cnt = _insert(out_j[i], out_r[i], cnt, k, j, r)
                if cnt == k:
                    kth = out_r[i, k - 1]
        counts[i] = cnt


@jit(locals={"cnt": int64})
def col_candidates(M, pr, k, out_i, out_r, counts, kth):
    """For each column, the ``k`` rows of smallest ``M[i, j] + pr[i]``.

    OUT: ``out_i`` (m, k) sorted rows, ``out_r`` (m, k) their values,
    ``counts`` (m,); ``kth`` (m,) is scratch. Rows are read in order so
    that ``M`` is streamed once.
    """
    n, m = M.shape
    for j in range(m):
        counts[j] = 0
        kth[j] = np.inf
    for i in range(n):
        row = M[i]
        pri = pr[i]
        for j in range(m):
            r = row[j] + pri
            if r < kth[j]:
                cnt = _insert(out_i[j], out_r[j], counts[j], k, i, r)
                counts[j] = cnt
                if cnt == k:
                    kth[j] = out_r[j, k - 1]


@jit
def c_transform_rows(M, cols, g, f):
    """OUT ``f[i] = min_t M[i, cols[t]] - g[t]`` for every row."""
    n = M.shape[0]
    for i in range(n):
        best = np.inf
        for t in range(cols.shape[0]):
            r = M[i, cols[t]] - g[t]
            best = r if r < best else best
        f[i] = best


@jit
def c_transform_cols(M, f, g):
    """OUT ``g[j] = min_i M[i, j] - f[i]`` for every column."""
    n, m = M.shape
    for j in range(m):
        g[j] = np.inf
    for i in range(n):
        fi = f[i]
        for j in range(m):
            r = M[i, j] - fi
            g[j] = r if r < g[j] else g[j]
