"""Passes over dense cost matrices: finishing squared distances, medians."""

from numba import prange

from ._config import jit

__all__ = ["finish_sqeuclidean", "count_bracket"]


@jit(parallel=True)
def finish_sqeuclidean(D, xx, yy):
    """In place ``D <- max(xx_i + yy_j - 2 D_ij, 0)`` (``D`` holds X Y^T)."""
    n, m = D.shape
    for i in prange(n):
        x = xx[i]
        for j in range(m):
            v = x + yy[j] - 2.0 * D[i, j]
            D[i, j] = v if v > 0.0 else 0.0


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
