"""Euclidean k-means on histograms: the cheap starting point of the default.

Transport costs between histograms on a pixel grid cost a Sinkhorn solve
each; Euclidean distances cost a dot product. Lloyd's iterations in
Wasserstein space started from the centroids of Euclidean k-means (best of
several k-means++ restarts) reach a lower Wasserstein inertia than from a
k-means++ seeding with transport costs, at a fraction of the cost
(``benchmarks/bench_defaults.py``).

Distances are computed with ``np.einsum`` (no BLAS threads) and every
reduction runs in a fixed order, so the result depends on the seed only,
whatever the number of threads.
"""

import numpy as np

__all__ = ["euclidean_kmeans"]


def _sq_distances(H, h_sq, centers):
    c_sq = np.einsum("ij,ij->i", centers, centers)
    d = h_sq[:, None] - 2.0 * np.einsum("ij,kj->ik", H, centers) + c_sq[None, :]
    return np.maximum(d, 0.0, out=d)


def _plusplus(H, h_sq, k, rng):
    """Greedy k-means++ seeding (2 + log k candidates per step)."""
    n = H.shape[0]
    n_trials = 2 + int(np.log(k))
    chosen = [int(rng.randint(n))]
    closest = _sq_distances(H, h_sq, H[chosen])[:, 0]
    for _ in range(1, k):
        pot = closest.sum()
        if pot > 0:
            cand = np.searchsorted(np.cumsum(closest), rng.uniform(size=n_trials) * pot)
            cand = np.unique(np.minimum(cand, n - 1))
        else:
            free = np.setdiff1d(np.arange(n), chosen)
            cand = rng.choice(free if free.size else np.arange(n), size=1)
        dist = np.minimum(closest[:, None], _sq_distances(H, h_sq, H[cand]))
        best = int(np.argmin(dist.sum(axis=0)))
        chosen.append(int(cand[best]))
        closest = dist[:, best]
    return H[chosen].copy()


def _lloyd(H, h_sq, centers, max_iter):
    k = centers.shape[0]
    labels = None
    for _ in range(max_iter):
        d = _sq_distances(H, h_sq, centers)
        new = np.argmin(d, axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        for j in np.flatnonzero(counts == 0):
            # an empty cluster takes the sample farthest from its centroid
            own = d[np.arange(labels.size), labels]
            own[counts[labels] < 2] = -1.0
            i = int(np.argmax(own))
            counts[labels[i]] -= 1
            labels[i] = j
            counts[j] = 1
        sums = np.zeros_like(centers)
        np.add.at(sums, labels, H)
        centers = sums / counts[:, None]
    d = _sq_distances(H, h_sq, centers)
    labels = np.argmin(d, axis=1)
    return centers, float(d[np.arange(labels.size), labels].sum())


def euclidean_kmeans(H, k, rng, n_init, max_iter=100):
    """Centroids of the best of ``n_init`` Euclidean k-means runs on ``H``.

    Each run seeds by greedy k-means++ and iterates Lloyd until no
    assignment changes (or ``max_iter``); the run of lowest Euclidean
    inertia is kept (the first one on ties). The centroids are means of
    rows of ``H``: histograms when the rows are.
    """
    H = np.ascontiguousarray(H, dtype=np.float64)
    h_sq = np.einsum("ij,ij->i", H, H)
    best, best_inertia = None, np.inf
    for _ in range(n_init):
        centers, inertia = _lloyd(H, h_sq, _plusplus(H, h_sq, k, rng), max_iter)
        if inertia < best_inertia:
            best, best_inertia = centers, inertia
    return best
