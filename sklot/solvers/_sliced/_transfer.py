"""Drivers of the distribution-transfer maps used for colour transfer.

Private to sklot: the colour estimator calls these, and they call the numba
kernels of :mod:`sklot._kernels._color`. Three building blocks:

- iterative sliced transfer (Pitie et al. 2007, Rabin et al. 2011): at each
  iteration the sample is rotated into a random orthonormal frame and each
  coordinate is moved by exact 1D optimal transport (monotone rearrangement,
  read from cumulative histograms) onto the reference's;
- weighted palettes: a fine grid histogram of the sample, reduced to
  ``n_palette`` colours by weighted k-means; the result depends only on the
  multiset of rows, not on their order;
- smooth extension of a palette map to every point: a Gaussian-kernel
  average of the palette displacements, tabulated on a regular 3D grid (a
  lookup table) and read by trilinear interpolation.
"""

import numpy as np
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans

from ..._kernels._color import (
    lut_displace,
    projection_histogram,
    projection_range,
    sliced_step,
)

__all__ = [
    "MomentAccumulator",
    "apply_lut",
    "build_lut",
    "edge_images",
    "grid_palette",
    "projected_cdfs",
    "random_rotations",
    "sliced_transfer",
    "smooth_displacement",
    "transfer_1d",
]

N_BINS = 2048
LUT_SIZE = 33
N_NEIGHBORS = 16


