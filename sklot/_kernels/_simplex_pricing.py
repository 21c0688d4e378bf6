"""Pricing of the network simplex: which arc enters the tree next.

Two phases. When the caller asks for ``n_cand = k > 0`` candidates (large
problems), it first runs block search over a list of the ``k`` cheapest
arcs of every row and column, chosen with dual potentials that the caller
estimated on a coarse subproblem; when the list is priced out, a full scan
of ``M`` appends the most violated arcs of each row. When that scan finds
none the tree is optimal; when it finds too many, and on small problems
from the start, the classical block search over all arcs finishes: blocks
of arcs visited cyclically, the most negative reduced cost of a block
enters. Row segments are reduced with eight independent minima, which runs
several times faster than a serial minimum that the compiler cannot
vectorize without assuming no NaN.

Tree layout and potentials are those of :mod:`._simplex_tree`.
"""

import numpy as np
from numba import int64

from ._config import jit
from ._ot_candidates import col_candidates, row_candidates
from ._simplex_tree import MAX_REFRESH, _pivot, _tree_potentials

# full scans of the candidate phase before block search takes over
_MAX_ROUNDS = 64

# status codes returned in stats[1]
OPTIMAL = 0
MAX_ITER = 1

_CHUNK = 256


@jit
def _segment_min(M, i, pid, s, e):
    """Minimum of M[i, k] - pid[k] over s <= k < e, in eight lanes."""
    b0 = np.inf
    b1 = np.inf
    b2 = np.inf
    b3 = np.inf
    b4 = np.inf
    b5 = np.inf
    b6 = np.inf
    b7 = np.inf
    k = s
    # separate accumulators break the dependency chain of a serial min,
    # which the compiler will not vectorize without the no-NaN flag
    while k + 8 <= e:
        r0 = M[i, k] - pid[k]
        r1 = M[i, k + 1] - pid[k + 1]
        r2 = M[i, k + 2] - pid[k + 2]
        r3 = M[i, k + 3] - pid[k + 3]
        r4 = M[i, k + 4] - pid[k + 4]
        r5 = M[i, k + 5] - pid[k + 5]
        r6 = M[i, k + 6] - pid[k + 6]
        r7 = M[i, k + 7] - pid[k + 7]
        b0 = r0 if r0 < b0 else b0
        b1 = r1 if r1 < b1 else b1
        b2 = r2 if r2 < b2 else b2
        b3 = r3 if r3 < b3 else b3
        b4 = r4 if r4 < b4 else b4
        b5 = r5 if r5 < b5 else b5
        b6 = r6 if r6 < b6 else b6
        b7 = r7 if r7 < b7 else b7
        k += 8
    while k < e:
        r0 = M[i, k] - pid[k]
        b0 = r0 if r0 < b0 else b0
        k += 1
    b0 = b4 if b4 < b0 else b0
    b1 = b5 if b5 < b1 else b1
    b2 = b6 if b6 < b2 else b2
    b3 = b7 if b7 < b3 else b3
    b0 = b2 if b2 < b0 else b0
    b1 = b3 if b3 < b1 else b1
    return b1 if b1 < b0 else b0


@jit
def _segment_argmin(row, pid, s, e):
    best = np.inf
    arg = s
    for k in range(s, e):
        r = row[k] - pid[k]
        if r < best:
            best = r
            arg = k
    return arg


