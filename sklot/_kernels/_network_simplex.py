"""Primal network simplex for the dense transportation problem.

The graph is the complete bipartite graph from ``n`` supply nodes to ``m``
demand nodes plus an artificial root, as in the classical big-M start
(Ahuja, Magnanti and Orlin, *Network Flows*, ch. 11; Kelly and O'Neill's
block-search pricing as used by LEMON). Arc ``e = i * m + j`` costs
``M[i, j]`` and is never stored: costs are read from ``M``, endpoints from
the row and column of ``e``.

Only the spanning tree is stored. With no upper capacities a non-tree arc
carries no flow, so every flow lives on a tree arc and is kept with the
child node of that arc (``flow[u]`` is the flow on the arc from ``u`` to
``parent[u]``). The tree takes O(n + m) memory; the candidate list of the
pricing (below) adds O(k (n + m)) arcs and grows when full scans of ``M``
find violated arcs; the plan is written into a dense ``(n, m)`` array that
the caller allocates.

Tree layout per node ``u``: ``parent``, ``pred`` (arc id of the tree arc to
the parent; artificial arcs are ``n * m + u``), ``up`` (that arc points from
``u`` to its parent), ``thread`` / ``rev_thread`` (a circular preorder
list through the root) and ``succ`` (subtree size). A pivot walks the
subtree that moves once (its potentials shift), recording its old preorder;
the new preorder is a concatenation of runs of the old one, so only the run
ends are relinked. A pivot thus costs O(subtree + cycle) and needs no
last-successor bookkeeping.

Pricing has two phases. When the caller asks for ``n_cand = k > 0``
candidates (large problems), it first runs block search over a list of the
``k`` cheapest arcs of every row and column, chosen with dual potentials
that the caller estimated on a coarse subproblem; when the list is priced
out, a full scan of ``M`` appends the most violated arcs of each row. When
that scan finds none the tree is optimal; when it finds too many, and on
small problems from the start, the classical block search over all arcs
finishes: blocks of arcs visited cyclically, the most negative reduced cost
of a block enters. Row segments are reduced
with eight independent minima, which runs several times faster than a
serial minimum that the compiler cannot vectorize without assuming no NaN.

Node potentials ``pi`` use the convention reduced cost
``c(u, v) + pi[u] - pi[v]``; the transport duals are ``f = -pi[:n]`` and
``g = pi[n:n + m]``.
"""

import numpy as np
from numba import int64

from ._config import jit
from ._ot_candidates import col_candidates, row_candidates

__all__ = ["network_simplex"]

# full scans of the candidate phase before block search takes over
_MAX_ROUNDS = 64

# status codes returned in stats[1]
OPTIMAL = 0
MAX_ITER = 1

_INT_LOCALS = {
    "n": int64,
    "m": int64,
    "nm": int64,
    "root": int64,
    "n_arcs": int64,
}


@jit(locals=_INT_LOCALS)
def _init_tree(M, a, b, parent, pred, up, thread, rev_thread, succ, pi, flow, art):
    n, m = M.shape
    nm = n + m
    root = nm
    n_arcs = n * m
    for u in range(nm):
        parent[u] = root
        pred[u] = n_arcs + u
        thread[u] = u + 1
        rev_thread[u + 1] = u
        succ[u] = 1
        if u < n:
            # supply node: artificial arc u -> root of cost 0
            up[u] = True
            flow[u] = a[u]
            pi[u] = 0.0
        else:
            # demand node: artificial arc root -> u of cost art
            up[u] = False
            flow[u] = b[u - n]
            pi[u] = art
    parent[root] = -1
    pred[root] = -1
    up[root] = False
    flow[root] = 0.0
    pi[root] = 0.0
    succ[root] = nm + 1
    thread[root] = 0
    rev_thread[0] = root


