"""Entropic transport costs between every sparse histogram and every target.

Each (histogram, target) pair runs the stabilized scaling of
``_scaling.py`` on its own kernel, the target side accelerated by Anderson
mixing. Every ``prange`` iteration solves the pairs of one histogram
(_solve_row) and writes its own output slots, so results are bitwise
identical for any number of threads.
"""

import math

import numpy as np
from numba import boolean, int64, prange

from ._config import jit
from ._scaling import (
    _BIG,
    _SMALL,
    _adapt,
    _col_transform,
    _dense_apply,
    _dense_apply_t,
    _relax,
    _row_transform,
)

__all__ = ["sinkhorn_batch"]


# Anderson acceleration (Anderson, 1965; Walker and Ni, 2011) of the
# column half-step in log form, x = log v: the fixed-point map is
# x -> log b - log(Kt^T (a / Kt e^x)), with residual f = log(b / (v t)).
# Each step extrapolates from the last _DEPTH differences of residuals and
# steps by a small regularized least-squares fit (normal equations,
# Cholesky). The logs and exponentials are short series, so a step spends
# no transcendental function, and the fixed points stay Sinkhorn's (the
# series vanish exactly at ratio 1). While a ratio is far from 1 the step
# is a plain Sinkhorn step and the memory is emptied. No new best error in
# _STALL steps, or an error above _GROWTH times the best, empties the
# memory too; after _RESTARTS of those the pair goes on with over-relaxed
# plain steps (see _relax), steadier when reg is small.
_DEPTH = 5
_GROWTH = 100.0
_STALL = 10
_RESTARTS = 8


@jit(error_model="numpy")
def _residual(b, v, t, idle, res):
    # res_j = log(b_j / (v_j t_j)) on bins with mass (``idle`` 0), 0 on the
    # others (``idle`` 1), by the series of 2 atanh(z),
    # z = (b - v t) / (b + v t), error below 1e-9 for |z| <= 0.1.
    # Returns the L1 error and whether a ratio is outside that range.
    m = b.shape[0]
    err = 0.0
    far = 0.0
    for j in range(m):
        vt = v[j] * t[j]
        err += abs(b[j] - vt)
        z = (b[j] - vt) / (b[j] + vt + idle[j])
        z2 = z * z
        res[j] = 2.0 * z * (1.0 + z2 * (1.0 / 3.0 + z2 * (0.2 + z2 / 7.0)))
        far += 0.0 if z2 <= 0.01 else 1.0
    return err, far > 0.0


@jit(inline="always")
def _exp_series(d):
    # exp(d) to 3e-7 relative for |d| <= 0.25
    return 1.0 + d * (1.0 + d * (0.5 + d * (1.0 / 6.0 + d * (
        1.0 / 24.0 + d / 120.0))))


@jit(error_model="numpy")
def _scale(v, step, idle):
    # v_j *= exp(step_j), a series for small steps; returns whether a
    # scaling of a bin with mass left [_SMALL, _BIG] (or is not a number).
    m = v.shape[0]
    far = 0.0
    for j in range(m):
        far += 0.0 if abs(step[j]) <= 0.25 else 1.0
    if far == 0.0:
        # branch-free loop: it vectorizes
        for j in range(m):
            v[j] *= _exp_series(step[j])
    else:
        for j in range(m):
            d = step[j]
            if abs(d) <= 0.25:
                v[j] *= _exp_series(d)
            else:
                v[j] *= math.exp(min(d, 700.0))
    out = 0.0
    for j in range(m):
        out += 0.0 if _SMALL <= v[j] + idle[j] <= _BIG else 1.0
    return out > 0.0


@jit(error_model="numpy")
def _anderson(f, step, last_f, w, df, gram, n_mem, head, chol, gam):
    # Push the last step into slot ``head`` of the memory (residual
    # differences ``df``, step plus residual differences ``w``) and write
    # the extrapolated step into ``step`` (on entry the previous step).
    # Returns the number of columns used, 0 on failure.
    depth, m = df.shape
    for j in range(m):
        d = f[j] - last_f[j]
        df[head, j] = d
        w[head, j] = step[j] + d
    for q in range(n_mem):
        acc = 0.0
        rhs = 0.0
        for j in range(m):
            acc += df[head, j] * df[q, j]
            rhs += df[q, j] * f[j]
        gram[head, q] = acc
        gram[q, head] = acc
        gam[q] = rhs
    trace = 0.0
    for q in range(n_mem):
        trace += gram[q, q]
    if not 0.0 < trace < np.inf:
        return 0
    ridge = 1e-10 * trace
    # Cholesky of gram + ridge I, then solve for the right-hand side df f
    for q in range(n_mem):
        for c in range(q + 1):
            acc = gram[q, c] + (ridge if q == c else 0.0)
            for e in range(c):
                acc -= chol[q, e] * chol[c, e]
            if q == c:
                if not acc > 0.0:
                    return 0
                chol[q, q] = math.sqrt(acc)
            else:
                chol[q, c] = acc / chol[c, c]
    for q in range(n_mem):
        acc = gam[q]
        for e in range(q):
            acc -= chol[q, e] * gam[e]
        gam[q] = acc / chol[q, q]
    for q in range(n_mem - 1, -1, -1):
        acc = gam[q]
        for e in range(q + 1, n_mem):
            acc -= chol[e, q] * gam[e]
        gam[q] = acc / chol[q, q]
    for j in range(m):
        step[j] = f[j]
    for q in range(n_mem):
        gq = gam[q]
        for j in range(m):
            step[j] -= gq * w[q, j]
    total = 0.0
    for j in range(m):
        total += step[j]
    if not abs(total) < np.inf:
        return 0
    return n_mem


