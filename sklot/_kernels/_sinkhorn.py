"""Sinkhorn kernels for a dense cost matrix.

Two kinds of steps, both over preallocated buffers:

- log-domain half-iterations (:func:`row_lse`, :func:`col_lse`), exact at
  any regularization, one exponential per entry;
- kernel-domain scaling iterations (:func:`scaling_step`) on a stored
  kernel: one pass over memory per full iteration, no exponential.

The solver in :mod:`sklot.solvers._entropic._dense` alternates them as in
Schmitzer (2019): the potentials absorb the scalings whenever those leave
a safe range, and the kernel is rebuilt from the potentials in the log
domain.

Conventions: ``eps`` is the regularization; potentials ``F`` (rows) and
``G`` (columns) define the plan ``P_ij = a_i b_j exp((F_i + G_j - M_ij)/eps)``;
``lw`` is the log of the weights summed over (``-inf`` for a zero weight).
Work is split into a fixed number of row chunks, given by the first
dimension of a scratch buffer, so results do not depend on the thread
count. Each step has a serial chunk function and a parallel driver; the
Python wrappers pick the serial loop for small problems, where starting
the thread pool costs more than the work.
"""

import math

import numpy as np
from numba import prange

from ._config import jit
from ._fastexp import fast_exp

__all__ = [
    "col_lse",
    "column_sums",
    "finalize_plan",
    "kernel_floor",
    "merge_columns",
    "row_lse",
    "scaling_step",
    "square_kernel",
]

# A sum of exponentials shifted by a guess is trusted inside this range: no
# term overflowed and the terms lost to underflow are negligible.
_LOW = 1e-200
_HIGH = 1e200


def kernel_floor(dtype):
    """Return the value below which stored kernel entries are set to zero.

    Their products with scalings in the solver's safe range (|log| up to 200
    in float64, 20 in float32) stay negligible, and products of the entries
    kept stay normal numbers: subnormal arithmetic runs tens of times
    slower and a percent of such entries halves the speed of a pass.
    """
    return 1e-200 if dtype == np.float64 else 1e-29


# --------------------------------------------------------------------------
# row c-transform


@jit
def _row_lse_chunk(M, gl, eps, F, K, store, high, floor, ch, n_chunks):
    n, m = M.shape
    inv = 1.0 / eps
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        Mi = M[i]
        shift = -F[i] * inv
        s = 0.0
        for attempt in range(2):
            if attempt == 1:
                shift = -np.inf
                for j in range(m):
                    shift = max(shift, gl[j] - Mi[j] * inv)
            s = 0.0
            if store:
                Ki = K[i]
                for j in range(m):
                    e = fast_exp(gl[j] - Mi[j] * inv - shift)
                    Ki[j] = e
                    s += e
            else:
                for j in range(m):
                    s += fast_exp(gl[j] - Mi[j] * inv - shift)
            if s > 1.0 / high and s < high:
                break
        F[i] = -eps * (shift + math.log(s))
        if store:
            Ki = K[i]
            scale = 1.0 / s
            for j in range(m):
                e = Ki[j] * scale
                Ki[j] = e if e >= floor else 0.0


@jit(parallel=True)
def _row_lse_par(M, gl, eps, F, K, store, high, floor, n_chunks):
    for ch in prange(n_chunks):
        _row_lse_chunk(M, gl, eps, F, K, store, high, floor, ch, n_chunks)


def row_lse(M, lw, G, eps, F, K, store, n_chunks, parallel):
    """Row c-transform, optionally storing the row-normalized kernel.

    ``F_i <- -eps * log sum_j exp(lw_j + (G_j - M_ij) / eps)``. ``F`` (IN/OUT)
    is read first as a guess for the shift; a row whose shifted sum leaves
    the trusted range (narrower when a float32 kernel is stored) is redone
    with its maximum as shift. With ``store``,
    ``K`` (OUT, shape of ``M``) receives ``exp(lw_j + (F_i + G_j - M_ij)/eps)``
    for the new ``F``, so every row sums to one (entries below
    :func:`kernel_floor` are stored as zero).
    """
    gl = lw + G / eps
    # Stored terms must fit the kernel's dtype before they are normalized.
    high = _HIGH if not store or K.dtype == np.float64 else 1e5
    floor = kernel_floor(K.dtype)
    if parallel:
        _row_lse_par(M, gl, eps, F, K, store, high, floor, n_chunks)
    else:
        _row_lse_chunk(M, gl, eps, F, K, store, high, floor, 0, 1)


# --------------------------------------------------------------------------
# column c-transform


@jit
def _col_max_chunk(M, fl, inv, part, ch):
    n, m = M.shape
    n_chunks = part.shape[0]
    p = part[ch]
    for j in range(m):
        p[j] = -np.inf
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        Mi = M[i]
        fi = fl[i]
        for j in range(m):
            p[j] = max(p[j], fi - Mi[j] * inv)


@jit
def _col_sum_chunk(M, fl, inv, shift, part, ch):
    n, m = M.shape
    n_chunks = part.shape[0]
    p = part[ch]
    for j in range(m):
        p[j] = 0.0
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        Mi = M[i]
        fi = fl[i]
        for j in range(m):
            p[j] += fast_exp(fi - Mi[j] * inv - shift[j])


