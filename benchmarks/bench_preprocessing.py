"""OTQuantileTransformer: fit and transform times, and the map's accuracy.

Usage: ``python benchmarks/bench_preprocessing.py [--quick] [--full]``.

Timing: fit on 10^4 rows x 5 features (the default ``subsample=2000``, and
4,000; ``--full`` adds the exact assignment of all 10^4 rows, which needs
an 800 MB cost matrix) and transform 10^5 rows, next to scikit-learn's
feature-wise ``QuantileTransformer`` in the same run (the reference point of
what a tabular user pays today). Medians of wall time over repeats after a
warm-up call (numba compilation not timed).

Accuracy of the out-of-sample map (the entropic map evaluated with the exact
dual potential; ``transform`` itself returns the exact ranks of fitted rows,
so the smooth map is applied alone): on the fitted rows, the mean distance
between the map of ``x_i`` and the exact rank of ``x_i``, the same for the rank
norms (what the depth uses), and the round trip
``inverse_transform(transform(x))`` on fitted and held-out rows
(standardised units), for several ``reg``. ``--sinkhorn`` adds the same
error for the entropic map built from a Sinkhorn dual at the same ``reg``
(the usual entropic map estimator), with its solve time.
"""

import argparse
import os
import sys

import numpy as np
from sklearn.preprocessing import QuantileTransformer

from sklot.solvers import barycentric_map, cost_matrix, sinkhorn

sys.path.insert(0, os.path.dirname(__file__))

from _timing import print_table, timed  # noqa: E402

from sklot.preprocessing import OTQuantileTransformer  # noqa: E402


def banana(n, dim, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim))
    X[:, 1] += X[:, 0] ** 2
    return X


def median_wall(fn, repeat):
    """Median (wall, CPU) seconds: on a busy machine the wall time is
    inflated by other processes; CPU seconds over all threads / 2 is what a
    quiet 2-core machine would take at best."""
    runs = [timed(fn)[1:] for _ in range(repeat)]
    return tuple(float(v) for v in np.median(np.array(runs), axis=0))


def timing(quick, full):
    n_fit, n_new, dim = (2000, 10_000, 5) if quick else (10_000, 100_000, 5)
    repeat = 1 if quick else 3
    X = banana(n_fit, dim, 0)
    X_new = banana(n_new, dim, 1)
    OTQuantileTransformer(subsample=200).fit(X).transform(X[:10])  # compile
    subsamples = [2000, 4000] + ([None] if full else [])
    rows = []
    for sub in subsamples:
        qt = OTQuantileTransformer(subsample=sub, random_state=0)
        fit_s = median_wall(lambda: qt.fit(X), repeat)
        tr_s = median_wall(lambda: qt.transform(X_new), repeat)
        rows.append((f"OTQuantileTransformer(subsample={sub})", *fit_s, *tr_s))
    sk = QuantileTransformer(random_state=0)
    fit_s = median_wall(lambda: sk.fit(X), repeat)
    tr_s = median_wall(lambda: sk.transform(X_new), repeat)
    rows.append(("sklearn QuantileTransformer (per feature)", *fit_s, *tr_s))
    print(f"\nfit on {n_fit} x {dim}, transform {n_new} x {dim} (seconds)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print_table(
        rows, ["transformer", "fit wall", "fit CPU", "transform wall",
               "transform CPU"]
    )


def accuracy(quick):
    n = 500 if quick else 2000
    rows = []
    for dim in (2, 5):
        X = banana(n, dim, 0)
        X_out = banana(n, dim, 1)
        for reg in (1e-4, 1e-3, 1e-2):
            qt = OTQuantileTransformer(subsample=None, reg=reg).fit(X)
            Z = qt._standardise(qt.quantiles_)
            U = qt._interpolate(qt.quantiles_)
            err = np.linalg.norm(U - qt.references_, axis=1).mean()
            norm_err = np.abs(
                np.linalg.norm(U, axis=1) - np.linalg.norm(qt.references_, axis=1)
            ).mean()
            back = qt._standardise(qt.inverse_transform(U))
            rt_fit = np.linalg.norm(back - Z, axis=1).mean()
            Zo = qt._standardise(X_out)
            back_o = qt._standardise(qt.inverse_transform(qt.transform(X_out)))
            rt_out = np.linalg.norm(back_o - Zo, axis=1).mean()
            rows.append((dim, reg, err, norm_err, rt_fit, rt_out))
    print(f"\naccuracy of the out-of-sample map, {n} banana rows")
    print(f"(radial spacing of the grid: {1 / round(np.sqrt(n)):.4f})")
    print_table(
        rows,
        ["dim", "reg", "rank err (fit rows)", "rank-norm err", "round trip fit",
         "round trip held-out"],
    )


def sinkhorn_dual(quick):
    n = 500 if quick else 2000
    X = banana(n, 2, 0)
    rows = []
    for reg in (1e-3, 1e-2):
        qt = OTQuantileTransformer(subsample=None, reg=reg).fit(X)
        Z = qt._standardise(qt.quantiles_)
        U = qt.references_
        exact = np.linalg.norm(qt._interpolate(qt.quantiles_) - U, axis=1).mean()
        eps = reg * np.median(cost_matrix(Z, U))
        res, wall, _ = timed(lambda: sinkhorn(reg=eps, X=Z, Y=U, tol=1e-6))
        T = barycentric_map(Z, U, res.potentials[1], eps)
        err = np.linalg.norm(T - U, axis=1).mean()
        rows.append((reg, exact, err, wall, res.n_iter))
    print(f"\nexact dual against Sinkhorn dual, {n} banana rows in 2D")
    print_table(
        rows, ["reg", "rank err exact dual", "rank err Sinkhorn dual",
               "Sinkhorn wall s", "Sinkhorn iterations"]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--sinkhorn", action="store_true")
    args = parser.parse_args()
    timing(args.quick, args.full)
    accuracy(args.quick)
    if args.sinkhorn:
        sinkhorn_dual(args.quick)
