"""Adaptation at scale: ``OTDomainAdapter(max_samples=...)`` and chunked mapping.

Usage::

    python benchmarks/bench_adaptation_scale.py accuracy [--n 10000]
    python benchmarks/bench_adaptation_scale.py scale [--n 100000] [--new 1000000]

``accuracy``: on :func:`sklot.datasets.make_domain_shift` shifts (n source
= n target rows, 50 features), the target accuracy of
``StandardScaler -> LogisticRegression`` trained on the adapted source rows,
and the mean distance of the mapped source rows to those of the full solve
(relative to the mean displacement of the full solve), for the full solve
(matrix-free Sinkhorn at this size) and for subsamples of each domain.

``scale``: fit on n x n rows (d = 50) with a subsample, then map ``--new``
rows out of sample with ``n_jobs=2``; wall time of each step and the peak
resident memory of the process (``ru_maxrss``, data included).
"""

import argparse
import resource
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import OTDomainAdapter
from sklot.datasets import make_domain_shift

REG = 0.1


def _cpu():
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def accuracy(args):
    subsamples = [None] + args.max_samples
    print(f"n = {args.n} per domain, d = 50, reg = {REG} x median cost\n")
    print(f"{'shift':12s} {'max_samples':>11s} {'fit (s)':>8s} "
          f"{'target acc.':>11s} {'map gap':>8s}")
    for kind in args.kinds:
        X, y, y_t = make_domain_shift(
            kind, n_samples_source=args.n, n_samples_target=args.n,
            n_features=50, n_classes=3, return_target_labels=True,
            random_state=0,
        )
        source = y != -1
        full = None
        for k in subsamples:
            adapter = OTDomainAdapter(reg=REG, max_samples=k, random_state=0,
                                      n_jobs=2)
            tic = time.perf_counter()
            mapped = adapter.fit_transform(X, y)[source]
            fit = time.perf_counter() - tic
            clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
            acc = clf.fit(mapped, y[source]).score(X[~source], y_t)
            if full is None:
                full = mapped
                moved = np.linalg.norm(full - X[source], axis=1).mean()
            gap = np.linalg.norm(mapped - full, axis=1).mean() / moved
            print(f"{kind:12s} {str(k or 'all'):>11s} {fit:8.1f} {acc:11.3f} "
                  f"{gap:8.3f}", flush=True)


def scale(args):
    rng = np.random.default_rng(0)
    d = 50
    X, y = make_domain_shift(
        "covariate", n_samples_source=args.n, n_samples_target=args.n,
        n_features=d, n_classes=3, random_state=0,
    )
    print(f"n = {args.n} per domain, d = {d}, max_samples = {args.max_samples[0]},"
          f" reg = {REG}; data {X.nbytes / 2**20:.0f} MiB, "
          f"rss before fit {_rss_mib():.0f} MiB")
    adapter = OTDomainAdapter(reg=REG, max_samples=args.max_samples[0],
                              random_state=0, n_jobs=2)
    tic, cpu = time.perf_counter(), _cpu()
    adapter.fit_transform(X, y)
    print(f"fit_transform: {time.perf_counter() - tic:.1f} s wall, "
          f"{_cpu() - cpu:.1f} s CPU (n_iter {adapter.n_iter_}), peak rss "
          f"{_rss_mib():.0f} MiB", flush=True)
    del X, y
    X_new = rng.normal(size=(args.new, d))
    tic, cpu = time.perf_counter(), _cpu()
    out = adapter.transform(X_new)
    print(f"transform of {args.new} rows (n_jobs=2): "
          f"{time.perf_counter() - tic:.1f} s wall, {_cpu() - cpu:.1f} s CPU, "
          f"peak rss {_rss_mib():.0f} MiB "
          f"(input and output {2 * out.nbytes / 2**20:.0f} MiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["accuracy", "scale"])
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--new", type=int, default=10**6)
    parser.add_argument("--max-samples", type=int, nargs="+", default=None)
    parser.add_argument("--kinds", nargs="+",
                        default=["covariate", "conditional", "subspace"])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.what == "accuracy":
        args.n = args.n or 10**4
        args.max_samples = args.max_samples or [1000, 2000, 5000]
        accuracy(args)
    else:
        args.n = args.n or 10**5
        args.max_samples = args.max_samples or [4000]
        scale(args)


if __name__ == "__main__":
    main()
