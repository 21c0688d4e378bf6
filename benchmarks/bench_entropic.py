"""Entropic OT: sklot ``sinkhorn`` against POT, in one run.

Usage: ``python benchmarks/bench_entropic.py [--quick] [--free-n N]
[--parts 1234]``.

Problem: uniform Gaussian clouds in R^10 (``Y`` shifted by 0.5 in every
coordinate), squared Euclidean cost, ``reg = 0.05 * median(M)``, tolerance
1e-9 on the marginals. sklot stops when the L1 marginal violation (both
marginals, relative to the mass) is below ``tol``; POT stops when the L2 norm
of its column violation is, a weaker test: the achieved L1 violations are
printed next to the times.

Parts:

1. POT ``method="sinkhorn_log"``. At n = 1000 it runs to convergence; at
   n = 4000 a full run would take minutes, so POT runs a fixed number of
   iterations and its total is extrapolated: per-iteration time times the
   iterations POT's kernel Sinkhorn needs at the same tolerance (the two
   methods compute the same iterates). The table says which.
2. POT ``method="sinkhorn"`` (kernel form), both to convergence.
3. A small regularization where POT's kernel form underflows.
4. The matrix-free form at n = m = 50 000 (``--free-n`` to change): time
   and peak memory (``_timing.peak_memory``); a dense float64 cost would
   take 20 GB.

Ratios are POT time / sklot time (larger is better for sklot): medians of
wall time over alternating repeats after a warm-up call (numba compiled).
``cpu`` columns give process CPU time, less sensitive to a busy machine.
``OMP_WAIT_POLICY`` defaults to ``passive`` here (see below).
"""

import argparse
import gc
import os

# The machine is shared: OpenMP threads that spin while waiting for a
# descheduled partner make every parallel kernel (numba's and BLAS's)
# many times slower. Passive waiting is the fair setting for both sides.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
import statistics
import sys
import time
import warnings

import numpy as np
import ot

sys.path.insert(0, os.path.dirname(__file__))

from _timing import peak_memory, print_table, ratio, timed  # noqa: E402

from sklot.solvers import cost_matrix, sinkhorn  # noqa: E402

DIM = 10
TOL = 1e-9
MB = 2.0**20


def _clouds(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, DIM))
    Y = rng.normal(size=(n, DIM)) + 0.5
    return X, Y


def _problem(n, factor=0.05):
    X, Y = _clouds(n)
    M = cost_matrix(X, Y)
    a = np.full(n, 1.0 / n)
    return a, a.copy(), M, factor * float(np.median(M))


def _l1_violation(P, a, b):
    return float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())


def _alternate(fns, repeat):
    """Time several functions alternately; medians of (wall, cpu) and outputs."""
    walls = [[] for _ in fns]
    cpus = [[] for _ in fns]
    outs = [None] * len(fns)
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            outs[k], w, c = timed(fn)
            walls[k].append(w)
            cpus[k].append(c)
    return (
        [statistics.median(w) for w in walls],
        [statistics.median(c) for c in cpus],
        outs,
    )


def _pot(a, b, M, reg, method, max_iter=100000, stop=TOL):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        P, log = ot.sinkhorn(
            a, b, M, reg, method=method, numItermax=max_iter, stopThr=stop,
            log=True,
        )
    return P, log


def part_log(sizes, repeat):
    rows = []
    for n in sizes:
        a, b, M, reg = _problem(n)

        def ours():
            return sinkhorn(a, b, M, reg, tol=TOL, max_iter=10000)

        full = n <= 1000
        if full:

            def pot():
                return _pot(a, b, M, reg, "sinkhorn_log")

            (t_us, t_pot), (c_us, c_pot), (res, (P, log)) = _alternate(
                [ours, pot], repeat
            )
            pot_iter = log["niter"]
            note = "full run"
            pot_err = _l1_violation(P, a, b)
        else:
            k = 5
            (t_us,), (c_us,), (res,) = _alternate([ours], repeat)
            _, t_k, c_k = timed(lambda: _pot(a, b, M, reg, "sinkhorn_log", k, 0.0))
            _, kernel_log = _pot(a, b, M, reg, "sinkhorn")
            pot_iter = kernel_log["niter"]
            t_pot = t_k / k * pot_iter
            c_pot = c_k / k * pot_iter
            note = f"{k} iterations timed ({t_k / k:.3g} s each) x {pot_iter}"
            pot_err = float("nan")
        rows.append([
            n, f"{t_us:.3g}", f"{c_us:.3g}", res.n_iter,
            f"{res.extra['violation']:.1e}", f"{t_pot:.3g}", f"{c_pot:.3g}",
            pot_iter, f"{pot_err:.1e}", f"{ratio(t_pot, t_us):.1f}",
            f"{ratio(c_pot, c_us):.1f}", note,
        ])
    print("\n== 1. sklot sinkhorn vs POT sinkhorn_log (log-domain), "
          "reg = 0.05 median(M), tol 1e-9")
    print_table(rows, [
        "n", "sklot s", "cpu", "iter", "L1 viol", "POT s", "cpu", "iter",
        "L1 viol", "ratio", "cpu ratio", "POT timing",
    ])


