"""Default threading against one thread, on a small and a large problem.

Usage: ``python benchmarks/bench_threads.py [--only {small,large}]``.

1. Small problems on a busy machine: :class:`sklot.cluster.WassersteinKMeans`
   (exact transport, 5 clusters, ``random_state=0``) on 300 digits of
   scikit-learn's 8 x 8 set (classes 0-4, as in the demo), each image a 2-D
   point cloud of its inked pixels weighted by the ink (about 32 points), so
   every transport problem is about 32 x 32. Timed once with the default
   threading and once with ``SKLOT_NUMBA_PARALLEL=0`` (one thread), while
   another process keeps one core busy. Small problems should not pay for
   threads: the default should be no slower than 1.3 times one thread.
2. A large problem on the machine as it is: ``sinkhorn`` on a 4000 x 4000
   cost matrix (Gaussian clouds in R^2, ``reg=0.5``), default threading
   against ``NUMBA_NUM_THREADS=1`` (the same compiled kernels on one thread)
   and ``SKLOT_NUMBA_PARALLEL=0`` (median of 3 after a warm-up). Here the
   threads should pay off on a machine with idle cores.

Each configuration runs in its own process (the switches are read at
import); compilation happens in an untimed warm-up call. The results (labels,
Sinkhorn plan) are hashed: the number of threads must not change them. The
load average is printed with the tables, since the machine may be shared.
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))

from _timing import print_table, timed  # noqa: E402

_SWITCHES = ("SKLOT_NUMBA_PARALLEL", "NUMBA_NUM_THREADS")
ONE_THREAD_NAME = "SKLOT_NUMBA_PARALLEL=0"
CONFIGURATIONS = [
    ("default", {}),
    ("NUMBA_NUM_THREADS=1", {"NUMBA_NUM_THREADS": "1"}),
    (ONE_THREAD_NAME, {"SKLOT_NUMBA_PARALLEL": "0"}),
]


def digit_clouds(n=300, classes=(0, 1, 2, 3, 4)):
    """Digits as 2-D clouds: inked pixel coordinates, weighted by the ink."""
    import numpy as np
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X[np.isin(y, classes)][:n]
    rows, cols = np.meshgrid(np.arange(8.0), np.arange(8.0), indexing="ij")
    grid = np.column_stack([rows.ravel(), cols.ravel()])
    return [(grid[x > 0], x[x > 0] / x.sum()) for x in X]


def _small():
    import numpy as np

    from sklot.cluster import WassersteinKMeans

    clouds = digit_clouds()
    WassersteinKMeans(n_clusters=5, random_state=0).fit(clouds[:30])  # compile
    km, wall, cpu = timed(
        lambda: WassersteinKMeans(n_clusters=5, random_state=0).fit(clouds)
    )
    return {
        "seconds": wall,
        "cpu": cpu,
        "n_iter": int(km.n_iter_),
        "result": hashlib.sha256(np.asarray(km.labels_).tobytes()).hexdigest()[:12],
    }


def _large():
    import numpy as np

    from sklot.solvers import cost_matrix, sinkhorn

    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 2))
    Y = rng.normal(size=(4000, 2)) + 1.0
    M = cost_matrix(X, Y)
    a = np.full(4000, 1 / 4000)
    sinkhorn(a, a, M, 0.5)  # compile
    times, res = [], None
    for _ in range(3):
        res, wall, _ = timed(lambda: sinkhorn(a, a, M, 0.5))
        times.append(wall)
    return {
        "seconds": statistics.median(times),
        "n_iter": int(res.n_iter),
        "result": hashlib.sha256(res.plan.tobytes()).hexdigest()[:12],
    }


def _child(workload):
    from sklot._kernels import _config

    out = {"small": _small, "large": _large}[workload]()
    out["threads"] = _config.num_threads()
    print(json.dumps(out))


def _run(workload, env_extra, busy):
    env = {k: v for k, v in os.environ.items() if k not in _SWITCHES}
    env.update(env_extra)
    spinner = None
    if busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", workload],
            env=env, capture_output=True, text=True, check=True,
        )
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    return json.loads(out.stdout.strip().splitlines()[-1])


def _table(title, workload, busy, configurations):
    print(f"\n{title} (load average {os.getloadavg()[0]:.1f})")
    results = {name: _run(workload, env, busy) for name, env in configurations}
    one = results[ONE_THREAD_NAME]["seconds"]
    rows = [
        [name, r["threads"], r["seconds"], r["seconds"] / one, r["n_iter"],
         r["result"]]
        for name, r in results.items()
    ]
    print_table(
        rows,
        ["configuration", "threads", "seconds", "/ PARALLEL=0", "n_iter",
         "result hash"],
    )
    # The thread count never changes the result; SKLOT_NUMBA_PARALLEL=0 is
    # another compilation of the large kernels and may round differently.
    same = len({r["result"] for n, r in results.items() if n != ONE_THREAD_NAME})
    print("same result whatever the number of threads:", same == 1)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["small", "large"])
    parser.add_argument("--only", choices=["small", "large"])
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    if args.only != "large":
        _table(
            "WassersteinKMeans, 300 digit clouds of ~32 points, one core kept "
            "busy", "small", True, [CONFIGURATIONS[0], CONFIGURATIONS[2]],
        )
    if args.only != "small":
        _table(
            "sinkhorn, 4000 x 4000 cost matrix, no extra load",
            "large", False, CONFIGURATIONS,
        )


if __name__ == "__main__":
    main()
