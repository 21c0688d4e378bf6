"""Kernels of the sparse Newton stage of dense Sinkhorn.

The iterate is the plan ``P_ij = au_i K_ij v_j`` on a stored kernel ``K``.
:func:`plan_pass` reads ``K`` once and returns everything a Newton step
needs from the dense plan: its row sums, its column sums (per row chunk)
and the entries at or above a threshold (up to a number per row).
:func:`plan_entries` reads ``K`` again and writes all those entries in CSR
order, for rows with more of them than that. Work is split into the
fixed row chunks of a scratch buffer, so results do not depend on the
thread count.
"""

import numpy as np
from numba import int64, prange

from ._config import jit

__all__ = ["plan_entries", "plan_pass"]

_BLOCK = 64


@jit
def _keep(Ki, v, ai, row_thr, lo, hi, slot_j, slot_p, i, k):
    """Store row ``i``'s large entries in ``[lo, hi)`` from slot ``k`` on.

    Returns the next free slot; entries beyond the last slot are dropped.
    """
    n_slots = slot_j.shape[1]
    for j in range(lo, hi):
        kv = Ki[j] * v[j]
        if kv >= row_thr and k < n_slots:
            slot_j[i, k] = j
            slot_p[i, k] = ai * kv
            k += 1
    return k


# k starts as the constant 0: typed int64 from the start, _keep compiles
# once instead of once more for the constant
@jit(locals={"k": int64})
def _pass_chunk(K, au, v, thr, r, cpart, counts, slot_j, slot_p, ch):
    n, m = K.shape
    n_chunks = cpart.shape[0]
    cp = cpart[ch]
    for j in range(m):
        cp[j] = 0.0
    # Columns by blocks of _BLOCK (a constant trip count vectorizes); the
    # rare block holding a large entry is scanned again while in cache.
    full = m - m % _BLOCK
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        Ki = K[i]
        ai = au[i]
        # Entries at or above thr are those with K_ij v_j >= thr / au_i.
        row_thr = thr / ai if ai > 0.0 else np.inf
        s = 0.0
        cnt = 0
        k = 0
        for lo in range(0, full, _BLOCK):
            hits = 0
            for j in range(lo, lo + _BLOCK):
                kv = Ki[j] * v[j]
                s += kv
                cp[j] += ai * Ki[j]
                if kv >= row_thr:
                    hits += 1
            if hits > 0:
                cnt += hits
                k = _keep(Ki, v, ai, row_thr, lo, lo + _BLOCK, slot_j, slot_p, i, k)
        for j in range(full, m):
            kv = Ki[j] * v[j]
            s += kv
            cp[j] += ai * Ki[j]
            if kv >= row_thr:
                cnt += 1
        if full < m:
            k = _keep(Ki, v, ai, row_thr, full, m, slot_j, slot_p, i, k)
        r[i] = ai * s
        counts[i] = cnt


@jit(parallel=True)
def _pass_par(K, au, v, thr, r, cpart, counts, slot_j, slot_p):
    for ch in prange(cpart.shape[0]):
        _pass_chunk(K, au, v, thr, r, cpart, counts, slot_j, slot_p, ch)


def plan_pass(K, au, v, thr, r, cpart, counts, slot_j, slot_p, parallel):
    """Row sums, column sums and large entries of ``au_i K_ij v_j``.

    ``r`` (OUT, ``n``): row sums. ``cpart`` (OUT, ``(n_chunks, m)``): per
    chunk ``sum_i au_i K_ij`` (column sums of the plan once summed over
    chunks and multiplied by ``v``). ``counts`` (OUT, int64 ``n``): per row,
    how many entries are at least ``thr`` (``thr > 0``). ``slot_j``,
    ``slot_p`` (OUT, ``(n, L)``): the first ``min(counts_i, L)`` of those
    entries of row ``i``, column index and value, in column order.
    """
    args = (K, au, v, thr, r, cpart, counts, slot_j, slot_p)
    if parallel:
        _pass_par(*args)
    else:
        for ch in range(cpart.shape[0]):
            _pass_chunk(*args, ch)


@jit
def _entries_chunk(K, au, v, thr, indptr, indices, data, n_chunks, ch):
    n, m = K.shape
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        ai = au[i]
        if not ai > 0.0:
            continue
        Ki = K[i]
        row_thr = thr / ai
        pos = indptr[i]
        end = indptr[i + 1]
        for j in range(m):
            kv = Ki[j] * v[j]
            if kv >= row_thr and pos < end:
                indices[pos] = j
                data[pos] = ai * kv
                pos += 1


@jit(parallel=True)
def _entries_par(K, au, v, thr, indptr, indices, data, n_chunks):
    for ch in prange(n_chunks):
        _entries_chunk(K, au, v, thr, indptr, indices, data, n_chunks, ch)


def plan_entries(K, au, v, thr, indptr, indices, data, n_chunks, parallel):
    """Write the entries of ``au_i K_ij v_j`` at or above ``thr`` as CSR.

    ``indptr`` (IN) comes from the counts of :func:`plan_pass` for the same
    ``au``, ``v`` and ``thr``; ``indices`` and ``data`` (OUT) have
    ``indptr[-1]`` slots.
    """
    if parallel:
        _entries_par(K, au, v, thr, indptr, indices, data, n_chunks)
    else:
        for ch in range(n_chunks):
            _entries_chunk(K, au, v, thr, indptr, indices, data, n_chunks, ch)
