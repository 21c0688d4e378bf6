"""Wasserstein DRO logistic regression: sklot against `dro` and skwdro.

Usage::

    python benchmarks/bench_dro.py [--n 100000] [--d 50] [--skwdro-n 1000]
                                   [--dro-n 100000] [--skip dro,skwdro]

Synthetic standardised data (``n`` x ``d`` Gaussian features, labels from a
noisy logistic model). Every solution ``(w, b)`` is evaluated in sklot's exact
objective: the worst-case expected log-loss over the Wasserstein ball, with
the multiplier re-optimised in closed form, so the objective column compares
the peers' classifiers on the same footing (lower is better).

Peers (``pip install dro skwdro``; skwdro needs torch):

- ``dro`` (``dro.linear_model.WassersteinDRO``, model_type="logistic"): the
  same convex program, modelled in cvxpy and solved by CLARABEL. Its package
  ``__init__`` imports its neural-network models (torchvision, torchattacks,
  xgboost, lightgbm); the linear model needs none of them, so the script
  imports ``dro.linear_model`` without running that ``__init__``.
- ``skwdro`` (``skwdro.linear_models.LogisticRegression``): an entropic
  relaxation solved by stochastic gradient in torch. Its transport cost is
  ``(||x - x'||_p + k |y - y'|) / (1 + k)`` to the power 1 or 2; a power-1
  cost with labels is implemented for ``p`` in {1, inf} only, so it takes
  part in the ``p=inf``, labels-fixed configuration, with ``k = 1000``
  (labels pinned) and ``rho = radius / (1 + k)``, which is sklot's ball with
  ``label_cost=inf``. It is slow (minutes at n = 1000), hence ``--skwdro-n``.
"""

import argparse
import importlib.util
import os
import resource
import sys
import threading
import time
import types
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from _timing import median_time, peak_memory, print_table, ratio  # noqa: E402

from sklot.linear_model import WassersteinDROClassifier  # noqa: E402
from sklot.linear_model._dro_solver import robust_objective  # noqa: E402

RADIUS = 0.05
CONFIGS = [
    # (name, p, label_cost)
    ("p=2, labels fixed", 2.0, np.inf),
    ("p=inf, labels fixed", np.inf, np.inf),
    ("p=inf, label_cost=1", np.inf, 1.0),
]


def make_data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d) / np.sqrt(d)
    y = np.where(2.0 * X @ w + rng.logistic(size=n) > 0, 1.0, -1.0)
    return X, y


def exact_objective(X, y, coef, intercept, p, kappa):
    s = np.full(X.shape[0], 1.0 / X.shape[0])
    _, value = robust_objective(
        X, y, s, np.asarray(coef, dtype=float).ravel(), float(intercept),
        radius=RADIUS, kappa=kappa, loss="logistic", p=p,
    )
    return value


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def timed_once(fn):
    """Run ``fn()`` once: (result, seconds, peak resident-set growth in bytes).

    Only the resident set is sampled (no tracemalloc), so the peers' Python
    code runs at full speed.
    """
    base = _rss()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tic = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - tic
        done.set()
        sampler.join()
    return result, elapsed, peak[0] - base


def import_dro():
    spec = importlib.util.find_spec("dro")
    if spec is None:
        return None
    if "dro" not in sys.modules:
        package = types.ModuleType("dro")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["dro"] = package
    from dro.linear_model.wasserstein_dro import WassersteinDRO

    return WassersteinDRO


def import_skwdro():
    try:
        from skwdro.linear_models import LogisticRegression
    except ImportError:
        return None
    return LogisticRegression


def run_sklot(X, y, p, kappa, repeat, tol):
    def fit():
        return WassersteinDROClassifier(RADIUS, p=p, label_cost=kappa, tol=tol).fit(
            X, y
        )

    seconds = median_time(fit, repeat=repeat, warmup=1)
    clf, memory = peak_memory(fit)
    value = exact_objective(X, y, clf.coef_, clf.intercept_[0], p, kappa)
    assert abs(value - clf.worst_case_loss_[0]) < 1e-12
    return seconds, value, memory, f"{clf.n_iter_[0]} iterations"