@jit(parallel=True)
def _col_max_par(M, fl, inv, part):
    for ch in prange(part.shape[0]):
        _col_max_chunk(M, fl, inv, part, ch)


@jit(parallel=True)
def _col_sum_par(M, fl, inv, shift, part):
    for ch in prange(part.shape[0]):
        _col_sum_chunk(M, fl, inv, shift, part, ch)


@jit
def _col_finish(part, shift, eps, G):
    n_chunks, m = part.shape
    bad = 0
    for j in range(m):
        s = 0.0
        for c in range(n_chunks):
            s += part[c, j]
        if s > _LOW and s < _HIGH:
            G[j] = -eps * (shift[j] + math.log(s))
        else:
            bad += 1
    return bad


def col_lse(M, lw, F, eps, G, part, exact, parallel):
    """Column c-transform ``G_j <- -eps * log sum_i exp(lw_i + (F_i - M_ij)/eps)``.

    ``G`` (IN/OUT) gives the shift guess unless ``exact``, which shifts by
    the column maxima (one more pass over ``M``). ``part`` (scratch,
    ``(n_chunks, m)``) holds per-chunk partial sums. Returns the number of
    columns whose guessed shift was unusable: they keep their old ``G`` and
    the caller runs again with ``exact=True``.
    """
    inv = 1.0 / eps
    fl = lw + F * inv
    n_chunks = part.shape[0]
    if exact:
        if parallel:
            _col_max_par(M, fl, inv, part)
        else:
            for ch in range(n_chunks):
                _col_max_chunk(M, fl, inv, part, ch)
        shift = part.max(axis=0)
    else:
        shift = -G * inv
    if parallel:
        _col_sum_par(M, fl, inv, shift, part)
    else:
        for ch in range(n_chunks):
            _col_sum_chunk(M, fl, inv, shift, part, ch)
    return _col_finish(part, shift, eps, G)


# --------------------------------------------------------------------------
# kernel-domain iteration


@jit
def _scaling_chunk(K, a, v, u_old, c, power, omega, u, wpart, stats, ch):
    n, m = K.shape
    n_chunks = wpart.shape[0]
    w = wpart[ch]
    for j in range(m):
        w[j] = 0.0
    err = 0.0
    umin = np.inf
    umax = 0.0
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        Ki = K[i]
        s = 0.0
        for j in range(m):
            s += Ki[j] * v[j]
        if power == 1.0:
            ui = c[i] / s
        else:
            ui = c[i] * s ** (-power)
        ratio = u_old[i] / ui
        err += a[i] * abs(ratio - 1.0)
        if omega != 1.0:
            ui = ui * ratio ** (1.0 - omega)
        u[i] = ui
        # Written so that a NaN lands in both (and fails range checks).
        if not ui >= umin:
            umin = ui
        if not ui <= umax:
            umax = ui
        aui = a[i] * ui
        for j in range(m):
            w[j] += aui * Ki[j]
    stats[ch, 0] = err
    stats[ch, 1] = umin
    stats[ch, 2] = umax


@jit(parallel=True)
def _scaling_par(K, a, v, u_old, c, power, omega, u, wpart, stats):
    for ch in prange(wpart.shape[0]):
        _scaling_chunk(K, a, v, u_old, c, power, omega, u, wpart, stats, ch)


def scaling_step(K, a, v, u_old, c, power, omega, u, wpart, stats, parallel):
    """One row update in the kernel domain, fused with the column sums.

    For each row ``s_i = sum_j K_ij v_j``, the plain update is
    ``p_i = c_i * s_i ** -power`` (``power == 1`` for balanced rows) and the
    new scaling ``u_i = u_old_i ** (1 - omega) * p_i ** omega`` (over-
    relaxation for ``omega > 1``). ``wpart`` (OUT, ``(n_chunks, m)``)
    receives per-chunk ``sum_i a_i u_i K_ij``, from which
    :func:`merge_columns` forms the column update. ``stats`` (OUT,
    ``(n_chunks, 3)``): ``sum_i a_i |u_old_i / p_i - 1|`` (for balanced rows
    the L1 row-marginal violation of the iterate ``(u_old, v)``), and the
    min and max of ``u``.
    """
    if parallel:
        _scaling_par(K, a, v, u_old, c, power, omega, u, wpart, stats)
    else:
        for ch in range(wpart.shape[0]):
            _scaling_chunk(
                K, a, v, u_old, c, power, omega, u, wpart, stats, ch
            )


@jit
def _colsum_chunk(K, a, wpart, ch):
    n, m = K.shape
    n_chunks = wpart.shape[0]
    w = wpart[ch]
    for j in range(m):
        w[j] = 0.0
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        Ki = K[i]
        ai = a[i]
        for j in range(m):
            w[j] += ai * Ki[j]


@jit(parallel=True)
def _colsum_par(K, a, wpart):
    for ch in prange(wpart.shape[0]):
        _colsum_chunk(K, a, wpart, ch)


