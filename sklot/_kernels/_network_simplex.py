"""Primal network simplex for the dense transportation problem.

The graph is the complete bipartite graph from ``n`` supply nodes to ``m``
demand nodes plus an artificial root, as in the classical big-M start
(Ahuja, Magnanti and Orlin, *Network Flows*, ch. 11; Kelly and O'Neill's
block-search pricing as used by LEMON). Arc ``e = i * m + j`` costs
``M[i, j]`` and is never stored: costs are read from ``M``, endpoints from
the row and column of ``e``.

The steps: the cost bounds give the cost of the artificial arcs; the tree
starts with every node hung on the root (:mod:`._simplex_tree`, which also
holds the pivot); a warm start brings the cheapest arc into every demand
node; pricing (:mod:`._simplex_pricing`) picks entering arcs, first from a
candidate list when the caller asks for one, then by block search over all
arcs, until no arc prices out; the plan, duals and cost are written from the
final tree.

Only the tree is stored, in O(n + m) memory; the candidate list of the
pricing adds O(k (n + m)) arcs and grows when full scans of ``M`` find
violated arcs; the plan is written into a dense ``(n, m)`` array that the
caller allocates.

Node potentials ``pi`` use the convention reduced cost
``c(u, v) + pi[u] - pi[v]``; the transport duals are ``f = -pi[:n]`` and
``g = pi[n:n + m]``.
"""

import numpy as np
from numba import int64

from ._config import jit
from ._simplex_pricing import (
    MAX_ITER,
    OPTIMAL,
    _block_entering,
    _block_size,
    _candidate_pricing,
)
from ._simplex_tree import (
    MAX_REFRESH,
    _init_tree,
    _pivot,
    _tree_flows,
    _tree_potentials,
)

__all__ = ["network_simplex"]


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


@jit(locals={"n": int64, "m": int64, "i": int64, "j": int64})
def _column_argmin(M):
    """Row of the cheapest arc into every column (the first one on ties)."""
    n, m = M.shape
    colmin = np.empty(m, np.float64)
    colarg = np.zeros(m, np.int64)
    for j in range(m):
        colmin[j] = M[0, j]
    for i in range(1, n):
        for j in range(m):
            if M[i, j] < colmin[j]:
                colmin[j] = M[i, j]
                colarg[j] = i
    return colarg


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
        "block": int64,
        "i": int64,
        "j": int64,
        "bi": int64,
        "bj": int64,
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
    colarg = _column_argmin(M)
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
    # block search over all arcs; the pivots stay in this function (each
    # caller of _pivot compiles a copy of it)
    pid = pi[n:nm]
    block = _block_size(n * m, block_size)
    i = 0
    j = 0
    n_refresh = 0
    fresh = False
    while status == OPTIMAL and not solved:
        bi, bj, best, i, j = _block_entering(M, pi, pid, block, eps, scale,
                                             i, j)
        if bi < 0:
            if fresh or n_refresh >= MAX_REFRESH:
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