def _n_chunks(n):
    # Fixed by the problem size, never by the thread count.
    return int(min(64, max(1, n // 16384)))


def random_rotations(n_iter, d, rng):
    """``n_iter`` random orthonormal frames of R^d, shape (n_iter, d, d)."""
    frames = np.empty((n_iter, d, d))
    for it in range(n_iter):
        Q, R = np.linalg.qr(rng.standard_normal((d, d)))
        frames[it] = Q * np.sign(np.diag(R))
    return frames


def _bins(lo, hi, n_bins):
    # Half a bin of margin, and a floor for constant projections so that a
    # point mass sits in the middle of its bins.
    span = hi - lo
    pad = 0.5 * span / n_bins + 1e-9 * (1.0 + np.maximum(np.abs(lo), np.abs(hi)))
    return lo - pad, (span + 2 * pad) / n_bins


def _cdf(counts, n):
    k, n_bins = counts.shape[1:]
    cdf = np.zeros((k, n_bins + 1))
    np.cumsum(counts.sum(axis=0), axis=1, out=cdf[:, 1:])
    cdf /= n
    return cdf


def projected_cdfs(X, R, n_bins=N_BINS):
    """Bins and cumulative distributions of the projections ``X @ R``.

    Returns ``(lo, width, cdf)``: bin origins and widths of shape (k,) and
    cumulative distributions of shape (k, n_bins + 1), from 0 to 1.
    """
    n = X.shape[0]
    k = R.shape[1]
    chunks = _n_chunks(n)
    lo = np.empty((chunks, k))
    hi = np.empty((chunks, k))
    projection_range(X, R, lo, hi)
    lo, width = _bins(lo.min(axis=0), hi.max(axis=0), n_bins)
    counts = np.empty((chunks, k, n_bins), dtype=np.int64)
    projection_histogram(X, R, lo, width, counts)
    return lo, width, _cdf(counts, n)


def _quantiles(table, j, u, side):
    """Quantiles of direction ``j`` of a reference table at levels ``u``.

    ``side="left"``: the smallest point whose cumulative mass reaches ``u``;
    ``side="right"``: the largest point whose cumulative mass is ``u`` (they
    differ across empty bins).
    """
    lo, width, cdf = table
    c = cdf[j]
    n_bins = c.shape[0] - 1
    b = np.clip(np.searchsorted(c[1:], u, side=side), 0, n_bins - 1)
    mass = c[b + 1] - c[b]
    safe = np.where(mass > 0, mass, 1.0)
    frac = np.where(mass > 0, np.clip((u - c[b]) / safe, 0.0, 1.0), 0.5)
    return lo[j] + (b + frac) * width[j]


def edge_images(source_table, reference_table):
    """Images of the source bins' edges under the 1D optimal maps.

    Returns an array of shape (k, n_bins, 2): where the left edge of each
    source bin goes, and how much the image grows up to the right edge (the
    ``table`` of :func:`sliced_step`). For a source equal to the reference
    the map is the identity, bin by bin.
    """
    cdf = source_table[2]
    k, n_edges = cdf.shape
    out = np.empty((k, n_edges - 1, 2))
    for j in range(k):
        left = _quantiles(reference_table, j, cdf[j, :-1], "right")
        right = _quantiles(reference_table, j, cdf[j, 1:], "left")
        out[j, :, 0] = left
        out[j, :, 1] = right - left
    return out


def _next_bins(reference_table, R, R_next, n_bins):
    # After a step, the projections on the frame R lie in the reference's
    # bins; since R is a full orthonormal frame this bounds the projections
    # on the next frame too, without a pass over the data.
    lo, width, cdf = reference_table
    hi = lo + width * (cdf.shape[1] - 1)
    C = R_next.T @ R
    lo_next = np.minimum(C * lo, C * hi).sum(axis=1)
    hi_next = np.maximum(C * lo, C * hi).sum(axis=1)
    return _bins(lo_next, hi_next, n_bins)


def sliced_transfer(X, rotations, reference_tables, *, verbose=False):
    """Move the rows of ``X`` (in place) towards the reference, frame by frame.

    ``reference_tables[it]`` is :func:`projected_cdfs` of the reference in
    frame ``rotations[it]`` (square orthonormal frames). Each iteration makes
    two passes over ``X``: a histogram in the frame and the move.
    """
    n = X.shape[0]
    chunks = _n_chunks(n)
    table = projected_cdfs(X, rotations[0])
    for it, R in enumerate(rotations):
        if it > 0:
            # bins known in advance (see _next_bins): no pass for the range
            lo, width = _next_bins(reference_tables[it - 1], rotations[it - 1], R,
                                   N_BINS)
            counts = np.empty((chunks, R.shape[1], N_BINS), dtype=np.int64)
            projection_histogram(X, R, lo, width, counts)
            table = (lo, width, _cdf(counts, n))
        images = edge_images(table, reference_tables[it])
        sliced_step(X, R, table[0], 1.0 / table[1], images)
        if verbose:
            print(f"  sliced transfer: iteration {it + 1}/{len(rotations)}")
    return X


def transfer_1d(values, table):
    """Monotone rearrangement of ``values`` (n, 1), in place, onto a table.

    ``table`` is :func:`projected_cdfs` of the reference values: the exact 1D
    optimal map between the two (piecewise-linear) distributions.
    """
    R = np.ones((1, 1))
    source = projected_cdfs(values, R)
    sliced_step(values, R, source[0], 1.0 / source[1], edge_images(source, table))
    return values


class MomentAccumulator:
    """Mean and covariance of rows seen block by block (Chan's merge)."""

    def __init__(self, d):
        self.n = 0
        self.mean = np.zeros(d)
        self.scatter = np.zeros((d, d))

    def add(self, block):
        """Merge the rows of ``block`` into the running moments."""
        m = block.shape[0]
        if m == 0:
            return
        block = np.asarray(block, dtype=np.float64)
        mean_b = block.mean(axis=0)
        centred = block - mean_b
        scatter_b = centred.T @ centred
        delta = mean_b - self.mean
        total = self.n + m
        self.scatter += scatter_b + np.outer(delta, delta) * (self.n * m / total)
        self.mean = self.mean + delta * (m / total)
        self.n = total

    def covariance(self):
        """Covariance divided by the number of rows."""
        cov = self.scatter / max(self.n, 1)
        return (cov + cov.T) / 2


def _grid_size(n_palette, d):
    return int(np.clip(np.ceil((8 * n_palette) ** (1.0 / d)), 2, 64))


def grid_palette(blocks, lo, hi, n_palette, random_state):
    """Weighted palette of at most ``n_palette`` colours.

    ``blocks`` is an iterable of (m, d) float arrays inside the box
    ``[lo, hi]``. The rows are counted on a regular grid; the non-empty cells'
    centroids, weighted by their counts, are reduced by weighted k-means
    when there are more than ``n_palette`` of them. Returns ``(colours,
    weights)`` with weights summing to one.
    """
    d = lo.shape[0]
    g = _grid_size(n_palette, d)
    span = np.where(hi > lo, hi - lo, 1.0)
    dense = g**d <= 2**22
    if dense:
        counts = np.zeros(g**d)
        sums = np.zeros((g**d, d))
    else:
        keys_list, rows_list = [], []
    for block in blocks:
        cells = ((block - lo) / span * g).astype(np.int64)
        np.clip(cells, 0, g - 1, out=cells)
        if dense:
            keys = np.ravel_multi_index(cells.T, (g,) * d)
            counts += np.bincount(keys, minlength=g**d)
            for c in range(d):
                sums[:, c] += np.bincount(keys, weights=block[:, c], minlength=g**d)
        else:
            keys_list.append(cells)
            rows_list.append(np.asarray(block, dtype=np.float64))
    if dense:
        keep = counts > 0
        counts, sums = counts[keep], sums[keep]
    else:
        cells = np.concatenate(keys_list)
        rows = np.concatenate(rows_list)
        _, inverse = np.unique(cells, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        counts = np.bincount(inverse).astype(np.float64)
        sums = np.stack(
            [np.bincount(inverse, weights=rows[:, c]) for c in range(d)], axis=1
        )
    centroids = sums / counts[:, None]
    if centroids.shape[0] <= n_palette:
        return centroids, counts / counts.sum()
    km = KMeans(n_clusters=n_palette, n_init=1, max_iter=50, random_state=random_state)
    labels = km.fit_predict(centroids, sample_weight=counts)
    weights = np.bincount(labels, weights=counts, minlength=n_palette)
    keep = weights > 0
    colours = km.cluster_centers_[keep]
    return colours, weights[keep] / weights.sum()


def palette_bandwidth(colours):
    """Median distance from each palette colour to its nearest neighbour."""
    if colours.shape[0] < 2:
        return 1.0
    sq = np.sum(colours**2, axis=1)
    D = sq[:, None] + sq[None, :] - 2 * colours @ colours.T
    np.fill_diagonal(D, np.inf)
    nearest = np.sqrt(np.maximum(D.min(axis=1), 0.0))
    value = float(np.median(nearest))
    return value if value > 0 else 1.0


def smooth_displacement(points, colours, weights, displacement, bandwidth):
    """Gaussian-kernel average of palette displacements at ``points``.

    Weight of palette colour ``i`` at ``x``: ``w_i exp(-|x - c_i|^2 / (2
    h^2))``, normalized over the ``N_NEIGHBORS`` nearest palette colours
    (farther ones weigh nothing at the palette's bandwidth); computed in the
    log domain so that points far from every colour take the displacement
    of the nearest ones.
    """
    k = min(N_NEIGHBORS, colours.shape[0])
    tree = cKDTree(colours)
    out = np.empty((points.shape[0], colours.shape[1]))
    log_w = np.log(weights)
    step = 2**13  # points per block: about 4 MiB of temporaries
    for start in range(0, points.shape[0], step):
        x = np.asarray(points[start : start + step], dtype=np.float64)
        dist, idx = tree.query(x, k=k)
        if k == 1:
            dist, idx = dist[:, None], idx[:, None]
        logits = log_w[idx] - dist**2 / (2 * bandwidth**2)
        logits -= logits.max(axis=1, keepdims=True)
        K = np.exp(logits)
        K /= K.sum(axis=1, keepdims=True)
        out[start : start + step] = np.einsum("nk,nkd->nd", K, displacement[idx])
    return out


def build_lut(lo, hi, colours, weights, displacement, bandwidth, size=LUT_SIZE):
    """Tabulate the smoothed displacement on a ``size^3`` grid over a box.

    Returns ``(lut, origin, step)`` for :func:`apply_lut`.
    """
    step = np.where(hi > lo, (hi - lo) / (size - 1), 1.0)
    axes = [lo[c] + step[c] * np.arange(size) for c in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    lut = smooth_displacement(grid, colours, weights, displacement, bandwidth)
    return lut.reshape(size, size, size, 3), np.asarray(lo, dtype=np.float64), step


def apply_lut(X, lut, origin, step):
    """Return ``X + displacement(X)`` read from the lookup table (float64)."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    out = np.empty_like(X)
    lut_displace(X, lut, origin, step, out)
    return out
