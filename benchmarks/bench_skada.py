"""Unsupervised domain adaptation: sklot side by side with skada.

Usage: ``python benchmarks/bench_skada.py [--seeds K] [--first-seed S]
[--folds F] [--only NAME] [--json PATH]`` (needs the ``bench`` extra: ``pip install
skada``); ``--from-json PATH [PATH ...]`` prints the tables of stored runs.

Data: skada's ``make_shifted_datasets`` (binary, 25 rows per cluster, that
is 100 rows per class in the source, noise 0.3) under its four shifts
(covariate, target, conditional, subspace); scikit-learn's digits under a
simulated scanner (rotation and blur, as in the gallery); and scikit-learn's
breast cancer data split by a feature (source: the tumours of lower "mean
texture", target: the higher half; the feature stays in, so the input
density moves and the labelling rule may move with it), data that ships
with scikit-learn (no download).

Both libraries use the same base classifier, ``StandardScaler ->
LogisticRegression``. Each candidate (every method of the library with each
hyperparameter of a small grid, plus the source-only model) is scored by
each unsupervised scorer of the library over ``StratifiedKFold(F)`` folds
of the stacked sample (target rows marked ``y = -1``), without target
labels; each scorer chooses the candidate of best mean score, and the table
gives the target accuracy of that choice (the candidate refitted on all
rows, scored on the target labels), averaged over ``K`` draws. ``oracle``
is the candidate with the best target accuracy, ``source-only`` no
adaptation, ``target-only`` a model trained on the labelled target
(5-fold cross-validated).

sklot's recommended selection (column ``sklot guard``) is the guarded
search of the user guide: a plain ``GridSearchCV`` over the candidates of
``sklot_candidates`` with ``scoring=guard.scoring, refit=guard``
(:class:`~sklot.adaptation.NegativeTransferGuard`), evaluated here from the
same fold scores. Run time on a busy 2-core machine: several minutes per
draw of each data set (``--folds 3``); run data sets in parallel processes
with ``--only``.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import (
    DomainAdaptationClassifier,
    GaussianMongeMapper,
    ImportanceReweighter,
    NegativeTransferGuard,
    OTDomainAdapter,
    SubspaceAligner,
    TransferComponentAnalysis,
)

sys.path.insert(0, str(Path(__file__).parent))
from quality_adaptation import digits_shift  # noqa: E402

SHIFTS = {
    "covariate": "covariate_shift",
    "target": "target_shift",
    "conditional": "conditional_shift",
    "subspace": "subspace",
}


def base():
    return LogisticRegression(max_iter=1000)


def skada_base():
    # skada hands its weights to the classifier through metadata routing
    return base().set_fit_request(sample_weight=True).set_score_request(
        sample_weight=True
    )


# -- data -------------------------------------------------------------------
def skada_data(shift, seed):
    from skada.datasets import make_shifted_datasets

    X, y, sd = make_shifted_datasets(
        n_samples_source=25, n_samples_target=25, shift=shift, noise=0.3,
        label="binary", random_state=seed,
    )
    return X, y, sd


def cancer_data(seed):
    data = load_breast_cancer()
    X, y = data.data, data.target
    texture = X[:, list(data.feature_names).index("mean texture")]
    rng = np.random.default_rng(seed)
    cut = np.median(texture)
    s = np.flatnonzero(texture <= cut)
    t = np.flatnonzero(texture > cut)
    s = rng.choice(s, size=200, replace=False)
    t = rng.choice(t, size=200, replace=False)
    return _stack(X[s], y[s], X[t], y[t])


def digits_data(seed):
    X, y, y_t = digits_shift(seed, n_source=300, n_target=300)
    s = y != -1
    return _stack(X[s], y[s], X[~s], y_t)


def _stack(Xs, ys, Xt, yt):
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, yt]
    sd = np.r_[np.ones(len(ys), dtype=int), -2 * np.ones(len(yt), dtype=int)]
    return X, y, sd


def datasets(seed):
    out = {k: (lambda s=v: skada_data(s, seed)) for k, v in SHIFTS.items()}
    out["digits"] = lambda: digits_data(seed)
    out["cancer"] = lambda: cancer_data(seed)
    return out


# -- sklot ------------------------------------------------------------------
def sklot_candidates():
    """The recommended grid: no adaptation, reweighting, transport, alignment,
    shared features."""
    adapters = {
        "passthrough": "passthrough",
        "reweight density": ImportanceReweighter(random_state=0),
        "reweight kernel": ImportanceReweighter(
            kernel_components=5, random_state=0
        ),
        "reweight label": ImportanceReweighter("label_shift"),
        "gaussian": GaussianMongeMapper(),
        "subspace": SubspaceAligner(),
        "tca": TransferComponentAnalysis(random_state=0),
    }
    for reg in [None, 0.1, 1.0]:
        for props in [None, "estimate"]:
            name = f"ot reg={reg}" + (" +labelshift" if props else "")
            adapters[name] = OTDomainAdapter(reg=reg, target_proportions=props)
    return {
        name: make_pipeline(
            StandardScaler(), DomainAdaptationClassifier(base(), adapter)
        )
        for name, adapter in adapters.items()
    }


SKLOT_SCORERS = NegativeTransferGuard().scoring


def sklot_run(X, y, sd, y_masked, cv):
    rows = {}
    for name, est in sklot_candidates().items():
        res = cross_validate(clone(est), X, y_masked, cv=cv, scoring=SKLOT_SCORERS)
        scores = {s: res[f"test_{s}"].tolist() for s in SKLOT_SCORERS}
        model = clone(est).fit(X, y_masked)
        acc = float(model.score(X[sd < 0], y[sd < 0]))
        rows[name] = {"scores": scores, "acc": acc}
    return rows


# -- skada ------------------------------------------------------------------
def skada_candidates():
    import skada

    def pipe(*steps):
        return skada.make_da_pipeline(StandardScaler(), *steps, skada_base())

    cands = {"source-only": pipe()}
    for bw in [1.0]:
        cands[f"DensityReweight bw={bw}"] = pipe(
            skada.DensityReweightAdapter(
                weight_estimator=sklearn.neighbors.KernelDensity(bandwidth=bw)
            )
        )
    cands["DiscriminatorReweight"] = pipe(skada.DiscriminatorReweightAdapter())
    for gamma in [0.1, 1.0]:
        cands[f"KMM gamma={gamma}"] = pipe(skada.KMMReweightAdapter(gamma=gamma))
    cands["GaussianReweight"] = pipe(skada.GaussianReweightAdapter())
    cands["CORAL"] = pipe(skada.CORALAdapter())
    for k in [1, 2]:
        cands[f"SA k={k}"] = pipe(skada.SubspaceAlignmentAdapter(n_components=k))
    cands["TCA k=2"] = pipe(skada.TransferComponentAnalysisAdapter(n_components=2))
    cands["OTMapping"] = pipe(skada.OTMappingAdapter())
    for reg in [0.1, 1.0]:
        cands[f"EntropicOT reg={reg}"] = pipe(
            skada.EntropicOTMappingAdapter(reg_e=reg)
        )
    cands["ClassRegOT"] = pipe(skada.ClassRegularizerOTMappingAdapter())
    cands["LinearOT"] = pipe(skada.LinearOTMappingAdapter())
    return cands


SKADA_SCORERS = ("IW", "PE", "SND", "DEV", "CircV", "MixVal")


def skada_scorers():
    from skada import metrics

    # skada's scorers request sample_domain when built, which scikit-learn
    # allows only with metadata routing on
    with sklearn.config_context(enable_metadata_routing=True):
        return dict(zip(SKADA_SCORERS, [
            metrics.ImportanceWeightedScorer(),
            metrics.PredictionEntropyScorer(),
            metrics.SoftNeighborhoodDensity(),
            metrics.DeepEmbeddedValidation(),
            metrics.CircularValidation(),
            metrics.MixValScorer(),
        ]))


def skada_run(X, y, sd, y_masked, cv):
    rows = {}
    scorers = skada_scorers()
    for name, est in skada_candidates().items():
        try:
            res = cross_validate(
                clone(est), X, y_masked, cv=cv, scoring=scorers,
                params={"sample_domain": sd}, error_score=float("-inf"),
            )
            scores = {
                s: np.nan_to_num(res[f"test_{s}"], nan=-np.inf).tolist()
                for s in scorers
            }
        except Exception:  # a method that cannot run here scores -inf
            scores = {s: [float("-inf")] for s in scorers}
        try:
            model = clone(est).fit(X, y_masked, sample_domain=sd)
            t = sd < 0
            acc = float(np.mean(model.predict(X[t], sample_domain=sd[t]) == y[t]))
        except Exception:
            acc = float("nan")
        rows[name] = {"scores": scores, "acc": acc}
    return rows


# -- selection --------------------------------------------------------------
def choose(rows, scorer):
    names = list(rows)
    means = [np.mean(rows[n]["scores"][scorer]) for n in names]
    means = [m if np.isfinite(m) else -np.inf for m in means]
    return names[int(np.argmax(means))]


def run_one(name, seed, folds):
    X, y, sd = datasets(seed)[name]()
    y_masked = np.where(sd < 0, -1, y)
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    t = sd < 0
    target_only = float(cross_val_score(
        make_pipeline(StandardScaler(), base()), X[t], y[t], cv=5
    ).mean())
    with sklearn.config_context(enable_metadata_routing=False):
        sk = sklot_run(X, y, sd, y_masked, cv)
    with sklearn.config_context(enable_metadata_routing=True):
        sa = skada_run(X, y, sd, y_masked, cv)
    return {"sklot": sk, "skada": sa, "target_only": target_only}


def summarize(results, rules):
    """One markdown row per data set: mean target accuracy over draws."""
    lines = []
    head = (["data", "source-only"] + [f"sklot {r}" for r in rules]
            + ["sklot oracle"] + [f"skada {s}" for s in SKADA_SCORERS]
            + ["skada oracle", "target-only"])
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for name, runs in results.items():
        cells = {h: [] for h in head}
        for run in runs:
            sk, sa = run["sklot"], run["skada"]
            cells["source-only"].append(sk["passthrough"]["acc"])
            for r, rule in rules.items():
                cells[f"sklot {r}"].append(sk[rule(sk)]["acc"])
            cells["sklot oracle"].append(max(v["acc"] for v in sk.values()))
            for s in SKADA_SCORERS:
                cells[f"skada {s}"].append(sa[choose(sa, s)]["acc"])
            cells["skada oracle"].append(
                np.nanmax([v["acc"] for v in sa.values()])
            )
            cells["target-only"].append(run["target_only"])
        lines.append("| " + " | ".join(
            [name] + [f"{np.mean(cells[h]):.3f}" for h in head[1:]]
        ) + " |")
    return "\n".join(lines)


def _cv_results(rows):
    """A GridSearchCV-like ``cv_results_`` built from stored fold scores."""
    names = list(rows)
    out = {"params": []}
    for n in names:
        if n == "passthrough":
            adapter = "passthrough"
        elif n.startswith("reweight"):
            adapter = ImportanceReweighter()
        else:
            adapter = OTDomainAdapter()
        out["params"].append({"domainadaptationclassifier__adapter": adapter})
    for scorer in NegativeTransferGuard().scoring:
        folds = np.array([rows[n]["scores"][scorer] for n in names])
        out[f"mean_test_{scorer}"] = folds.mean(axis=1)
        for k in range(folds.shape[1]):
            out[f"split{k}_test_{scorer}"] = folds[:, k]
    return names, out


def guarded(rows, **params):
    names, cv_results = _cv_results(rows)
    return names[NegativeTransferGuard(**params)(cv_results)]


RULES = {
    "guard": guarded,
    "entropy": lambda sk: choose(sk, "entropy"),
    "iw": lambda sk: choose(sk, "iw"),
    "circular": lambda sk: choose(sk, "circular"),
    "transport": lambda sk: choose(sk, "transport"),
}


def criteria(results):
    """The done criteria of the guarded selection, as measured here."""
    lines = ["", "| data | guard - source-only | guard - best skada scorer "
             "| gap closed (guard vs sklot oracle) |", "|---|---|---|---|"]
    closed = []
    for name, runs in results.items():
        def mean(f):
            return float(np.mean([f(r) for r in runs]))

        so = mean(lambda r: r["sklot"]["passthrough"]["acc"])
        guard = mean(lambda r: r["sklot"][guarded(r["sklot"])]["acc"])
        oracle = mean(lambda r: max(v["acc"] for v in r["sklot"].values()))
        skada_best = max(
            mean(lambda r, s=s: r["skada"][choose(r["skada"], s)]["acc"])
            for s in SKADA_SCORERS
        )
        gap = (guard - so) / (oracle - so) if oracle > so else float("nan")
        if name in SHIFTS:
            closed.append(gap)
        lines.append(f"| {name} | {guard - so:+.3f} | {guard - skada_best:+.3f} "
                     f"| {gap:.0%} |")
    if closed:
        lines.append(f"\nmean gap closed over the skada shifts: "
                     f"{np.nanmean(closed):.0%}")
    if "target" in results:
        loss, gain = [], []
        for r in results["target"]:
            sk = r["sklot"]
            for reg in [None, 0.1, 1.0]:
                plain = sk[f"ot reg={reg}"]["acc"]
                loss.append(sk["passthrough"]["acc"] - plain)
                gain.append(sk[f"ot reg={reg} +labelshift"]["acc"] - plain)
        lines.append(
            f"target shift, plain OT loses {np.mean(loss):.3f} against "
            f"source-only; target_proportions='estimate' recovers "
            f"{np.mean(gain):.3f} ({np.mean(gain) / np.mean(loss):.0%})"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="draw seeds first-seed, ..., first-seed + seeds - 1")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds-real", type=int, default=None,
                        help="draws of the digits and cancer data (default --seeds)")
    parser.add_argument("--only", default=None, help="comma-separated data sets")
    parser.add_argument("--json", default=None, help="write raw results here")
    parser.add_argument(
        "--from-json", nargs="+", default=None, metavar="PATH",
        help="summarize results written by --json instead of running (the "
             "selection rules are applied to the stored fold scores)",
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.from_json:
        results = {}
        for path in args.from_json:
            results.update(json.loads(Path(path).read_text()))
        print(summarize(results, RULES))
        print(criteria(results))
        return
    only = None if args.only is None else args.only.split(",")
    names = [n for n in datasets(0) if only is None or n in only]
    results = {}
    for name in names:
        tic = time.perf_counter()
        seeds = args.seeds
        if name in ("digits", "cancer") and args.seeds_real is not None:
            seeds = args.seeds_real
        results[name] = []
        for seed in range(args.first_seed, args.first_seed + seeds):
            results[name].append(run_one(name, seed, args.folds))
            if args.json:
                Path(args.json).write_text(json.dumps(results))
        print(f"{name}: {time.perf_counter() - tic:.0f} s", file=sys.stderr,
              flush=True)
    print(summarize(results, RULES))
    print(criteria(results))


if __name__ == "__main__":
    main()
