"""Wasserstein k-means on digits: sklot against a POT-based implementation.

Usage: ``python benchmarks/bench_cluster.py [--quick] [--reg R] [--steps S]
[--pot-repeat P]``.

The data are scikit-learn's 8 x 8 digits, each image a histogram over the
pixel grid (squared Euclidean ground cost in pixel units, largest cost 98).
Three parts:

1. Quality: adjusted Rand index against the digit labels of Euclidean
   KMeans and of :class:`sklot.cluster.WassersteinKMeans` run to
   convergence (k-means++, ``n_init=1``, three seeds).
2. Same algorithm, same start: sklot and a POT-based implementation (POT's
   ``ot.bregman.barycenter`` for the centroids, ``ot.sinkhorn2`` per
   centroid for the assignments, Lloyd's loop in Python) run ``--steps``
   Lloyd iterations from the same initial centroids at the same ``reg``.
   Time per Lloyd iteration (one barycenter update and one assignment; the
   initial assignment is included in both and divided by the steps),
   ratio POT / sklot, peak memory, ARI, inertia and label agreement.
   POT runs with its defaults (``stopThr=1e-9``, at most 1000 iterations),
   and with a tolerance matched to sklot's (sklot stops each pair at an L1
   marginal error of 1e-7; POT's test is the Euclidean norm over all
   columns, so 1e-7 * sqrt(n_samples) is the matching stopping rule), and
   with the loosest ``stopThr`` on a ladder whose assignment costs are as
   accurate as sklot's (the fair comparison: POT's stopping rules and
   sklot's do not measure the same error).
3. Accuracy of the assignment costs of each against a tight reference.

Timings are medians (sklot 5 runs, POT ``--pot-repeat`` runs) on a machine
that may be shared: the load average is printed with the table.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, os.path.dirname(__file__))

from _timing import median_time, peak_memory, print_table, ratio  # noqa: E402

from sklot.cluster import WassersteinKMeans  # noqa: E402
from sklot.solvers import cost_matrix  # noqa: E402

try:
    import ot
except ImportError:  # pragma: no cover
    ot = None


def pixel_grid():
    rows, cols = np.meshgrid(np.arange(8.0), np.arange(8.0), indexing="ij")
    return np.column_stack([rows.ravel(), cols.ravel()])


# ---------------------------------------------------------------------------
# The POT-based implementation of the same algorithm


def pot_assign(H, centers, C, reg, stop_thr):
    D = np.empty((H.shape[0], len(centers)))
    for j, c in enumerate(centers):
        # POT's Sinkhorn divides by the source weights: drop empty bins
        # (they carry no mass, so the problem is unchanged).
        keep = c > 0
        D[:, j] = ot.sinkhorn2(c[keep], H.T, C[keep], reg, stopThr=stop_thr)
    return D


def pot_kmeans(H, C, reg, centers, n_steps, stop_thr=1e-9):
    centers = [c / c.sum() for c in centers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        D = pot_assign(H, centers, C, reg, stop_thr)
        labels = D.argmin(axis=1)
        for _ in range(n_steps):
            centers = [
                ot.bregman.barycenter(H[labels == j].T, C, reg)
                if np.any(labels == j) else centers[j]
                for j in range(len(centers))
            ]
            D = pot_assign(H, centers, C, reg, stop_thr)
            labels = D.argmin(axis=1)
    return labels, float(D[np.arange(len(H)), labels].sum()), centers


def _relative(reg, grid):
    """sklot's reg for POT's absolute ``reg`` (sklot's is relative to the
    median ground cost)."""
    return reg / float(np.median(cost_matrix(grid, grid)))


def sklot_kmeans(X, grid, reg, init, n_steps):
    km = WassersteinKMeans(
        n_clusters=len(init), init=init, support=grid, reg=_relative(reg, grid),
        max_iter=n_steps, tol=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km.fit(X)
    return km


# ---------------------------------------------------------------------------


def quality(X, y, grid, reg, seeds):
    rows = []
    tic = time.perf_counter()
    km = KMeans(n_clusters=10, n_init=10, random_state=0).fit(X)
    rows.append(["Euclidean KMeans, pixels (n_init=10)", "-",
                 adjusted_rand_score(y, km.labels_), "-",
                 time.perf_counter() - tic])
    H = X / X.sum(axis=1, keepdims=True)
    tic = time.perf_counter()
    km = KMeans(n_clusters=10, n_init=10, random_state=0).fit(H)
    rows.append(["Euclidean KMeans, histograms (n_init=10)", "-",
                 adjusted_rand_score(y, km.labels_), "-",
                 time.perf_counter() - tic])
    for seed in seeds:
        tic = time.perf_counter()
        wk = WassersteinKMeans(n_clusters=10, support=grid,
                               reg=_relative(reg, grid),
                               random_state=seed).fit(X)
        rows.append([f"sklot WassersteinKMeans (k-means++, seed {seed})", reg,
                     adjusted_rand_score(y, wk.labels_), wk.n_iter_,
                     time.perf_counter() - tic])
    print("\n== Quality: adjusted Rand index on digits (to convergence)")
    print_table(rows, ["method", "reg", "ARI", "n_iter", "fit s"])


def same_start(X, y, grid, reg, n_steps, pot_repeat):
    H = X / X.sum(axis=1, keepdims=True)
    C = cost_matrix(grid, grid)
    init_idx = np.random.RandomState(0).choice(len(X), 10, replace=False)
    init = X[init_idx]
    sklot_kmeans(X[:50], grid, reg, init[:3], 1)  # compile the kernels

    ours = sklot_kmeans(X, grid, reg, init, n_steps)
    t_ours = median_time(lambda: sklot_kmeans(X, grid, reg, init, n_steps),
                         repeat=5, warmup=0) / n_steps
    _, mem_ours = peak_memory(lambda: sklot_kmeans(X, grid, reg, init, n_steps))

    n = len(X)
    errors = Accuracy(ours, H, C, reg)
    variants = [
        ("POT defaults", 1e-9),
        ("POT matched stopping rule", 1e-7 * np.sqrt(n)),
        ("POT same accuracy", errors.loosest_as_accurate()),
    ]
    rows = [["sklot", "L1 marginal <= 1e-7", t_ours, 1.0, mem_ours / 2**20,
             adjusted_rand_score(y, ours.labels_), ours.inertia_, 1.0]]
    for name, thr in variants:
        (labels, inertia, _), mem = peak_memory(
            lambda: pot_kmeans(H, C, reg, list(init), n_steps, thr))
        t_pot = median_time(
            lambda: pot_kmeans(H, C, reg, list(init), n_steps, thr),
            repeat=pot_repeat, warmup=0) / n_steps
        rows.append([name, f"stopThr={thr:.2g}", t_pot, ratio(t_pot, t_ours),
                     mem / 2**20, adjusted_rand_score(y, labels), inertia,
                     adjusted_rand_score(ours.labels_, labels)])
    load = os.getloadavg()[0]
    print(f"\n== Same start, {n_steps} Lloyd iterations, reg={reg}, "
          f"{n} digits (load average {load:.1f} on {os.cpu_count()} cores)")
    print_table(rows, ["implementation", "inner tolerance", "s / Lloyd iter",
                       "POT / sklot", "peak MB", "ARI", "inertia",
                       "ARI vs sklot"])
    errors.report(variants)


class Accuracy:
    """Assignment costs of the first digits to sklot's centroids, against a
    tight reference (POT, stopThr=1e-13)."""

    def __init__(self, ours, H, C, reg, n_check=100):
        self.centers = ours.cluster_centers_
        self.sub, self.C, self.reg = H[:n_check], C, reg
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.ref = np.column_stack([
                ot.sinkhorn2(c[c > 0], self.sub.T, C[c > 0], reg,
                             stopThr=1e-13, numItermax=200_000)
                for c in self.centers
            ])
        # transform returns distances, the square roots of the costs
        self.ours = np.abs(ours.transform(self.sub) ** 2 - self.ref).max()

    def pot_error(self, thr):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pot = pot_assign(self.sub, self.centers, self.C, self.reg, thr)
        return np.abs(pot - self.ref).max()

    def loosest_as_accurate(self):
        """The loosest POT stopThr on a ladder whose error is sklot's or less."""
        ladder = [1e-6, 3e-7, 1e-7, 3e-8, 1e-8, 3e-9]
        return next((t for t in ladder if self.pot_error(t) <= self.ours), 1e-9)

    def report(self, variants):
        rows = [["sklot", self.ours, self.ours / self.ref.max()]]
        for name, thr in variants:
            err = self.pot_error(thr)
            rows.append([f"{name} (stopThr={thr:.2g})", err, err / self.ref.max()])
        print(f"\n== Assignment costs of {len(self.sub)} digits to the centroids "
              f"vs a tight reference (POT, stopThr=1e-13)")
        print_table(rows, ["implementation", "max abs error",
                           "relative to max cost"])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="600 digits and one seed")
    parser.add_argument("--reg", type=float, default=1.0,
                        help="entropic regularization in pixel^2 (default 1)")
    parser.add_argument("--steps", type=int, default=1,
                        help="Lloyd iterations timed from the same start")
    parser.add_argument("--pot-repeat", type=int, default=3,
                        help="timed runs of each POT variant (median)")
    args = parser.parse_args()
    if ot is None:
        sys.exit("POT is needed: python -m pip install -e '.[bench]'")
    X, y = load_digits(return_X_y=True)
    if args.quick:
        X, y = X[:600], y[:600]
    grid = pixel_grid()
    quality(X, y, grid, args.reg, [0] if args.quick else [0, 1, 2])
    same_start(X, y, grid, args.reg, args.steps, args.pot_repeat)


if __name__ == "__main__":
    main()
