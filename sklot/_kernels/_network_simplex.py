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
``parent[u]``). Memory is therefore O(n + m) on top of ``M``.

Tree layout per node ``u``: ``parent``, ``pred`` (arc id of the tree arc to
the parent; artificial arcs are ``n * m + u``), ``up`` (that arc points from
``u`` to its parent), ``thread`` / ``rev_thread`` (a circular preorder
list through the root) and ``succ`` (subtree size). A pivot rebuilds the
preorder of the subtree that moves from a buffer of that subtree, so it
costs O(subtree + cycle) and needs no last-successor bookkeeping.

Node potentials ``pi`` use the convention reduced cost
``c(u, v) + pi[u] - pi[v]``; the transport duals are ``f = -pi[:n]`` and
``g = pi[n:n + m]``.
"""

import numpy as np
from numba import int64

from ._config import jit

__all__ = ["network_simplex"]

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
        "join": int64,
        "u": int64,
        "v": int64,
        "x": int64,
        "u_out": int64,
        "u_in": int64,
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
    path,
):
    """Bring arc ``first -> second`` (reduced cost ``rc < 0``) into the tree."""
    # apex of the cycle: walk up from the side with the smaller subtree
    u = first
    v = second
    while u != v:
        if succ[u] < succ[v]:
            u = parent[u]
        else:
            v = parent[v]
    join = u

    # leaving arc: the last blocking arc met when the cycle is traversed in
    # the direction of the entering arc starting at the apex (Cunningham's
    # rule, keeps the tree strongly feasible and prevents cycling)
    delta = np.inf
    u_out = -1
    first_side = True
    u = first
    while u != join:
        if up[u]:
            if flow[u] < delta:
                delta = flow[u]
                u_out = u
        u = parent[u]
    u = second
    while u != join:
        if not up[u]:
            if flow[u] <= delta:
                delta = flow[u]
                u_out = u
                first_side = False
        u = parent[u]
    if delta < 0.0:
        delta = 0.0

    if delta > 0.0:
        u = first
        while u != join:
            if up[u]:
                flow[u] -= delta
            else:
                flow[u] += delta
            u = parent[u]
        u = second
        while u != join:
            if up[u]:
                flow[u] += delta
            else:
                flow[u] -= delta
            u = parent[u]

    if first_side:
        u_in = first
        v_in = second
        sigma = -rc
    else:
        u_in = second
        v_in = first
        sigma = rc

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

    # path u_in -> ... -> u_out whose parent links get reversed
    n_path = 0
    x = u_in
    while True:
        path[n_path] = x
        n_path += 1
        if x == u_out:
            break
        x = parent[x]

    # preorder of the re-rooted subtree: the old subtree of path[0], then for
    # each next path node its old subtree minus the one of its path child
    nxt = thread[v_in]
    prev = v_in
    x = path[0]
    s = pos[x]
    e1 = s + succ[x]
    for k in range(s, e1):
        x = buf[k]
        thread[prev] = x
        rev_thread[x] = prev
        prev = x
    for t in range(1, n_path):
        s = pos[path[t]]
        e1 = pos[path[t - 1]]
        s2 = e1 + succ[path[t - 1]]
        e2 = s + succ[path[t]]
        for k in range(s, e1):
            x = buf[k]
            thread[prev] = x
            rev_thread[x] = prev
            prev = x
        for k in range(s2, e2):
            x = buf[k]
            thread[prev] = x
            rev_thread[x] = prev
            prev = x
    thread[prev] = nxt
    rev_thread[nxt] = prev

    # subtree sizes outside the moved subtree
    x = parent[u_out]
    while x != join:
        succ[x] -= size2
        x = parent[x]
    x = v_in
    while x != join:
        succ[x] += size2
        x = parent[x]

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


@jit(
    locals={
        "n": int64,
        "m": int64,
        "nm": int64,
        "root": int64,
        "n_arcs": int64,
        "block": int64,
        "i": int64,
        "j": int64,
        "jj": int64,
        "jend": int64,
        "bi": int64,
        "bj": int64,
        "cnt": int64,
        "scanned": int64,
        "n_iter": int64,
        "max_iter": int64,
        "u": int64,
        "e": int64,
        "n_refresh": int64,
    }
)
def network_simplex(M, a, b, max_iter, block_size, eps, plan, f, g, stats):
    """Solve min <P, M> s.t. P 1 = a, P^T 1 = b, P >= 0 (IN: M, a, b).

    ``sum(a)`` must equal ``sum(b)`` up to rounding and every weight must be
    positive. OUT: ``plan`` (zero-filled on entry), ``f``, ``g`` and ``stats``
    (``[n_iter, status, n_art]``: status 0 optimal, 1 stopped at
    ``max_iter``; ``n_art`` counts artificial arcs still carrying flow).
    ``max_iter <= 0`` means no limit.
    """
    n, m = M.shape
    nm = n + m
    root = nm
    n_arcs = n * m
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
    path = np.empty(nm + 1, np.int64)

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

    _init_tree(M, a, b, parent, pred, up, thread, rev_thread, succ, pi, flow, art)

    n_iter = 0
    status = OPTIMAL

    # warm start: bring the cheapest arc into every demand node
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
                   rev_thread, succ, pi, flow, buf, pos, path)
            n_iter += 1

    # block search pricing over the arcs, cyclically from (i, j)
    block = block_size
    if block <= 0:
        block = max(np.int64(np.sqrt(np.float64(n_arcs))), 10)
    if block > n_arcs:
        block = n_arcs
    i = 0
    j = 0
    n_refresh = 0
    fresh = False
    while status == OPTIMAL:
        best = 0.0
        bi = -1
        bj = -1
        cnt = 0
        scanned = 0
        found = False
        while scanned < n_arcs:
            jend = min(m, j + (block - cnt))
            pii = pi[i]
            for jj in range(j, jend):
                r = M[i, jj] + pii - pi[n + jj]
                if r < best:
                    best = r
                    bi = i
                    bj = jj
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
                if bi >= 0 and best < -eps * max(
                    scale, abs(pi[bi]), abs(pi[n + bj])
                ):
                    found = True
                    break
        if not found and bi >= 0 and best < -eps * max(
            scale, abs(pi[bi]), abs(pi[n + bj])
        ):
            found = True
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
               rev_thread, succ, pi, flow, buf, pos, path)
        n_iter += 1
        fresh = False

    if status == OPTIMAL:
        _tree_potentials(M, parent, pred, up, thread, pi, art, root)

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
    for u in range(nm):
        e = pred[u]
        x = flow[u]
        if x <= 0.0:
            continue
        if e < n_arcs:
            plan[e // m, e % m] = x
        else:
            n_art += 1
    for u in range(n):
        f[u] = -pi[u]
    for u in range(m):
        g[u] = pi[n + u]
    stats[0] = n_iter
    stats[1] = status
    stats[2] = n_art
