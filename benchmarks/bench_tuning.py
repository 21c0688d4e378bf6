"""Warm-started tuning: a GridSearchCV over ``OTDomainAdapter(reg=...)``.

Usage: ``python benchmarks/bench_tuning.py [--quick] [--repeat R]
[--threads T] [--blas-threads T]``.

The grid of 8 candidates x 3 folds on 3,800 rows x 64 features (1,900
source and 1,900 shifted target rows of
:func:`sklot.datasets.make_domain_shift`, 10 classes), the model
``StandardScaler -> DomainAdaptationClassifier(LogisticRegression,
OTDomainAdapter)`` scored by :func:`sklot.metrics.prediction_entropy_scorer`.
Each round runs the same search twice, interleaved: once inside
``transport_cache(enabled=False)`` (every candidate and fold solves from
scratch, as before the cache existed) and once with the reuse on (cost
matrix and its scale shared between candidates of the same fold, and each
entropic fit warm-started from the dual potentials of the nearest ``reg``
already solved on the fold, within a factor 4).
Printed: the whole search, and its transport part (the time spent in
``OTDomainAdapter`` fits, timed by wrapping them: wall time and process
CPU time, which counts every thread), medians over rounds, the largest gap
between the two searches' scores, and numba's threading layer and thread
count. On a machine whose cores other processes keep busy, each call of a
parallel kernel may wait for a time slice; ``--threads 1`` (numba's and
the BLAS's thread count, same results) gives steadier figures there.
``--blas-threads 1`` limits the BLAS alone: its threads, waiting for work
after each call, otherwise compete with numba's for the same cores.
"""

import argparse
import os
import time
import warnings

import numba
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklot.adaptation import (
    DomainAdaptationClassifier,
    OTDomainAdapter,
    transport_cache,
)
from sklot.datasets import make_domain_shift
from sklot.metrics import prediction_entropy_scorer

REGS = [1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005]
PREFIX = "domainadaptationclassifier__adapter__"


class _FitTimer:
    """Accumulate the time (and solver iterations) of ``OTDomainAdapter.fit``."""

    def __init__(self):
        self.total = 0.0
        self.cpu = 0.0
        self.n_iter = 0
        self._orig = OTDomainAdapter.fit

    def __enter__(self):
        orig = self._orig
        timer = self

        def fit(adapter, *args, **kwargs):
            tic, cpu = time.perf_counter(), time.process_time()
            try:
                return orig(adapter, *args, **kwargs)
            finally:
                timer.total += time.perf_counter() - tic
                timer.cpu += time.process_time() - cpu
                timer.n_iter += getattr(adapter, "n_iter_", 0)

        OTDomainAdapter.fit = fit
        return self

    def __exit__(self, *exc):
        OTDomainAdapter.fit = self._orig


def search(X, y, regs):
    model = make_pipeline(
        StandardScaler(),
        DomainAdaptationClassifier(
            LogisticRegression(max_iter=200), OTDomainAdapter(reg=regs[0])
        ),
    )
    grid = GridSearchCV(
        model, {PREFIX + "reg": regs},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring=prediction_entropy_scorer, refit=False, n_jobs=1,
        error_score="raise",
    )
    with _FitTimer() as timer:
        tic = time.perf_counter()
        grid.fit(X, y)
        total = time.perf_counter() - tic
    return total, timer.total, timer.cpu, timer.n_iter, grid.cv_results_


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,200 rows")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=None,
        help="numba and BLAS threads (default: numba's and the BLAS's own)",
    )
    parser.add_argument(
        "--blas-threads", type=int, default=None,
        help="BLAS threads only (numba keeps its own count)",
    )
    args = parser.parse_args()
    if args.threads is not None:
        numba.set_num_threads(args.threads)
        threadpool_limits(args.threads, user_api="blas")
    if args.blas_threads is not None:
        threadpool_limits(args.blas_threads, user_api="blas")
    warnings.filterwarnings("ignore")
    n = 600 if args.quick else 1900
    X, y = make_domain_shift(
        "conditional", n_samples_source=n, n_samples_target=n, n_features=64,
        n_classes=10, random_state=0,
    )
    print(f"{X.shape[0]} rows x {X.shape[1]} features, {len(REGS)} candidates "
          f"(reg = {REGS}) x 3 folds")
    warm = np.r_[0:150, len(y) - 150:len(y)]
    print(f"load average before: {os.getloadavg()}")
    search(X[warm], y[warm], REGS[:2])  # compile the numba kernels
    runs = {"from scratch": [], "reused": []}
    scores = {}
    for _ in range(args.repeat):
        for name in runs:
            with transport_cache(enabled=name == "reused", clear=True):
                total, transport, cpu, n_iter, res = search(X, y, REGS)
            runs[name].append((total, transport, cpu, n_iter))
            scores[name] = res["mean_test_score"]
    med = {k: np.median(np.array(v), axis=0) for k, v in runs.items()}
    print(f"\n{'':14s} {'search (s)':>11s} {'transport (s)':>14s} "
          f"{'transport CPU (s)':>18s} {'Sinkhorn iterations':>20s}")
    for name, (total, transport, cpu, n_iter) in med.items():
        print(f"{name:14s} {total:11.2f} {transport:14.2f} {cpu:18.2f} "
              f"{n_iter:20.0f}")
    speed = [med["from scratch"][i] / med["reused"][i] for i in range(4)]
    print(f"{'ratio':14s} {speed[0]:10.2f}x {speed[1]:13.2f}x {speed[2]:17.2f}x "
          f"{speed[3]:19.2f}x")
    gap = np.abs(scores["reused"] - scores["from scratch"]).max()
    print(f"largest gap between the candidates' mean scores: {gap:.2e}")
    print(f"load average after: {os.getloadavg()}")
    print(f"numba threading layer {numba.threading_layer()}, "
          f"{numba.get_num_threads()} threads")


if __name__ == "__main__":
    main()