@jit(
    locals={
        "n": int64,
        "m": int64,
        "nm": int64,
        "n_arcs": int64,
        "kr": int64,
        "kc": int64,
        "na": int64,
        "p": int64,
        "i": int64,
        "j": int64,
    }
)
def _initial_candidates(M, f0, g0, k, pi, ai, aj, ac):
    """Fill ``ai, aj, ac`` with the k cheapest arcs of every row and column.

    Costs are reduced by ``(f0, g0)`` when given (empty arrays otherwise),
    by the current potentials ``pi`` otherwise. Returns the number of arcs.
    """
    n, m = M.shape
    kr = min(k, m)
    kc = min(k, n)
    pr = np.empty(n, np.float64)
    pc = np.empty(m, np.float64)
    if f0.shape[0] == n and g0.shape[0] == m:
        for i in range(n):
            pr[i] = -f0[i]
        for j in range(m):
            pc[j] = g0[j]
    else:
        for i in range(n):
            pr[i] = pi[i]
        for j in range(m):
            pc[j] = pi[n + j]
    out_j = np.empty((n, kr), np.int64)
    out_r = np.empty((n, kr), np.float64)
    counts = np.empty(n, np.int64)
    row_candidates(M, pr, pc, kr, 0.0, 1.0, False, out_j, out_r, counts)
    na = 0
    for i in range(n):
        for p in range(counts[i]):
            ai[na] = i
            aj[na] = out_j[i, p]
            ac[na] = M[i, out_j[i, p]]
            na += 1
    out_i = np.empty((m, kc), np.int64)
    out_c = np.empty((m, kc), np.float64)
    ccount = np.empty(m, np.int64)
    kth = np.empty(m, np.float64)
    col_candidates(M, pr, kc, out_i, out_c, ccount, kth)
    for j in range(m):
        for p in range(ccount[j]):
            i = out_i[j, p]
            # already listed for its row when strictly below the row's k-th
            if counts[i] == kr and (
                M[i, j] + pr[i] - pc[j] < out_r[i, kr - 1]
            ):
                continue
            ai[na] = i
            aj[na] = j
            ac[na] = M[i, j]
            na += 1
    return na


@jit
def _grow(arr, size):
    out = np.empty(size, arr.dtype)
    # an element loop: a slice copy compiles its shape check's error
    # message, which costs seconds on a first run
    for q in range(arr.shape[0]):
        out[q] = arr[q]
    return out


