"""Exact 1D and sliced Wasserstein: sklot against POT (and SciPy), one run.

Called by ``bench_exact.py``; ``python benchmarks/_bench_sliced.py [--quick]``
runs this part alone. Ratios are peer time / sklot time (larger is better
for sklot): medians of wall time over repeats after a warm-up call (numba
compiled), sklot and the peers timed alternately so that load from other
processes hits all alike. The ``cpu`` ratio compares process CPU time,
less sensitive to a busy machine; it counts every thread, so it is the
ratio of work done rather than of waiting time.
"""

import argparse
import os
import statistics
import sys

import numpy as np
import ot
import scipy.stats

sys.path.insert(0, os.path.dirname(__file__))

from _timing import peak_memory, print_table, ratio, timed  # noqa: E402

from sklot.solvers import (  # noqa: E402
    random_projections,
    sliced_wasserstein,
    wasserstein_1d,
)

MB = 2.0**20


def _rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def _alternate(fns, repeat):
    """Median wall and CPU seconds of each function, timed in turn."""
    times = [([], []) for _ in fns]
    values = [None] * len(fns)
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            values[k], wall, cpu = timed(fn)
            times[k][0].append(wall)
            times[k][1].append(cpu)
    return values, [
        (statistics.median(w), statistics.median(c)) for w, c in times
    ]


def bench_sliced(n, dim, n_projections, repeat_pot):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, dim))
    Y = rng.normal(size=(n, dim)) * 1.5 + 0.5
    theta = random_projections(n_projections, dim, random_state=0)
    theta_pot = np.ascontiguousarray(theta.T)  # POT wants (dim, n_projections)

    def ours():
        return sliced_wasserstein(X, Y, projections=theta)

    def pot():
        return ot.sliced_wasserstein_distance(X, Y, projections=theta_pot)

    ours()  # compile / load the kernels
    (v_ours, v_pot), ((t_ours, c_ours), (t_pot, c_pot)) = _alternate(
        [ours, pot], repeat_pot
    )
    _, m_ours = peak_memory(ours)
    m_pot = peak_memory(pot)[1] if repeat_pot > 1 else float("nan")
    return [
        f"sliced n={n} d={dim} L={n_projections}",
        t_ours,
        t_pot,
        ratio(t_pot, t_ours),
        ratio(c_pot, c_ours),
        _rel(v_ours, float(v_pot)),
        m_ours / MB,
        m_pot / MB,
    ]


def bench_1d(n, weighted):
    rng = np.random.default_rng(1)
    u = rng.normal(size=n)
    v = rng.standard_t(4, size=n) + 0.2
    a = rng.random(n) if weighted else None
    b = rng.random(n) if weighted else None
    a_pot = a / a.sum() if weighted else None
    b_pot = b / b.sum() if weighted else None

    def ours():
        return wasserstein_1d(u, v, a, b, p=1)

    def pot():
        return ot.wasserstein_1d(u, v, a_pot, b_pot, p=1)

    def scipy_():
        return scipy.stats.wasserstein_distance(u, v, a, b)

    for fn in (ours, pot, scipy_):
        fn()
    values, timings = _alternate([ours, pot, scipy_], 5)
    (t_ours, c_ours), (t_pot, c_pot), (t_scipy, c_scipy) = timings
    _, m_ours = peak_memory(ours)
    _, m_pot = peak_memory(pot)
    label = "weighted" if weighted else "uniform"
    return [
        f"wasserstein_1d n={n} {label}",
        t_ours,
        t_pot,
        ratio(t_pot, t_ours),
        ratio(c_pot, c_ours),
        t_scipy,
        ratio(t_scipy, t_ours),
        max(_rel(values[0], float(values[1])), _rel(values[0], values[2])),
        m_ours / MB,
        m_pot / MB,
    ]


def run(quick=False):
    """Print the sliced and 1D tables."""
    n_sliced = 10**4 if quick else 10**5
    n_1d = 10**5 if quick else 10**6
    print("\n## Sliced Wasserstein (same projections for both)")
    rows = [
        bench_sliced(n_sliced, 10, 50, repeat_pot=3),
        bench_sliced(n_sliced, 10, 500, repeat_pot=3 if quick else 1),
    ]
    print_table(
        rows,
        ["case", "sklot s", "POT s", "POT/sklot", "cpu ratio", "value rel diff",
         "sklot MB", "POT MB"],
    )
    print("\n## Exact 1D, p = 1")
    rows = [bench_1d(n_1d, weighted=False), bench_1d(n_1d, weighted=True)]
    print_table(
        rows,
        ["case", "sklot s", "POT s", "POT/sklot", "cpu ratio", "SciPy s",
         "SciPy/sklot", "value rel diff", "sklot MB", "POT MB"],
    )
    print(
        "(POT's 500-projection run is timed once in the full run: it takes "
        "about a minute; its memory column is then not measured. cpu ratio: "
        "POT CPU seconds / sklot CPU seconds over all threads.)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    run(quick=parser.parse_args().quick)
