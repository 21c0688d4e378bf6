"""Lloyd's algorithm in Wasserstein space: seeding, iterations, one run.

The estimator (:class:`~sklot.cluster.WassersteinKMeans`) validates its
input and runs ``n_init`` of these runs; a run works on a space of
:mod:`._spaces`, which holds the transport solves.
"""

from __future__ import annotations

import copy
import time

import numpy as np

from ._euclidean_init import euclidean_kmeans
from ._spaces import _ANNEAL_TOL

# init="euclidean": k-means++ restarts of the Euclidean k-means whose best
# centroids start Lloyd's iterations in Wasserstein space. On the digits,
# with one restart three seeds of five ended at a higher inertia (ARI down
# to 0.485); with ten, none did.
_EUCLIDEAN_N_INIT = 10


def _assign(costs):
    # argmin keeps the first minimum: ties go to the lowest cluster index.
    labels = np.argmin(costs, axis=1)
    return labels, float(costs[np.arange(costs.shape[0]), labels].sum())


def _kmeans_plusplus(space, k, rng, state, n_jobs, warn):
    """Greedy k-means++ seeding with transport costs as the potential."""
    n = space.n
    n_trials = 2 + int(np.log(k))
    first = int(rng.randint(n))
    chosen = [first]
    closest = space.sample_costs([first], state, n_jobs, warn)[:, 0]
    for _ in range(1, k):
        pot = closest.sum()
        if pot > 0:
            cum = np.cumsum(closest)
            cand = np.searchsorted(cum, rng.uniform(size=n_trials) * pot)
            cand = np.minimum(cand, n - 1)
        else:
            # Every sample sits on a centroid already: any unused one will do.
            free = np.setdiff1d(np.arange(n), chosen)
            cand = rng.choice(free if free.size else np.arange(n), size=1)
        cand = np.unique(cand)
        dist = np.minimum(
            closest[:, None], space.sample_costs(cand, state, n_jobs, warn)
        )
        best = int(np.argmin(dist.sum(axis=0)))
        chosen.append(int(cand[best]))
        closest = dist[:, best]
    return [space.sample_center(i) for i in chosen]


def _reseed_empty(labels, costs, k):
    """Give every empty cluster the sample farthest from its centroid.

    Returns the updated labels and the ``{cluster: sample}`` reseeds. A
    sample is only taken from a cluster that keeps at least one member, and
    ties go to the lowest sample index.
    """
    counts = np.bincount(labels, minlength=k)
    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return labels, {}
    labels = labels.copy()
    own = costs[np.arange(labels.size), labels]
    order = np.argsort(-own, kind="stable")
    seeds = {}
    pos = 0
    for j in empty:
        while pos < order.size and counts[labels[order[pos]]] < 2:
            pos += 1
        if pos == order.size:
            break
        i = int(order[pos])
        counts[labels[i]] -= 1
        labels[i] = j
        counts[j] = 1
        seeds[int(j)] = i
        pos += 1
    return labels, seeds


def _lloyd(space, centers, max_iter, tol, n_jobs, verbose, warn, state, start):
    """Lloyd iterations from ``centers``; labels always match the centers."""
    k = len(centers)
    costs = space.costs(centers, state, n_jobs, warn)
    labels, inertia = _assign(costs)
    if verbose:
        reg = "" if space.reg is None else f" at reg {space.reg:.4g}"
        print(f"Lloyd{reg}: start, inertia {inertia:.6g}, "
              f"{time.perf_counter() - start:.2f} s")
    history = [inertia]
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        labels, seeds = _reseed_empty(labels, costs, k)
        members = [
            None if j in seeds else np.flatnonzero(labels == j) for j in range(k)
        ]
        centers = space.barycenters(members, centers, state, warn, n_jobs)
        for j, i in seeds.items():
            centers[j] = space.sample_center(i)
        costs = space.costs(centers, state, n_jobs, warn)
        new_labels, new_inertia = _assign(costs)
        history.append(new_inertia)
        if verbose:
            print(f"Iteration {n_iter}, inertia {new_inertia:.6g}, "
                  f"{time.perf_counter() - start:.2f} s")
        same = np.array_equal(new_labels, labels) and not seeds
        change = abs(inertia - new_inertia)
        labels, inertia = new_labels, new_inertia
        if same:
            if verbose:
                print(f"Converged at iteration {n_iter}: assignments unchanged.")
            break
        if change <= tol * max(inertia, np.finfo(float).tiny):
            if verbose:
                print(f"Converged at iteration {n_iter}: inertia change "
                      f"{change:.3g} within tol.")
            break
    return centers, labels, inertia, n_iter, history, costs


def _single_run(
    space, init, given, k, max_iter, tol, seed, n_jobs, verbose, single_thread
):
    start = time.perf_counter()
    warn_count = _Counter()
    # The space's reg changes along the stages: each run works on a copy.
    space = copy.copy(space)
    # Given or Euclidean centroids are placed already: no coarse stage (from
    # the Euclidean start, a coarse stage at 2 * reg cost less but ended at
    # a higher inertia and lower ARI on the digits).
    placed = given is not None or init == "euclidean"
    stages = [space.reg] if placed else space.stages()
    state = space.new_state()
    state["single_thread"] = single_thread
    space.set_reg(stages[0], state)
    rng = np.random.RandomState(seed)
    if given is not None:
        centers = list(given)
    elif init == "euclidean":
        centers = list(euclidean_kmeans(space.H, k, rng, _EUCLIDEAN_N_INIT))
        if verbose:
            print(f"Euclidean k-means start ({_EUCLIDEAN_N_INIT} restarts), "
                  f"{time.perf_counter() - start:.2f} s")
    elif init == "k-means++":
        centers = _kmeans_plusplus(space, k, rng, state, n_jobs, warn_count)
    else:
        centers = [space.sample_center(i)
                   for i in rng.choice(space.n, size=k, replace=False)]
    n_iter = 0
    history = []
    for stage, reg in enumerate(stages):
        last = stage == len(stages) - 1
        space.set_reg(reg, state)
        # Earlier (coarser) stages only place the centroids: a loose tol.
        centers, labels, inertia, n, hist, costs = _lloyd(
            space, centers, max_iter, tol if last else max(tol, _ANNEAL_TOL),
            n_jobs, verbose, warn_count, state, start,
        )
        n_iter += n
        history.extend(hist)
    return centers, labels, inertia, n_iter, history, warn_count.count, costs


class _Counter:
    def __init__(self):
        self.count = 0

    def add(self, n):
        self.count += int(n)
