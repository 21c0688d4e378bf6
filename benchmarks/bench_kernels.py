"""Sliced-Wasserstein Gram matrices: sklot against POT (and GUDHI), one run.

Usage: ``python benchmarks/bench_kernels.py [--quick]``.

Gram matrix of 500 point clouds of 200 points in R^3 with 100 directions.
POT has no batched sliced distance, so its column loops
``ot.sliced_wasserstein_distance`` over pairs with the same directions; the
full loop would take minutes, so a random subset of pairs is timed and the
time extrapolated to all pairs (said so in the table). Ratios are peer time
/ sklot time: medians of wall time over repeats after a warm-up call, sklot
and the peer timed alternately so that load from other processes hits both
alike. ``cpu ratio`` compares process CPU time over all threads (the ratio
of work done, less sensitive to a busy machine).
"""

import argparse
import os
import sys

import numpy as np
import ot
from sklearn.metrics.pairwise import rbf_kernel

sys.path.insert(0, os.path.dirname(__file__))

from _bench_sliced import _alternate  # noqa: E402
from _timing import peak_memory, print_table, ratio  # noqa: E402

from sklot.kernels import (  # noqa: E402
    SlicedWassersteinEmbedding,
    SlicedWassersteinKernel,
)
from sklot.metrics import (  # noqa: E402
    pairwise_sliced_wasserstein,
    sliced_wasserstein_kernel,
)
from sklot.solvers import random_projections  # noqa: E402

MB = 2.0**20


def bench_gram(n_clouds, n_points, dim, n_projections, n_pot_pairs):
    rng = np.random.default_rng(0)
    clouds = [
        rng.normal(size=(n_points, dim)) * rng.uniform(0.5, 2.0) + rng.normal(size=dim)
        for _ in range(n_clouds)
    ]
    theta = random_projections(n_projections, dim, random_state=0)
    kernel = SlicedWassersteinKernel(
        n_projections=n_projections, gamma=0.5, random_state=0
    )

    def ours_distances():
        return pairwise_sliced_wasserstein(clouds, projections=theta)

    def ours_kernel():
        return kernel.fit_transform(clouds)

    embedding = SlicedWassersteinEmbedding(
        n_projections=n_projections, n_quantiles=n_points, random_state=0
    )

    def ours_embedding():
        # Exact here: uniform clouds of n_points points, n_quantiles = n_points.
        return rbf_kernel(embedding.fit_transform(clouds), gamma=0.5)

    n_pairs = n_clouds * (n_clouds - 1) // 2
    iu, ju = np.triu_indices(n_clouds, k=1)
    pick = rng.choice(n_pairs, size=min(n_pot_pairs, n_pairs), replace=False)
    theta_pot = np.ascontiguousarray(theta.T)

    def pot_subset():
        return np.array([
            ot.sliced_wasserstein_distance(
                clouds[iu[k]], clouds[ju[k]], projections=theta_pot
            )
            for k in pick
        ])

    fns = [ours_distances, ours_kernel, ours_embedding, pot_subset]
    for fn in fns:
        fn()  # warm-up: numba compilation, caches
    (D, K, K_emb, pot_values), timings = _alternate(fns, 3)
    scale = n_pairs / pick.size
    t_pot, c_pot = timings[3][0] * scale, timings[3][1] * scale
    _, m_dist = peak_memory(ours_distances)
    _, m_kernel = peak_memory(ours_kernel)
    _, m_emb = peak_memory(ours_embedding)
    ours_values = D[iu[pick], ju[pick]]
    diff = np.max(np.abs(ours_values - pot_values) / pot_values)
    K_pot = np.exp(-0.5 * pot_values**2)
    diff_kernel = np.max(np.abs(K[iu[pick], ju[pick]] - K_pot))

    label = f"{n_clouds} clouds x {n_points} pts, d={dim}, L={n_projections}"
    (t_dist, c_dist), (t_kernel, c_kernel), (t_emb, c_emb) = timings[:3]
    rows = [
        [label, "pairwise_sliced_wasserstein", t_dist, ratio(t_pot, t_dist),
         ratio(c_pot, c_dist), f"{diff:.1e}", m_dist / MB],
        [label, "SlicedWassersteinKernel.fit_transform", t_kernel,
         ratio(t_pot, t_kernel), ratio(c_pot, c_kernel),
         f"{diff_kernel:.1e} (abs, K)", m_kernel / MB],
        [label, "Embedding(n_quantiles=n) + rbf_kernel", t_emb,
         ratio(t_pot, t_emb), ratio(c_pot, c_emb),
         f"{np.max(np.abs(K_emb - K)):.1e} (abs vs kernel)", m_emb / MB],
        [label, f"POT loop, {pick.size} of {n_pairs} pairs timed, extrapolated",
         t_pot, 1.0, 1.0, "-", float("nan")],
    ]
    return rows