def part_kernel(sizes, repeat):
    rows = []
    for n in sizes:
        a, b, M, reg = _problem(n)

        def ours():
            return sinkhorn(a, b, M, reg, tol=TOL, max_iter=10000)

        def pot():
            return _pot(a, b, M, reg, "sinkhorn")

        (t_us, t_pot), (c_us, c_pot), (res, (P, log)) = _alternate(
            [ours, pot], repeat
        )
        _, mem = peak_memory(ours)
        rows.append([
            n, f"{t_us:.3g}", f"{c_us:.3g}", res.n_iter,
            f"{res.extra['violation']:.1e}", f"{t_pot:.3g}", f"{c_pot:.3g}",
            log["niter"], f"{_l1_violation(P, a, b):.1e}",
            f"{ratio(t_pot, t_us):.2f}", f"{ratio(c_pot, c_us):.2f}",
            f"{mem / MB:.0f}",
        ])
    print("\n== 2. sklot sinkhorn vs POT sinkhorn (kernel form), "
          "reg = 0.05 median(M), tol 1e-9")
    print_table(rows, [
        "n", "sklot s", "cpu", "iter", "L1 viol", "POT s", "cpu", "iter",
        "L1 viol", "ratio", "cpu ratio", "sklot peak MB",
    ])


def part_small_reg(n):
    rows = []
    for factor in (0.002, 0.001, 0.0005):
        a, b, M, reg = _problem(n, factor)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            P = ot.sinkhorn(a, b, M, reg, numItermax=10000, stopThr=TOL)
        numeric = any("divide" in str(w.message) or "overflow" in str(w.message)
                      for w in caught)
        res, t_us, _ = timed(
            lambda: sinkhorn(a, b, M, reg, max_iter=10000, warn=False)
        )
        rows.append([
            n, f"{factor:g} median", f"{np.nansum(P):.2g}",
            f"{_l1_violation(np.nan_to_num(P), a, b):.2g}",
            "yes" if numeric else "no",
            f"{res.plan.sum():.6g}", f"{bool(np.all(np.isfinite(res.plan)))}",
            f"{res.converged}", res.n_iter, f"{res.extra['violation']:.1e}",
            f"{t_us:.3g}",
        ])
    print("\n== 3. small regularization: POT sinkhorn (kernel form) vs sklot, "
          "10 000 iterations at most")
    print_table(rows, [
        "n", "reg", "POT mass", "POT L1 viol", "POT divide/overflow",
        "sklot mass", "finite", "converged", "iter", "L1 viol", "sklot s",
    ])


def part_matrix_free(n):
    X, Y = _clouds(n)
    rng = np.random.default_rng(1)
    sub = rng.choice(n, size=min(n, 2000), replace=False)
    reg = 0.05 * float(np.median(cost_matrix(X[sub], Y[sub])))
    # Warm up the kernels on a small problem.
    sinkhorn(reg=reg, X=X[:500], Y=Y[:500], max_iter=5, warn=False)
    gc.collect()
    cpu = time.process_time()
    wall = time.perf_counter()
    res, mem = peak_memory(
        lambda: sinkhorn(reg=reg, X=X, Y=Y, tol=TOL, max_iter=10000)
    )
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    pairs = 2.0 * n * n * res.n_iter
    print(f"\n== 4. matrix-free sinkhorn, n = m = {n}, d = {DIM}, "
          f"reg = 0.05 median (from a 2000-point subsample), tol 1e-9")
    print_table([[
        n, f"{wall:.1f}", f"{cpu:.1f}", res.n_iter, f"{res.converged}",
        f"{res.extra['violation']:.1e}", f"{mem / MB:.0f}",
        f"{8.0 * n * n / MB:.0f}", f"{pairs / cpu / 1e6:.0f}",
    ]], [
        "n", "wall s", "cpu s", "iter", "converged", "L1 viol", "peak MB",
        "dense cost MB", "M pairs / cpu s",
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--free-n", type=int, default=None,
                        help="size of the matrix-free problem")
    parser.add_argument("--parts", default="1234",
                        help="which parts to run, e.g. 12 or 4")
    args = parser.parse_args()
    sizes = (1000,) if args.quick else (1000, 4000)
    repeat = 1 if args.quick else 3
    # Compile the kernels (serial and parallel builds) before timing.
    for n in (50, 600):
        a, b, M, reg = _problem(n)
        sinkhorn(a, b, M, reg, max_iter=20, warn=False)
    if "1" in args.parts:
        part_log(sizes, repeat)
    if "2" in args.parts:
        part_kernel(sizes, repeat)
    if "3" in args.parts:
        part_small_reg(1000)
    if "4" in args.parts:
        part_matrix_free(args.free_n or (10000 if args.quick else 50000))


if __name__ == "__main__":
    main()
