"""Exact OT (network simplex): sklot ``emd`` against POT ``ot.emd``, one run.

Called by ``bench_exact.py``; ``python benchmarks/_bench_emd.py [--quick]``
runs this part alone. POT gets ``numItermax=10**7`` so that both solvers
reach the optimum, and the values are compared. Ratios are POT time / sklot
time (larger is better for sklot): medians of wall time over repeats, after
a warm-up call (numba compiled), sklot and POT timed alternately so that
load from other processes hits both alike. ``cpu`` columns give the median
process CPU time, less sensitive to a busy machine.
"""

import argparse
import os
import statistics
import sys

import numpy as np
import ot

sys.path.insert(0, os.path.dirname(__file__))

from _timing import peak_memory, print_table, ratio, timed  # noqa: E402

from sklot.solvers import cost_matrix, emd  # noqa: E402

MB = 2.0**20
DIM = 10


def _problem(n, m, weights, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, DIM))
    Y = rng.normal(size=(m, DIM)) + 1.0
    M = cost_matrix(X, Y)
    if weights == "uniform":
        a = np.full(n, 1.0 / n)
        b = np.full(m, 1.0 / m)
    else:
        a = rng.dirichlet(np.ones(n))
        b = rng.dirichlet(np.ones(m))
    return a, b, M


def bench_emd(n, m, weights, repeat):
    a, b, M = _problem(n, m, weights)

    def ours():
        return emd(a, b, M).value

    def pot():
        return float(np.sum(ot.emd(a, b, M, numItermax=10**7) * M))

    ours()  # compile / load the kernels
    times = {"ours": ([], []), "pot": ([], [])}
    values = {}
    for _ in range(repeat):
        for name, fn in (("ours", ours), ("pot", pot)):
            values[name], wall, cpu = timed(fn)
            times[name][0].append(wall)
            times[name][1].append(cpu)
    t_ours, c_ours = (statistics.median(t) for t in times["ours"])
    t_pot, c_pot = (statistics.median(t) for t in times["pot"])
    _, m_ours = peak_memory(ours)
    _, m_pot = peak_memory(pot)
    rel = abs(values["ours"] - values["pot"]) / abs(values["pot"])
    return [
        f"emd {weights} n={n} m={m}",
        t_ours,
        t_pot,
        ratio(t_pot, t_ours),
        ratio(c_pot, c_ours),
        f"{rel:.1e}",
        m_ours / MB,
        m_pot / MB,
    ]


def run(quick=False):
    """Time sklot and POT on Gaussian clouds in R^10 and print the table."""
    if quick:
        cases = [(300, 300, "uniform", 3), (400, 300, "dirichlet", 3)]
    else:
        cases = [
            (1000, 1000, "uniform", 7),
            (2000, 2000, "uniform", 5),
            (4000, 4000, "uniform", 3),
            (2000, 1500, "dirichlet", 5),
        ]
    rows = [bench_emd(*case) for case in cases]
    print("Exact OT, N(0, I) -> N(1, I) in R^10 (POT with numItermax=1e7)")
    print_table(
        rows,
        [
            "case",
            "sklot s",
            "POT s",
            "ratio",
            "ratio cpu",
            "value rel diff",
            "sklot MB",
            "POT MB",
        ],
    )
    print()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    run(quick=args.quick)


if __name__ == "__main__":
    main()