def bench_diagrams(n_diagrams, num_directions):
    try:
        from gudhi.representations import SlicedWassersteinKernel as GudhiKernel
    except ImportError:
        print("\n(GUDHI is not installed: persistence-diagram table skipped.)")
        return None
    rng = np.random.default_rng(0)
    diagrams = []
    for _ in range(n_diagrams):
        birth = rng.random(int(rng.integers(20, 80)))
        death = birth + rng.exponential(0.3, birth.size)
        diagrams.append(np.column_stack([birth, death]))
    # GUDHI uses num_directions - 1 angles evenly spaced from -pi/2; sklot is
    # given the same directions, and gamma = 1 / (2 bandwidth^2).
    angles = np.linspace(-np.pi / 2, np.pi / 2, num_directions, endpoint=False)[:-1]
    theta = np.column_stack([np.cos(angles), np.sin(angles)])
    bandwidth = 0.5
    gamma = 1.0 / (2 * bandwidth**2)

    def ours():
        return sliced_wasserstein_kernel(
            diagrams, gamma=gamma, projections=theta, p=1, diagrams=True
        )

    def gudhi():
        return GudhiKernel(
            num_directions=num_directions, bandwidth=bandwidth
        ).fit_transform(diagrams)

    ours()  # compile / load the kernels
    (K, K_gudhi), ((t_ours, c_ours), (t_gudhi, c_gudhi)) = _alternate(
        [ours, gudhi], 2
    )
    _, m_ours = peak_memory(ours)
    return [
        [f"{n_diagrams} diagrams x 20-80 pts, {theta.shape[0]} directions",
         "sklot SlicedWassersteinKernel(diagrams=True)", t_ours,
         ratio(t_gudhi, t_ours), ratio(c_gudhi, c_ours),
         f"{np.max(np.abs(K - K_gudhi)):.1e} (abs, K)", m_ours / MB],
        [f"{n_diagrams} diagrams x 20-80 pts, {theta.shape[0]} directions",
         "GUDHI SlicedWassersteinKernel.fit_transform", t_gudhi, 1.0, 1.0, "-",
         float("nan")],
    ]


def run(quick=False):
    """Print the Gram-matrix tables."""
    if quick:
        rows = bench_gram(100, 200, 3, 100, n_pot_pairs=200)
    else:
        rows = bench_gram(500, 200, 3, 100, n_pot_pairs=2000)
    print("\n## Sliced-Wasserstein Gram matrix (same directions for all)")
    print_table(
        rows,
        ["problem", "method", "seconds", "POT/sklot", "cpu ratio",
         "max rel diff vs POT", "peak MB"],
    )
    rows = bench_diagrams(100 if quick else 500, 100)
    if rows is not None:
        print("\n## Persistence diagrams (Carriere et al. kernel)")
        print_table(
            rows,
            ["problem", "method", "seconds", "GUDHI/sklot", "cpu ratio",
             "max diff vs GUDHI", "peak MB"],
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    run(quick=parser.parse_args().quick)


if __name__ == "__main__":
    main()