@jit(
    locals={
        "first": int64,
        "second": int64,
        "u": int64,
        "v": int64,
        "x": int64,
        "n1": int64,
        "n2": int64,
        "k_out": int64,
        "u_out": int64,
        "v_in": int64,
        "size2": int64,
        "n_path": int64,
        "k": int64,
        "t": int64,
        "s": int64,
        "e1": int64,
        "s2": int64,
        "e2": int64,
        "prev": int64,
        "nxt": int64,
        "after": int64,
        "before": int64,
        "arc": int64,
    }
)
def _pivot(
    first,
    second,
    arc,
    rc,
    parent,
    pred,
    up,
    thread,
    rev_thread,
    succ,
    pi,
    flow,
    buf,
    pos,
    side_a,
    side_b,
):
    """Bring arc ``first -> second`` (reduced cost ``rc < 0``) into the tree."""
    # the two sides of the cycle up to its apex, walking up from the side
    # with the smaller subtree; kept in arrays so that later passes over the
    # cycle need no pointer chasing
    n1 = 0
    n2 = 0
    u = first
    v = second
    while u != v:
        if succ[u] < succ[v]:
            side_a[n1] = u
            n1 += 1
            u = parent[u]
        else:
            side_b[n2] = v
            n2 += 1
            v = parent[v]

    # leaving arc: the last blocking arc met when the cycle is traversed in
    # the direction of the entering arc starting at the apex (Cunningham's
    # rule, keeps the tree strongly feasible and prevents cycling)
    delta = np.inf
    k_out = -1
    first_side = True
    for k in range(n1):
        u = side_a[k]
        if up[u] and flow[u] < delta:
            delta = flow[u]
            k_out = k
    for k in range(n2):
        u = side_b[k]
        if not up[u] and flow[u] <= delta:
            delta = flow[u]
            k_out = k
            first_side = False
    if delta < 0.0:
        delta = 0.0

    if delta > 0.0:
        for k in range(n1):
            u = side_a[k]
            if up[u]:
                flow[u] -= delta
            else:
                flow[u] += delta
        for k in range(n2):
            u = side_b[k]
            if up[u]:
                flow[u] += delta
            else:
                flow[u] -= delta

    if first_side:
        v_in = second
        sigma = -rc
        path = side_a
        other = side_b
        n_other = n2
        n_side = n1
    else:
        v_in = first
        sigma = rc
        path = side_b
        other = side_a
        n_other = n1
        n_side = n2
    # path[0] = u_in, ..., path[k_out] = u_out: their parent links reverse
    n_path = k_out + 1
    u_out = path[k_out]

    # the subtree below the leaving arc, in preorder; shift its potentials
    size2 = succ[u_out]
    x = u_out
    for k in range(size2):
        buf[k] = x
        pos[x] = k
        pi[x] += sigma
        x = thread[x]
    after = x
    before = rev_thread[u_out]
    thread[before] = after
    rev_thread[after] = before

    # preorder of the re-rooted subtree: the old subtree of path[0], then for
    # each next path node its old subtree minus the one of its path child.
    # These pieces are runs of the old preorder, so only their ends relink.
    nxt = thread[v_in]
    prev = v_in
    s = pos[path[0]]
    e1 = s + succ[path[0]]
    thread[prev] = buf[s]
    rev_thread[buf[s]] = prev
    prev = buf[e1 - 1]
    for t in range(1, n_path):
        s = pos[path[t]]
        e1 = pos[path[t - 1]]
        s2 = e1 + succ[path[t - 1]]
        e2 = s + succ[path[t]]
        thread[prev] = buf[s]
        rev_thread[buf[s]] = prev
        prev = buf[e1 - 1]
        if s2 < e2:
            thread[prev] = buf[s2]
            rev_thread[buf[s2]] = prev
            prev = buf[e2 - 1]
    thread[prev] = nxt
    rev_thread[nxt] = prev

    # subtree sizes between the cycle ends and the apex
    for k in range(n_path, n_side):
        succ[path[k]] -= size2
    for k in range(n_other):
        succ[other[k]] += size2

    # reverse the path (old values are read before they are overwritten)
    for t in range(n_path - 1, 0, -1):
        x = path[t]
        u = path[t - 1]
        parent[x] = u
        pred[x] = pred[u]
        up[x] = not up[u]
        flow[x] = flow[u]
        succ[x] = size2 - succ[u]
    x = path[0]
    parent[x] = v_in
    pred[x] = arc
    up[x] = first_side
    flow[x] = delta
    succ[x] = size2


@jit(locals={"n": int64, "m": int64, "n_arcs": int64, "u": int64,
             "e": int64, "p": int64})
