"""Small-reg Sinkhorn: time at reg / time at 0.05 x median, Newton off and on.

Usage: ``python benchmarks/bench_small_reg.py [--sizes 1000,4000]
[--repeat 1]``.

Problem (as in ``bench_entropic.py``): uniform Gaussian clouds in R^10,
``Y`` shifted by 0.5 in every coordinate, squared Euclidean cost, tolerance
1e-6 on the L1 marginal violation (both marginals, relative to the mass),
``reg`` = 0.05, 0.01, 0.005 and 0.002 x median(M). The dense engine runs
with the sparse Newton stage off (``newton=False``, plain over-relaxed
Sinkhorn: the "before") and on (the default of ``sinkhorn``). ``ratio`` is
time(reg) / time(0.05 x median) for the same n and setting: the target is
at most 3 with Newton on. Medians of wall time over ``--repeat`` alternating
runs after a warm-up (numba compiled).
"""

import argparse
import os

# Shared machine: passive OpenMP waiting (see bench_entropic.py).
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from _timing import print_table, timed  # noqa: E402

from sklot.solvers import cost_matrix  # noqa: E402
from sklot.solvers._entropic._core import make_schedule  # noqa: E402
from sklot.solvers._entropic._dense import solve_dense  # noqa: E402

DIM = 10
TOL = 1e-6
FACTORS = (0.05, 0.01, 0.005, 0.002)


def _problem(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, DIM))
    Y = rng.normal(size=(n, DIM)) + 0.5
    M = cost_matrix(X, Y)
    a = np.full(n, 1.0 / n)
    return a, a.copy(), M, float(np.median(M))


def _solve(a, b, M, reg, newton):
    # The engine stores its kernel in a new buffer and leaves M intact.
    return solve_dense(
        a, b, M, reg, make_schedule(reg, "auto"), max_iter=100000, tol=TOL,
        newton=newton,
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,4000")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    small = _problem(200)
    for newton in (False, True):
        _solve(*small[:3], 0.002 * small[3], newton)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        a, b, M, med = _problem(n)
        base = {}
        for factor in FACTORS:
            reg = factor * med
            times = {False: [], True: []}
            outs = {}
            for _ in range(args.repeat):
                for newton in (False, True):
                    raw, wall, _ = timed(lambda: _solve(a, b, M, reg, newton))
                    times[newton].append(wall)
                    outs[newton] = raw
            for newton in (False, True):
                t = statistics.median(times[newton])
                if factor == FACTORS[0]:
                    base[newton] = t
                raw = outs[newton]
                P = raw["plan"]
                viol = float(
                    np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum()
                )
                rows.append([
                    n, factor, "on" if newton else "off", t,
                    t / base[newton], raw["n_iter"], raw["n_newton"],
                    viol, bool(raw["converged"]),
                ])
    print_table(
        rows,
        ["n", "reg/median", "newton", "time_s", "ratio", "iters", "newton_steps",
         "l1_violation", "converged"],
    )


if __name__ == "__main__":
    main()
