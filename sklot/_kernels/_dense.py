"""Passes over dense cost matrices: finishing squared distances, medians."""

import numpy as np
from numba import prange

from ._config import jit

__all__ = ["finish_sqeuclidean", "count_bracket"]


@jit(parallel=True)
def finish_sqeuclidean(D, xx, yy, X, Y, rtol):
    """In place ``D <- max(xx_i + yy_j - 2 D_ij, 0)`` (``D`` holds X Y^T).

    Entries that lose more than ``-log10(rtol)`` digits to cancellation
    (``D_ij < rtol * (xx_i + yy_j)``, close pairs) are recomputed from the
    coordinates, so every entry keeps a relative error near ``eps / rtol``
    and identical rows are exactly zero apart.
    """
    n, m = D.shape
    d = X.shape[1]
    for i in prange(n):
        x = xx[i]
        # a branch-free pass (vectorized) that counts the close pairs ...
        close = 0.0
        for j in range(m):
            s = x + yy[j]
            v = s - 2.0 * D[i, j]
            close += 1.0 if v < rtol * s else 0.0
            D[i, j] = v if v > 0.0 else 0.0
        if close == 0.0:
            continue
        # ... and a second one over the rows that have some
        for j in range(m):
            s = x + yy[j]
            if D[i, j] < rtol * s:
                acc = 0.0
                for k in range(d):
                    t = np.float64(X[i, k]) - np.float64(Y[j, k])
                    acc += t * t
                D[i, j] = acc


@jit
def count_bracket(values, lo, hi, buf):
    """Count ``values < lo`` and copy the values in ``[lo, hi]`` into ``buf``.

    Returns ``(n_below, n_inside)``; ``n_inside`` counts every value in the
    bracket, also those that did not fit into ``buf``.
    """
    below = 0
    inside = 0
    cap = buf.shape[0]
    for k in range(values.shape[0]):
        v = values[k]
        if v < lo:
            below += 1
        elif v <= hi:
            if inside < cap:
                buf[inside] = v
            inside += 1
    return below, inside