def run_dro(WassersteinDRO, X, y, p, kappa):
    def fit():
        model = WassersteinDRO(input_dim=X.shape[1], model_type="logistic")
        model.update({
            "eps": RADIUS,
            "p": "inf" if np.isinf(p) else p,
            "kappa": "inf" if np.isinf(kappa) else kappa,
        })
        model.fit(X, y)
        return model

    model, seconds, memory = timed_once(fit)
    value = exact_objective(X, y, model.theta, model.b, p, kappa)
    return seconds, value, memory, f"reported {model.robust_obj:.6f}"


def run_skwdro(LogisticRegression, X, y, p, kappa):
    k = 1000.0
    cost = f"t-NLC-1-{'inf' if np.isinf(p) else int(p)}-{k:g}"

    def fit():
        return LogisticRegression(rho=RADIUS / (1.0 + k), cost=cost).fit(X, y)

    model, seconds, memory = timed_once(fit)
    value = exact_objective(X, y, model.coef_, model.intercept_, p, kappa)
    return seconds, value, memory, f"cost {cost}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--dro-n", type=int, default=None,
                        help="sample size for dro (default: --n)")
    parser.add_argument("--skwdro-n", type=int, default=1000,
                        help="sample size for skwdro (slow: about 4 minutes "
                        "at 1000 here)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tol", type=float, default=1e-10,
                        help="sklot's tol (its default, 1e-6, leaves about "
                        "1e-7 on the objective; CLARABEL gets closer)")
    parser.add_argument("--skip", default="", help="comma-separated peers")
    parser.add_argument("--configs", default="0,1,2",
                        help="indices into CONFIGS")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    warnings.filterwarnings("ignore")
    peers = {}
    if "dro" not in skip:
        peers["dro"] = import_dro()
    if "skwdro" not in skip:
        peers["skwdro"] = import_skwdro()
    for name, cls in peers.items():
        if cls is None:
            print(f"{name}: not installed, skipped")
    dro_n = args.dro_n or args.n
    rows = []
    cache = {}

    def data(n):
        if n not in cache:
            cache[n] = make_data(n, args.d)
        return cache[n]

    for index in map(int, args.configs.split(",")):
        label, p, kappa = CONFIGS[index]
        sizes = {args.n}
        if peers.get("dro") is not None:
            sizes.add(dro_n)
        with_skwdro = (
            peers.get("skwdro") is not None and np.isinf(p) and np.isinf(kappa)
        )
        if with_skwdro:
            sizes.add(args.skwdro_n)
        ours = {}
        for n in sorted(sizes):
            X, y = data(n)
            seconds, value, memory, note = run_sklot(
                X, y, p, kappa, args.repeat, args.tol
            )
            ours[n] = (seconds, value)
            rows.append([label, n, "sklot", seconds, "1", f"{value:.10f}", "0",
                         f"{memory / 2**20:.0f}", note])
            print(f"[{label}] n={n} sklot {seconds:.3g} s", flush=True)
        runs = []
        if peers.get("dro") is not None:
            runs.append(("dro (cvxpy+CLARABEL)", dro_n,
                         lambda X, y: run_dro(peers["dro"], X, y, p, kappa)))
        if with_skwdro:
            runs.append(("skwdro (entropic, torch)", args.skwdro_n,
                         lambda X, y: run_skwdro(peers["skwdro"], X, y, p, kappa)))
        for peer, n, fn in runs:
            X, y = data(n)
            try:
                seconds, value, memory, note = fn(X, y)
            except Exception as exc:  # report, do not hide, a peer's failure
                rows.append([label, n, peer, "failed", "-", "-", "-", "-",
                             f"{type(exc).__name__}: {exc}"[:60]])
                continue
            base_seconds, base_value = ours[n]
            rows.append([label, n, peer, seconds, f"{ratio(seconds, base_seconds):.1f}",
                         f"{value:.10f}", f"{value - base_value:+.2e}",
                         f"{memory / 2**20:.0f}", note])
            print(f"[{label}] n={n} {peer} {seconds:.3g} s", flush=True)
    print()
    print(f"d = {args.d}, radius = {RADIUS}, logistic loss, sklot tol = "
          f"{args.tol:g}; objective = exact "
          "worst-case expected log-loss of each solution (lower is better); "
          "ratio = peer time / sklot time at the same n")
    print_table(rows, ["configuration", "n", "solver", "time (s)", "ratio",
                       "objective", "minus sklot", "peak MB", "note"])


if __name__ == "__main__":
    main()
