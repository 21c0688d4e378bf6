"""Ground cost matrices: sklot ``cost_matrix`` against POT and SciPy.

Usage: ``python benchmarks/bench_cost.py [--quick]``.

Squared Euclidean and Euclidean costs between Gaussian clouds, centred
(``offset 0``) and far from the origin (``offset 1e6``, where the Gram
form ``|x|^2 + |y|^2 - 2 x.y`` cancels). Prints medians of interleaved
wall times, the ratios peer time / sklot time (larger is better for sklot)
and the largest relative error of each against ``scipy.spatial.distance
.cdist`` (the direct, cancellation-free reference).
"""

import argparse
import os
import sys

# The machine may be shared: spinning OpenMP threads slow every parallel
# kernel (BLAS's and numba's) alike; passive waiting is fair to both sides.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
import numpy as np  # noqa: E402
import ot  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))

from _timing import interleaved_medians, print_table, ratio  # noqa: E402

from sklot.solvers import cost_matrix  # noqa: E402


def _rel_error(D, ref):
    pos = ref > 0
    return float(np.max(np.abs(D[pos] - ref[pos]) / ref[pos]))


def bench(n, d, metric, offset, repeat):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)) + offset
    Y = rng.normal(size=(n, d)) + 0.5 + offset
    fns = {
        "sklot": lambda: cost_matrix(X, Y, metric=metric),
        "pot": lambda: ot.dist(X, Y, metric=metric),
        "scipy": lambda: cdist(X, Y, metric=metric),
    }
    times = interleaved_medians(fns, repeat)
    ref = fns["scipy"]()
    errors = {k: _rel_error(fns[k](), ref) for k in ("sklot", "pot")}
    return [
        n,
        d,
        metric,
        f"{offset:g}",
        times["sklot"],
        ratio(times["pot"], times["sklot"]),
        ratio(times["scipy"], times["sklot"]),
        errors["sklot"],
        errors["pot"],
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    sizes = (
        [(1000, 10), (2000, 2)] if args.quick else [(2000, 10), (4000, 2), (4000, 50)]
    )
    repeat = 5 if args.quick else 9
    rows = []
    for n, d in sizes:
        for metric in ("sqeuclidean", "euclidean"):
            for offset in (0.0, 1e6):
                rows.append(bench(n, d, metric, offset, repeat))
    print_table(
        rows,
        [
            "n",
            "d",
            "metric",
            "offset",
            "sklot s",
            "pot/sklot",
            "scipy/sklot",
            "sklot rel err",
            "pot rel err",
        ],
    )


if __name__ == "__main__":
    main()
