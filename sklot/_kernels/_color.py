"""Kernels of the distribution-transfer maps (colour transfer).

Points are rows of ``X`` (n, d). A sliced step projects every row on ``k``
directions (the columns of ``R``), reads the position of each projection in
the cumulative histogram of the current sample, and moves it to the same
position in the cumulative histogram of the reference (1D optimal transport
along each direction, with piecewise-linear cumulative distributions).

Parallel kernels split the rows into ``n_chunks`` fixed blocks, each with its
own output slot (integer counts, exact extrema), so results do not depend on
the number of threads.
"""

import numpy as np
from numba import prange

from ._config import jit

__all__ = [
    "lut_displace",
    "projection_histogram",
    "projection_range",
    "sliced_step",
]


@jit(parallel=True)
def projection_range(X, R, lo, hi):
    # IN X (n, d), R (d, k); OUT lo, hi (n_chunks, k): per-block extrema.
    n, d = X.shape
    k = R.shape[1]
    n_chunks = lo.shape[0]
    size = (n + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        for j in range(k):
            lo[c, j] = np.inf
            hi[c, j] = -np.inf
        for i in range(c * size, min(n, (c + 1) * size)):
            for j in range(k):
                p = 0.0
                for t in range(d):
                    p += X[i, t] * R[t, j]
                if p < lo[c, j]:
                    lo[c, j] = p
                if p > hi[c, j]:
                    hi[c, j] = p


@jit(parallel=True)
def projection_histogram(X, R, lo, width, counts):
    # IN X (n, d), R (d, k), lo (k,), width (k,) bin widths;
    # OUT counts (n_chunks, k, n_bins) int64: per-block histograms.
    n, d = X.shape
    k = R.shape[1]
    n_chunks, _, n_bins = counts.shape
    size = (n + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        for j in range(k):
            for b in range(n_bins):
                counts[c, j, b] = 0
        for i in range(c * size, min(n, (c + 1) * size)):
            for j in range(k):
                p = 0.0
                for t in range(d):
                    p += X[i, t] * R[t, j]
                b = int((p - lo[j]) / width[j])
                if b < 0:
                    b = 0
                elif b >= n_bins:
                    b = n_bins - 1
                counts[c, j, b] += 1


@jit
def _inverse_cdf(cdf, guide, u):
    # Smallest bin b with cdf[b + 1] >= u, then the position inside it. The
    # guide table gives, for each of its uniform levels, the answer at that
    # level, so the walk from there is a step or two (no binary search).
    n_bins = cdf.shape[0] - 1
    n_levels = guide.shape[0] - 1
    q = int(u * n_levels)
    if q < 0:
        q = 0
    elif q > n_levels:
        q = n_levels
    b = guide[q]
    while b < n_bins - 1 and cdf[b + 1] < u:
        b += 1
    mass = cdf[b + 1] - cdf[b]
    if mass > 0.0:
        frac = (u - cdf[b]) / mass
        if frac < 0.0:
            frac = 0.0
        elif frac > 1.0:
            frac = 1.0
    else:
        frac = 0.5
    return b + frac


@jit(parallel=True)
def sliced_step(
    X, R, src_lo, src_width, src_cdf, ref_lo, ref_width, ref_cdf, ref_guide
):
    # IN/OUT X (n, d); IN R (d, k) orthonormal columns, per direction j the
    # bins (lo, width) and cumulative distributions (k, n_bins + 1) of the
    # current sample (src) and of the reference (ref), and the reference's
    # guide table (k, n_levels + 1) of int64 bin indices.
    n, d = X.shape
    k = R.shape[1]
    n_bins = src_cdf.shape[1] - 1
    for i in prange(n):
        for j in range(k):
            p = 0.0
            for t in range(d):
                p += X[i, t] * R[t, j]
            pos = (p - src_lo[j]) / src_width[j]
            b = int(pos)
            if b < 0:
                b = 0
            elif b >= n_bins:
                b = n_bins - 1
            frac = pos - b
            if frac < 0.0:
                frac = 0.0
            elif frac > 1.0:
                frac = 1.0
            u = src_cdf[j, b] + frac * (src_cdf[j, b + 1] - src_cdf[j, b])
            v = ref_lo[j] + _inverse_cdf(ref_cdf[j], ref_guide[j], u) * ref_width[j]
            delta = v - p
            for t in range(d):
                X[i, t] += delta * R[t, j]


@jit(parallel=True)
def lut_displace(X, lut, lo, step, out):
    # IN X (n, 3), lut (g, g, g, 3) displacements on a regular grid with
    # origin lo (3,) and spacing step (3,); OUT out (n, 3) = X + trilinear
    # interpolation of the displacement (clamped to the grid).
    n = X.shape[0]
    g = lut.shape[0]
    for i in prange(n):
        idx0 = 0
        idx1 = 0
        idx2 = 0
        f0 = 0.0
        f1 = 0.0
        f2 = 0.0
        for t in range(3):
            pos = (X[i, t] - lo[t]) / step[t]
            if pos < 0.0:
                pos = 0.0
            elif pos > g - 1:
                pos = g - 1.0
            b = int(pos)
            if b > g - 2:
                b = g - 2
            f = pos - b
            if t == 0:
                idx0 = b
                f0 = f
            elif t == 1:
                idx1 = b
                f1 = f
            else:
                idx2 = b
                f2 = f
        for t in range(3):
            c00 = (
                lut[idx0, idx1, idx2, t] * (1 - f0)
                + lut[idx0 + 1, idx1, idx2, t] * f0
            )
            c01 = (
                lut[idx0, idx1, idx2 + 1, t] * (1 - f0)
                + lut[idx0 + 1, idx1, idx2 + 1, t] * f0
            )
            c10 = (
                lut[idx0, idx1 + 1, idx2, t] * (1 - f0)
                + lut[idx0 + 1, idx1 + 1, idx2, t] * f0
            )
            c11 = (
                lut[idx0, idx1 + 1, idx2 + 1, t] * (1 - f0)
                + lut[idx0 + 1, idx1 + 1, idx2 + 1, t] * f0
            )
            c0 = c00 * (1 - f1) + c10 * f1
            c1 = c01 * (1 - f1) + c11 * f1
            out[i, t] = X[i, t] + c0 * (1 - f2) + c1 * f2
