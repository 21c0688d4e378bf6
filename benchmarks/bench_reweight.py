"""Importance reweighting for covariate shift: sklot against skada.

Part 1, accuracy: on covariate-shift draws (skada's ``make_shifted_datasets``
and sklot's ``make_domain_shift``) and on the breast cancer and digits
shifts of ``bench_skada.py``, the same ``StandardScaler ->
LogisticRegression`` is trained on the source rows with the weights of each
method, and scored on the target labels (which no method sees).

Part 2, time: the fit of the same pipeline on Gaussian domains of growing
size; a method is not run at a larger size when its square kernel matrix
would take tens of GB, or when its last time, grown in proportion to the
rows (at least), would exceed ``--budget`` seconds.

Run ``python benchmarks/bench_reweight.py [--seeds 20] [--sizes 1000 10000
100000]`` (skada is a bench extra).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import DomainAdaptationClassifier, ImportanceReweighter
from sklot.datasets import make_domain_shift

sys.path.insert(0, str(Path(__file__).parent))


def base():
    return LogisticRegression(max_iter=1000)


def sklot_methods():
    def pipe(adapter):
        return make_pipeline(
            StandardScaler(), DomainAdaptationClassifier(base(), adapter)
        )

    return {
        "source-only": pipe("passthrough"),
        "sklot density_ratio": pipe(ImportanceReweighter("density_ratio")),
        "sklot kernel_density_ratio": pipe(
            ImportanceReweighter("kernel_density_ratio", random_state=0)
        ),
    }


def skada_methods():
    import skada

    def pipe(adapter):
        clf = base().set_fit_request(sample_weight=True)
        return skada.make_da_pipeline(StandardScaler(), adapter, clf)

    return {
        "skada Discriminator": pipe(skada.DiscriminatorReweightAdapter()),
        "skada Density (KDE)": pipe(skada.DensityReweightAdapter()),
        "skada KMM": pipe(skada.KMMReweightAdapter()),
        "skada KLIEP": pipe(skada.KLIEPReweightAdapter(gamma=[0.1, 1.0])),
        "skada Gaussian": pipe(skada.GaussianReweightAdapter()),
        "skada NearestNeighbor": pipe(skada.NearestNeighborReweightAdapter()),
    }


# rows of both domains above which a method's square kernel matrix is not
# formed (10,000 source rows take 0.8 GB, 100,000 take 80 GB)
QUADRATIC = {"skada KMM": 20_000}


def skada_draw(seed):
    from skada.datasets import make_shifted_datasets

    X, y, sd = make_shifted_datasets(
        n_samples_source=25, n_samples_target=25, shift="covariate_shift",
        noise=0.3, label="binary", random_state=seed,
    )
    return X, y, sd


def sklot_draw(seed):
    X, y, y_target = make_domain_shift(
        "covariate", n_samples_source=150, n_samples_target=150,
        return_target_labels=True, random_state=seed,
    )
    target = y == -1
    y = y.copy()
    y[target] = y_target
    sd = np.where(target, -2, 1)
    return X, y, sd


def fit_score(name, model, X, y, sd):
    """Fit on the source labels and all rows; target accuracy."""
    t = sd < 0
    masked = np.where(t, -1, y)
    if name.startswith("skada"):
        with sklearn.config_context(enable_metadata_routing=True):
            model.fit(X, masked, sample_domain=sd)
            return float(np.mean(model.predict(X[t], sample_domain=sd[t]) == y[t]))
    model.fit(X, masked)
    return float(model.score(X[t], y[t]))


def accuracy(seeds, seeds_real):
    from bench_skada import cancer_data, digits_data

    methods = list(sklot_methods()) + list(skada_methods())
    print("| data (draws) | " + " | ".join(methods) + " |")
    print("|---|" + "---|" * len(methods))
    for label, draw, n in [("skada covariate", skada_draw, seeds),
                           ("make_domain_shift covariate", sklot_draw, seeds),
                           ("breast cancer", cancer_data, seeds_real),
                           ("digits", digits_data, seeds_real)]:
        acc = {m: [] for m in methods}
        for seed in range(n):
            X, y, sd = draw(seed)
            for name, model in {**sklot_methods(), **skada_methods()}.items():
                try:
                    acc[name].append(fit_score(name, model, X, y, sd))
                except Exception as exc:  # report, do not stop the table
                    print(f"{name} failed on {label} {seed}: {exc!r}", file=sys.stderr)
                    acc[name].append(np.nan)
        print(f"| {label} ({n}) | "
              + " | ".join(f"{np.nanmean(acc[m]):.3f}" for m in methods) + " |")


def gaussian_domains(n, d, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, d))
    Xt = rng.normal(size=(n, d)) * 0.8 + 0.5
    ys = (Xs[:, 0] + 0.5 * Xs[:, 1] ** 2 > 0.5).astype(int)
    yt = (Xt[:, 0] + 0.5 * Xt[:, 1] ** 2 > 0.5).astype(int)
    X = np.vstack([Xs, Xt])
    return X, np.r_[ys, yt], np.r_[np.ones(n, int), -2 * np.ones(n, int)]


def timing(sizes, d, budget):
    methods = {**sklot_methods(), **skada_methods()}
    names = [m for m in methods if m != "source-only"]
    print(f"\n| rows per domain (d = {d}) | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    dropped = {}
    for n in sizes:
        X, y, sd = gaussian_domains(n, d)
        cells = []
        for name in names:
            if name in dropped or 2 * n > QUADRATIC.get(name, np.inf):
                cells.append(dropped.get(name, "memory"))
                continue
            model = {**sklot_methods(), **skada_methods()}[name]
            tic = time.perf_counter()
            try:
                acc = fit_score(name, model, X, y, sd)
            except Exception as exc:
                print(f"{name} failed at n={n}: {exc!r}", file=sys.stderr)
                cells.append("failed")
                dropped[name] = "not run"
                continue
            elapsed = time.perf_counter() - tic
            cells.append(f"{elapsed:.2f} s ({acc:.3f})")
            following = [m for m in sizes if m > n]
            if following and elapsed * following[0] / n > budget:
                dropped[name] = "not run"
        print(f"| {n} | " + " | ".join(cells) + " |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--seeds-real", type=int, default=5,
                        help="draws of the breast cancer and digits shifts")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds after which a method is not run at larger sizes")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.seeds:
        accuracy(args.seeds, args.seeds_real)
    if args.sizes:
        timing(args.sizes, args.d, args.budget)


if __name__ == "__main__":
    main()