def column_sums(K, a, wpart, parallel):
    """Per-chunk column sums ``wpart[c, j] = sum_i a_i K_ij`` (no exponential).

    The column half of a scaling iteration with the rows left as they are:
    :func:`merge_columns` turns ``wpart`` (OUT, ``(n_chunks, m)``) into the
    column scalings, as after :func:`scaling_step`.
    """
    if parallel:
        _colsum_par(K, a, wpart)
    else:
        for ch in range(wpart.shape[0]):
            _colsum_chunk(K, a, wpart, ch)


@jit
def merge_columns(wpart, b, d, power, omega, v_old, v):
    """Column update from partial sums; returns its violation and range.

    ``W_j`` sums ``wpart`` over chunks in a fixed order, the plain update is
    ``p_j = d_j * (b_j / W_j) ** power`` and ``v_j = v_old_j ** (1 - omega)
    * p_j ** omega``. Zero-weight columns get ``v_j = 0``; a positive-weight
    column that received no mass gets ``inf``. Returns ``(err, vmin, vmax)``:
    ``sum_j b_j |v_j / p_j - 1|`` (the L1 column violation of the new
    iterate when ``power == 1``) and the range of ``v`` over positive-weight
    columns.
    """
    n_chunks, m = wpart.shape
    err = 0.0
    vmin = np.inf
    vmax = 0.0
    for j in range(m):
        W = 0.0
        for c in range(n_chunks):
            W += wpart[c, j]
        if b[j] > 0.0:
            if W > 0.0:
                if power == 1.0:
                    vj = d[j] * (b[j] / W)
                else:
                    vj = d[j] * (b[j] / W) ** power
                if omega != 1.0:
                    ratio = v_old[j] / vj
                    r = ratio ** (1.0 - omega)
                    err += b[j] * abs(r - 1.0)
                    vj = vj * r
            else:
                vj = np.inf
            if not vj >= vmin:
                vmin = vj
            if not vj <= vmax:
                vmax = vj
        else:
            vj = 0.0
        v[j] = vj
    return err, vmin, vmax


# --------------------------------------------------------------------------
# plan


@jit
def _finalize_chunk(K, au, v, M, row_mass, col_part, lin_row, ch):
    n, m = K.shape
    n_chunks = col_part.shape[0]
    cp = col_part[ch]
    for j in range(m):
        cp[j] = 0.0
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        Ki = K[i]
        Mi = M[i]
        ai = au[i]
        r = 0.0
        lin = 0.0
        for j in range(m):
            p = ai * Ki[j] * v[j]
            Ki[j] = p
            r += p
            lin += p * Mi[j]
            cp[j] += p
        row_mass[i] = r
        lin_row[i] = lin


@jit(parallel=True)
def _finalize_par(K, au, v, M, row_mass, col_part, lin_row):
    for ch in prange(col_part.shape[0]):
        _finalize_chunk(K, au, v, M, row_mass, col_part, lin_row, ch)


def finalize_plan(K, au, v, M, row_mass, col_part, lin_row, parallel):
    """Turn the kernel into the plan in place: ``K_ij <- au_i K_ij v_j``.

    Also row masses (OUT ``row_mass``), per-chunk column masses (OUT
    ``col_part``, ``(n_chunks, m)``) and per-row ``sum_j P_ij M_ij`` (OUT
    ``lin_row``), accumulated in float64.
    """
    if parallel:
        _finalize_par(K, au, v, M, row_mass, col_part, lin_row)
    else:
        for ch in range(col_part.shape[0]):
            _finalize_chunk(K, au, v, M, row_mass, col_part, lin_row, ch)


# --------------------------------------------------------------------------
# halving the regularization


@jit
def _square_chunk(K, u, v, inv_b, floor, total, ch):
    n, m = K.shape
    n_chunks = total.shape[0]
    s = 0.0
    for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
        Ki = K[i]
        ui = u[i]
        for j in range(m):
            e = Ki[j] * ui * v[j]
            e = e * e * inv_b[j]
            e = e if e >= floor else 0.0
            Ki[j] = e
            s += e
    total[ch] = s


@jit(parallel=True)
def _square_par(K, u, v, inv_b, floor, total):
    for ch in prange(total.shape[0]):
        _square_chunk(K, u, v, inv_b, floor, total, ch)


def square_kernel(K, u, v, inv_b, total, parallel):
    """Kernel of half the regularization, in place: ``K <- (u K v)**2 / b``.

    With ``K_ij = b_j exp((f_i + g_j - M_ij) / eps)`` and scalings ``u``,
    ``v``, the result is the kernel at ``eps / 2`` for the potentials
    ``f + eps log u``, ``g + eps log v``. ``inv_b`` holds ``1 / b_j`` (0 for
    a zero weight). Entries below :func:`kernel_floor` become zero.
    ``total`` (OUT, ``(n_chunks,)``): per-chunk sum of the new entries (inf
    or NaN if one is).
    """
    floor = kernel_floor(K.dtype)
    if parallel:
        _square_par(K, u, v, inv_b, floor, total)
    else:
        for ch in range(total.shape[0]):
            _square_chunk(K, u, v, inv_b, floor, total, ch)