@jit(
    locals={
        "n": int64,
        "m": int64,
        "nm": int64,
        "root": int64,
        "block": int64,
        "i": int64,
        "j": int64,
        "scanned": int64,
        "cnt": int64,
        "n_iter": int64,
        "max_iter": int64,
        "status": int64,
        "n_refresh": int64,
        "n_cand": int64,
        "na": int64,
        "q": int64,
        "barg": int64,
        "n_add": int64,
        "n_round": int64,
        "p": int64,
        "k_add": int64,
    }
)
def _candidate_pricing(
    M, f0, g0, n_cand, max_iter, eps, art, scale, n_iter, parent, pred, up,
    thread, rev_thread, succ, pi, flow, buf, pos, side_a, side_b,
):
    """Pivot on a list of candidate arcs, extended by full scans of ``M``.

    Block search over a list of arcs, kept short so that a block holds many
    entering arcs; full scans of ``M`` append the ``k_add`` most violated
    arcs of each row until none is left. Returns ``(n_iter, status,
    n_round, solved)``; ``solved`` is False when block search over all arcs
    must finish (a scan found too many violated arcs, or too many scans).
    """
    n, m = M.shape
    nm = n + m
    root = nm
    pid = pi[n:nm]
    status = OPTIMAL
    n_round = 0
    solved = False
    k_add = max(n_cand // 2, 1)
    k_add = min(k_add, m)
    ai = np.empty(n * min(n_cand, m) + m * min(n_cand, n), np.int64)
    aj = np.empty(ai.shape[0], np.int64)
    ac = np.empty(ai.shape[0], np.float64)
    na = _initial_candidates(M, f0, g0, n_cand, pi, ai, aj, ac)
    out_j = np.empty((n, k_add), np.int64)
    out_r = np.empty((n, k_add), np.float64)
    counts = np.empty(n, np.int64)
    q = 0
    n_refresh = 0
    fresh = False
    while True:
        block = max(np.int64(np.sqrt(np.float64(na))), 10)
        best = 0.0
        barg = -1
        cnt = 0
        scanned = 0
        while scanned < na:
            i = ai[q]
            r = ac[q] + pi[i] - pid[aj[q]]
            if r < best:
                best = r
                barg = q
            q += 1
            if q == na:
                q = 0
            cnt += 1
            scanned += 1
            if cnt >= block:
                cnt = 0
                if barg >= 0 and best < -eps * max(scale, abs(pi[ai[barg]])):
                    break
        found = False
        if barg >= 0:
            i = ai[barg]
            j = aj[barg]
            best = ac[barg] + pi[i] - pid[j]
            found = best < -eps * max(scale, abs(pi[i]), abs(pid[j]))
        if found:
            if max_iter > 0 and n_iter >= max_iter:
                status = MAX_ITER
                break
            _pivot(i, n + j, i * m + j, best, parent, pred, up, thread,
                   rev_thread, succ, pi, flow, buf, pos, side_a, side_b)
            n_iter += 1
            fresh = False
            continue
        if not fresh and n_refresh < MAX_REFRESH:
            _tree_potentials(M, parent, pred, up, thread, pi, art, root)
            n_refresh += 1
            fresh = True
            continue
        if not fresh:
            _tree_potentials(M, parent, pred, up, thread, pi, art, root)
            fresh = True
        # the list is priced out: look for violated arcs in all of M
        row_candidates(M, pi[:n], pid, k_add, eps, scale, True, out_j,
                       out_r, counts)
        n_round += 1
        n_add = 0
        for i in range(n):
            n_add += counts[i]
        if n_add == 0:
            solved = True
            break
        if 2 * n_add > nm or n_round > _MAX_ROUNDS:
            # the list misses too much of the optimal support (or, against
            # rounding ties, keeps missing it): block search over all arcs
            # finishes from the current tree
            break
        if na + n_add > ai.shape[0]:
            size = max(2 * ai.shape[0], na + n_add)
            ai = _grow(ai, size)
            aj = _grow(aj, size)
            ac = _grow(ac, size)
        for i in range(n):
            for p in range(counts[i]):
                ai[na] = i
                aj[na] = out_j[i, p]
                ac[na] = M[i, out_j[i, p]]
                na += 1
        n_refresh = 0
    return n_iter, status, n_round, solved


@jit
def _block_size(n_arcs, block_size):
    """Arcs priced per block: ``block_size``, or ``sqrt(n_arcs)`` if <= 0."""
    block = block_size
    if block <= 0:
        block = max(np.int64(np.sqrt(np.float64(n_arcs))), 10)
    if block > n_arcs:
        block = n_arcs
    return block


@jit(
    locals={
        "n": int64,
        "m": int64,
        "n_arcs": int64,
        "block": int64,
        "i": int64,
        "j": int64,
        "jend": int64,
        "bi": int64,
        "bj": int64,
        "bs": int64,
        "be": int64,
        "s": int64,
        "e": int64,
        "cnt": int64,
        "scanned": int64,
    }
)
def _block_entering(M, pi, pid, block, eps, scale, i, j):
    """Entering arc of block search over all arcs, from arc ``(i, j)`` on.

    Blocks of ``block`` arcs are priced cyclically; the most negative
    reduced cost seen enters once a block ends with a violated arc, or
    after a full cycle. Returns ``(bi, bj, rc, i, j)``: the arc (``bi =
    -1`` when no arc prices out), its reduced cost and where the next
    search starts.
    """
    n, m = M.shape
    n_arcs = n * m
    best = 0.0
    bi = -1
    bs = 0
    be = 0
    cnt = 0
    scanned = 0
    found = False
    while scanned < n_arcs:
        jend = min(m, j + (block - cnt))
        pii = pi[i]
        s = j
        while s < jend:
            e = min(jend, s + _CHUNK)
            r = _segment_min(M, i, pid, s, e) + pii
            if r < best:
                best = r
                bi = i
                bs = s
                be = e
            s = e
        cnt += jend - j
        scanned += jend - j
        j = jend
        if j == m:
            j = 0
            i += 1
            if i == n:
                i = 0
        if cnt >= block:
            cnt = 0
            if bi >= 0 and best < -eps * max(scale, abs(pi[bi])):
                found = True
                break
    if not found and bi >= 0 and best < -eps * max(scale, abs(pi[bi])):
        found = True
    if found:
        bj = _segment_argmin(M[bi], pid, bs, be)
        best = M[bi, bj] + pi[bi] - pid[bj]
        if best < -eps * max(scale, abs(pi[bi]), abs(pid[bj])):
            return bi, bj, best, i, j
    return -1, -1, 0.0, i, j