def _tree_potentials(M, parent, pred, up, thread, pi, art, root):
    """Recompute potentials exactly from the tree (removes drift)."""
    n, m = M.shape
    n_arcs = n * m
    pi[root] = 0.0
    u = thread[root]
    while u != root:
        p = parent[u]
        e = pred[u]
        if e < n_arcs:
            c = M[e // m, e % m]
        elif u < n:
            c = 0.0
        else:
            c = art
        # reduced cost c + pi[tail] - pi[head] = 0
        if up[u]:
            pi[u] = pi[p] - c
        else:
            pi[u] = pi[p] + c
        u = thread[u]


@jit(locals={"n": int64, "m": int64, "u": int64, "p": int64})
def _tree_flows(supply, parent, up, rev_thread, flow, excess, root):
    """Recompute tree flows from the supplies, leaves first."""
    for u in range(excess.shape[0]):
        excess[u] = supply[u]
    u = rev_thread[root]
    while u != root:
        p = parent[u]
        if up[u]:
            flow[u] = excess[u]
        else:
            flow[u] = -excess[u]
        excess[p] += excess[u]
        u = rev_thread[u]


_CHUNK = 256


@jit
def _segment_min(row, pid, s, e):
    """Minimum of row[k] - pid[k] over s <= k < e, in eight lanes."""
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
        r0 = row[k] - pid[k]
        r1 = row[k + 1] - pid[k + 1]
        r2 = row[k + 2] - pid[k + 2]
        r3 = row[k + 3] - pid[k + 3]
        r4 = row[k + 4] - pid[k + 4]
        r5 = row[k + 5] - pid[k + 5]
        r6 = row[k + 6] - pid[k + 6]
        r7 = row[k + 7] - pid[k + 7]
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
        r0 = row[k] - pid[k]
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
    out[: arr.shape[0]] = arr
    return out


@jit(locals={"n": int64, "m": int64, "i": int64, "j": int64})
def _cost_bounds(M):
    """Cost of the artificial arcs and the scale of the pricing tolerance."""
    n, m = M.shape
    cmax = -np.inf
    cmin = np.inf
    for i in range(n):
        for j in range(m):
            c = M[i, j]
            if c > cmax:
                cmax = c
            if c < cmin:
                cmin = c
    span = max(abs(cmax), abs(cmin))
    if span == 0.0:
        span = 1.0
    # an artificial path i -> root -> j costs art > M[i, j], so the direct
    # arc always beats it and artificial flow vanishes at the optimum
    art = cmax + span
    scale = art + span
    return art, scale


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
        if not fresh and n_refresh < 8:
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


@jit(locals={"n": int64, "m": int64, "nm": int64, "root": int64,
             "n_arcs": int64, "u": int64, "e": int64, "n_art": int64})
def _write_solution(M, a, b, parent, pred, up, rev_thread, pi, flow, plan, f,
                    g, value):
    """Write the plan, duals and cost of the final tree; return ``n_art``."""
    n, m = M.shape
    nm = n + m
    root = nm
    n_arcs = n * m
    # flows from the final tree, computed afresh so that rounding drift in
    # the pivots does not reach the marginals
    supply = np.empty(nm + 1, np.float64)
    pi_scratch = np.empty(nm + 1, np.float64)
    for u in range(n):
        supply[u] = a[u]
    for u in range(m):
        supply[n + u] = -b[u]
    supply[root] = 0.0
    _tree_flows(supply, parent, up, rev_thread, flow, pi_scratch, root)

    n_art = 0
    total = 0.0
    for u in range(nm):
        e = pred[u]
        x = flow[u]
        if x <= 0.0:
            continue
        if e < n_arcs:
            plan[e // m, e % m] = x
            total += x * M[e // m, e % m]
        else:
            n_art += 1
    value[0] = total
    for u in range(n):
        f[u] = -pi[u]
    for u in range(m):
        g[u] = pi[n + u]
    return n_art


@jit(
    locals={
        "n": int64,
        "m": int64,
        "nm": int64,
        "root": int64,
        "n_iter": int64,
        "max_iter": int64,
        "status": int64,
        "n_cand": int64,
        "n_round": int64,
        "n_art": int64,
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
        "n_refresh": int64,
    }
)
def network_simplex(
    M, a, b, max_iter, block_size, eps, f0, g0, n_cand, plan, f, g, stats,
    value,
):
    """Solve min <P, M> s.t. P 1 = a, P^T 1 = b, P >= 0 (IN: M, a, b).

    ``sum(a)`` must equal ``sum(b)`` up to rounding and every weight must be
    positive. With ``n_cand > 0`` pricing first runs on a list of candidate
    arcs (the ``n_cand`` cheapest of every row and column, reduced by the
    dual estimates ``f0, g0`` when these are not empty), extended by full
    scans until no arc of ``M`` prices out; if a scan finds violated arcs
    in more than about half of the rows and columns the list is dropped
    for block search over all arcs. OUT: ``plan`` (zero-filled on entry),
    ``f``, ``g``, ``stats`` (``[n_iter, status, n_art, n_round]``: status 0
    optimal, 1 stopped at ``max_iter``; ``n_art`` counts artificial arcs
    still carrying flow, ``n_round`` the full scans of the candidate phase)
    and ``value[0] = <plan, M>``. ``max_iter <= 0`` means no limit; a block
    size ``<= 0`` means ``sqrt(n * m)``.
    """
    n, m = M.shape
    nm = n + m
    root = nm
    parent = np.empty(nm + 1, np.int64)
    pred = np.empty(nm + 1, np.int64)
    up = np.empty(nm + 1, np.bool_)
    thread = np.empty(nm + 1, np.int64)
    rev_thread = np.empty(nm + 1, np.int64)
    succ = np.empty(nm + 1, np.int64)
    pi = np.empty(nm + 1, np.float64)
    flow = np.empty(nm + 1, np.float64)
    buf = np.empty(nm + 1, np.int64)
    pos = np.empty(nm + 1, np.int64)
    side_a = np.empty(nm + 1, np.int64)
    side_b = np.empty(nm + 1, np.int64)

    art, scale = _cost_bounds(M)
    _init_tree(M, a, b, parent, pred, up, thread, rev_thread, succ, pi, flow, art)

    # warm start: bring the cheapest arc into every demand node
    n_iter = 0
    status = OPTIMAL
    colmin = np.empty(m, np.float64)
    colarg = np.zeros(m, np.int64)
    for j in range(m):
        colmin[j] = M[0, j]
    for i in range(1, n):
        for j in range(m):
            if M[i, j] < colmin[j]:
                colmin[j] = M[i, j]
                colarg[j] = i
    for j in range(m):
        if max_iter > 0 and n_iter >= max_iter:
            status = MAX_ITER
            break
        i = colarg[j]
        rc = M[i, j] + pi[i] - pi[n + j]
        if rc < -eps * max(scale, abs(pi[i]), abs(pi[n + j])):
            _pivot(i, n + j, i * m + j, rc, parent, pred, up, thread,
                   rev_thread, succ, pi, flow, buf, pos, side_a, side_b)
            n_iter += 1

    n_round = 0
    solved = False
    if n_cand > 0 and status == OPTIMAL:
        n_iter, status, n_round, solved = _candidate_pricing(
            M, f0, g0, n_cand, max_iter, eps, art, scale, n_iter, parent,
            pred, up, thread, rev_thread, succ, pi, flow, buf, pos, side_a,
            side_b,
        )
    # block search pricing over all arcs, cyclically from (0, 0); kept in
    # this function: moved into its own, its pivots ran ~5% slower
    n_arcs = n * m
    pid = pi[n:nm]
    block = block_size
    if block <= 0:
        block = max(np.int64(np.sqrt(np.float64(n_arcs))), 10)
    if block > n_arcs:
        block = n_arcs
    i = 0
    j = 0
    n_refresh = 0
    fresh = False
    while status == OPTIMAL and not solved:
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
                r = _segment_min(M[i], pid, s, e) + pii
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
            found = best < -eps * max(scale, abs(pi[bi]), abs(pid[bj]))
        if not found:
            if fresh or n_refresh >= 8:
                break
            # confirm optimality with drift-free potentials
            _tree_potentials(M, parent, pred, up, thread, pi, art, root)
            n_refresh += 1
            fresh = True
            continue
        if max_iter > 0 and n_iter >= max_iter:
            status = MAX_ITER
            break
        _pivot(bi, n + bj, bi * m + bj, best, parent, pred, up, thread,
               rev_thread, succ, pi, flow, buf, pos, side_a, side_b)
        n_iter += 1
        fresh = False
    if status == OPTIMAL:
        _tree_potentials(M, parent, pred, up, thread, pi, art, root)
    n_art = _write_solution(M, a, b, parent, pred, up, rev_thread, pi, flow,
                            plan, f, g, value)
    stats[0] = n_iter
    stats[1] = status
    stats[2] = n_art
    stats[3] = n_round