# The steps of an iteration below call no other kernel: in a function that
# does, numba keeps a reference-count update per array argument, which on
# 8 x 8 images cost 5-10% of the whole solve. The pairs of a histogram run
# in one function (_solve_row) for the same reason.


@jit(error_model="numpy")
def _start_pair(b, lv, reg, g, idle, v):
    # column potentials from the stored log-scalings, unit scalings
    for j in range(b.shape[0]):
        g[j] = lv[j] * reg if b[j] > 0 else -np.inf
        idle[j] = 0.0 if b[j] > 0 else 1.0
        v[j] = 1.0 if b[j] > 0 else 0.0


@jit(error_model="numpy")
def _watch(err, it, best, stall, restarts, switch):
    # No new best error in _STALL steps, or an error above _GROWTH times the
    # best, restarts Anderson's memory. Returns the new (best, stall,
    # restarts, switch) and whether the memory restarts.
    if err < best:
        return err, 0, restarts, switch, False
    stall += 1
    if stall > _STALL or not err <= _GROWTH * best:
        restarts += 1
        if restarts == _RESTARTS + 1:
            switch = it
        return err, 0, restarts, switch, True
    return best, stall, restarts, switch, False


@jit(error_model="numpy")
def _plain_target_step(b, t, v, omega):
    # v_j <- b_j / t_j (over-relaxed by omega); returns whether a scaling
    # left its range or a column sum vanished (absorb and rebuild).
    absorb = False
    for j in range(b.shape[0]):
        if b[j] > 0:
            if t[j] > 0:
                v[j] = _relax(v[j], b[j] / t[j], omega)
                if not _SMALL <= v[j] <= _BIG:
                    absorb = True
            else:
                absorb = True
    return absorb


@jit(error_model="numpy")
def _source_step(a, y, x, omega):
    # u_r <- a_r / y_r with y = Kt v (over-relaxed by omega); returns the L1
    # error of the row marginals and whether to absorb.
    absorb = False
    row_err = 0.0
    for r in range(a.shape[0]):
        if y[r] > 0:
            x[r] = _relax(x[r], a[r] / y[r], omega)
            row_err += abs(a[r] - x[r] * y[r])
            if x[r] > _BIG or x[r] < _SMALL:
                absorb = True
        else:
            absorb = True
    return row_err, absorb


@jit(error_model="numpy")
def _absorb_source(C, idx, b, reg, x, v, f, g, Kt, top, t):
    # u absorbed into f, then the exact v-update in the log domain
    for r in range(idx.shape[0]):
        f[r] += reg * math.log(x[r])
        x[r] = 1.0
    _col_transform(C, idx, b, f, reg, g, Kt, top, t)
    for j in range(b.shape[0]):
        v[j] = 1.0 if b[j] > 0 else 0.0


@jit(error_model="numpy")
def _absorb_target(C, G, shift, idx, a, b, reg, x, v, f, g, Kt, top):
    # v absorbed into g, then the exact u-update in the log domain
    for j in range(b.shape[0]):
        if b[j] > 0:
            g[j] += reg * math.log(v[j])
            v[j] = 1.0
    _row_transform(C, idx, a, g, reg, f, Kt, G, shift, top)
    x[:] = 1.0


@jit(error_model="numpy")
def _finish_pair(C, idx, b, reg, x, v, g, Kt, lv):
    # Stores the log-scalings of the target side in lv; returns <P, C>.
    s, m = Kt.shape
    total = 0.0
    for r in range(s):
        acc = 0.0
        for j in range(m):
            acc += Kt[r, j] * v[j] * C[idx[r], j]
        total += x[r] * acc
    inv_reg = 1.0 / reg
    for j in range(m):
        lv[j] = g[j] * inv_reg + math.log(v[j]) if b[j] > 0 else -np.inf
    return total


