"""Kernels of the distribution-transfer maps (colour transfer).

Points are rows of ``X`` (n, d). A sliced step projects every row on ``k``
directions (the columns of ``R``) and moves each projection by the 1D
optimal map from the current sample's cumulative histogram to the
reference's, tabulated at the bin edges (piecewise-linear cumulative
distributions).

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


@jit(parallel=True)
def sliced_step(X, R, lo, inv_width, table):
    # IN/OUT X (n, d); IN R (d, k) orthonormal columns; per direction j the
    # bins (lo, 1 / width) of the current projections and, for every bin, the
    # image of its left edge and the image's increase across the bin under
    # the 1D optimal map (table: (k, n_bins, 2)). A projection moves by
    # linear interpolation inside its bin, exact for piecewise-linear
    # cumulative distributions.
    n, d = X.shape
    k = R.shape[1]
    n_bins = table.shape[1]
    for i in prange(n):
        for j in range(k):
            p = 0.0
            for t in range(d):
                p += X[i, t] * R[t, j]
            pos = (p - lo[j]) * inv_width[j]
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
            delta = table[j, b, 0] + frac * table[j, b, 1] - p
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
