"""The spanning tree of the network simplex and its pivot.

Only the spanning tree is stored. With no upper capacities a non-tree arc
carries no flow, so every flow lives on a tree arc and is kept with the
child node of that arc (``flow[u]`` is the flow on the arc from ``u`` to
``parent[u]``). Nodes are the ``n`` supply nodes, the ``m`` demand nodes
and the artificial root ``n + m``; arc ``e = i * m + j`` of the cost matrix
``M`` has its endpoints in the row and column of ``e``, and artificial arcs
are ``n * m + u``.

Tree layout per node ``u``: ``parent``, ``pred`` (arc id of the tree arc to
the parent), ``up`` (that arc points from ``u`` to its parent), ``thread``
/ ``rev_thread`` (a circular preorder list through the root) and ``succ``
(subtree size). A pivot walks the subtree that moves once (its potentials
shift), recording its old preorder; the new preorder is a concatenation of
runs of the old one, so only the run ends are relinked. A pivot thus costs
O(subtree + cycle) and needs no last-successor bookkeeping.

Node potentials ``pi`` use the convention reduced cost
``c(u, v) + pi[u] - pi[v]``.
"""

import numpy as np
from numba import int64

from ._config import jit

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


# Times the pricing loops recompute the potentials from the tree before
# they trust an optimality verdict (drift from incremental updates).
MAX_REFRESH = 8


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