# Counters that start as constants are typed as such while numba infers
# the loop; without these types each step they reach would compile twice
# (once for the constant, once for the loop's type).
@jit(error_model="numpy", locals={
    "head": int64, "stall": int64, "restarts": int64, "switch": int64,
    "relax": boolean,
})
def _solve_row(C, G, shift, idx, a, B, reg, max_iter, tol, logv, cost, n_iter,
               error):
    """Every pair of one sparse histogram ``(idx, a)`` with a target of ``B``.

    Stabilized scaling: plan = diag(u) Kt diag(v) with Kt built from
    absorbed potentials; an exact log-domain half-step rebuilds Kt when a
    scaling leaves its range or a sum underflows. The target side is
    accelerated (see _anderson). Writes row ``i`` of the outputs of
    :func:`sinkhorn_batch` (``logv``, ``cost``, ``n_iter``, ``error``).
    """
    K, m = B.shape
    s = idx.shape[0]
    x = np.empty(s)  # u
    y = np.empty(s)  # K v
    f = np.empty(s)
    v = np.empty(m)
    t = np.empty(m)
    g = np.empty(m)
    top = np.empty(m)
    res = np.empty(m)
    step = np.empty(m)
    last = np.empty(m)
    idle = np.empty(m)
    w = np.empty((_DEPTH, m))
    df = np.empty((_DEPTH, m))
    gram = np.empty((_DEPTH, _DEPTH))
    chol = np.empty((_DEPTH, _DEPTH))
    gam = np.empty(_DEPTH)
    Kt = np.empty((s, m))
    for k in range(K):
        b = B[k]
        _start_pair(b, logv[k], reg, g, idle, v)
        _row_transform(C, idx, a, g, reg, f, Kt, G, shift, top)
        x[:] = 1.0
        _dense_apply_t(Kt, x, t)
        it = 0
        n_mem = 0  # columns in the memory
        head = 0  # next slot to fill
        primed = False  # ``step`` and ``last`` hold the previous step
        restarts = 0
        stall = 0
        switch = 0
        omega = 1.0
        relax = True
        rbest = np.inf
        early = np.inf
        best = np.inf
        row_err = 0.0
        while True:
            err, far = _residual(b, v, t, idle, res)
            err += row_err
            if err <= tol or it >= max_iter:
                break
            it += 1
            best, stall, restarts, switch, restart = _watch(
                err, it, best, stall, restarts, switch
            )
            if far or restart or restarts > _RESTARTS:
                # plain Sinkhorn step, the memory restarts; a pair that
                # restarted too often goes on over-relaxed (_relax)
                n_mem = 0
                head = 0
                primed = False
                if restarts > _RESTARTS:
                    omega, relax, rbest, early = _adapt(
                        it - switch, err, omega, relax, rbest, early
                    )
                absorb = _plain_target_step(b, t, v, omega)
            else:
                used = 0
                if primed:
                    n_mem = min(n_mem + 1, _DEPTH)
                    used = _anderson(res, step, last, w, df, gram, n_mem,
                                     head, chol, gam)
                    head = (head + 1) % _DEPTH
                    n_mem = n_mem if used else 0
                    head = head if used else 0
                # element loops, not slice copies: numba compiles an error
                # message for a slice copy's shape check (seconds, once per
                # set of compile flags)
                if used == 0:
                    for j in range(m):
                        step[j] = res[j]
                for j in range(m):
                    last[j] = res[j]
                absorb = _scale(v, step, idle)
                primed = True
            if absorb:
                _absorb_source(C, idx, b, reg, x, v, f, g, Kt, top, t)
                n_mem = 0
                head = 0
                primed = False
            _dense_apply(Kt, v, y)
            row_err, absorb = _source_step(a, y, x, omega)
            if absorb:
                _absorb_target(C, G, shift, idx, a, b, reg, x, v, f, g, Kt,
                               top)
                row_err = 0.0
            _dense_apply_t(Kt, x, t)
        cost[k] = _finish_pair(C, idx, b, reg, x, v, g, Kt, logv[k])
        n_iter[k] = it
        error[k] = err


@jit(parallel=True)
def sinkhorn_batch(
    C, G, shift, indptr, indices, values, B, reg, max_iter, tol, logv, cost,
    n_iter, error,
):
    """Entropic OT between every sparse histogram and every dense target.

    Each pair runs stabilized scaling iterations on its own kernel, the
    target-side updates accelerated by Anderson mixing (see _solve_row).

    C : (n, m) cost                                                IN
    G : (n, m) exp(-(C - shift) / reg), or (0, m) if it would underflow IN
    indptr, indices, values : CSR sources over the n rows          IN
    B : (K, m) targets (zeros allowed)                             IN
    logv : (N, K, m) log-scalings of the target side            IN/OUT
    cost : (N, K) linear cost <P, C> of each entropic plan          OUT
    n_iter, error : (N, K) iterations and final L1 marginal error   OUT
    """
    for i in prange(indptr.shape[0] - 1):
        lo, hi = indptr[i], indptr[i + 1]
        _solve_row(C, G, shift, indices[lo:hi], values[lo:hi], B, reg,
                   max_iter, tol, logv[i], cost[i], n_iter[i], error[i])
