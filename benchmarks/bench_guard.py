"""Time of the guarded search (NegativeTransferGuard) as the rows grow.

The recommended search of the user guide: ``GridSearchCV`` over its eight
candidates at their defaults (no adaptation, three reweightings: on the
input, on five kernel features, for label shift; an
entropic transport with and without the label-shift option, subspace
alignment and transfer component analysis), three folds, scored with
``NegativeTransferGuard().scoring``. The transport consistency
score solves an exact transport per candidate and fold; ``--score-rows``
caps the rows of each domain it reads (its ``max_samples``; ``0`` reads
every row, as before the cap).

Run ``python benchmarks/bench_guard.py [--rows 20000 100000]
[--score-rows 2000] [--transport-rows 2000]``.
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings
from functools import partial

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import (
    DomainAdaptationClassifier,
    ImportanceReweighter,
    NegativeTransferGuard,
    OTDomainAdapter,
    SubspaceAligner,
    TransferComponentAnalysis,
)
from sklot.datasets import make_domain_shift
from sklot.metrics import transport_consistency_scorer


def search(n, score_rows, transport_rows):
    X, y, y_target = make_domain_shift(
        "conditional", n_samples_source=n, n_samples_target=n,
        return_target_labels=True, random_state=0)
    guard = NegativeTransferGuard()
    scoring = dict(guard.scoring)
    scoring["transport"] = partial(transport_consistency_scorer,
                                   max_samples=score_rows or None)
    # the grid of the user guide's guarded search
    candidates = [
        "passthrough",
        ImportanceReweighter(random_state=0),
        ImportanceReweighter(kernel_components=5, random_state=0),
        ImportanceReweighter(weighting="label_shift"),
        OTDomainAdapter(reg=0.1, max_samples=transport_rows, random_state=0),
        OTDomainAdapter(reg=0.1, target_proportions="estimate",
                        max_samples=transport_rows, random_state=0),
        SubspaceAligner(random_state=0),
        TransferComponentAnalysis(random_state=0),
    ]
    tic = time.perf_counter()
    fitted = GridSearchCV(
        make_pipeline(StandardScaler(),
                      DomainAdaptationClassifier(LogisticRegression())),
        {"domainadaptationclassifier__adapter": candidates},
        scoring=scoring, refit=guard, cv=StratifiedKFold(3), error_score="raise",
    ).fit(X, y)
    total = time.perf_counter() - tic
    score = float(np.sum(fitted.cv_results_["mean_score_time"]) * 3)
    chosen = fitted.best_params_["domainadaptationclassifier__adapter"]
    name = chosen if isinstance(chosen, str) else type(chosen).__name__
    source_only = make_pipeline(
        StandardScaler(),
        DomainAdaptationClassifier(LogisticRegression(), "passthrough"),
    ).fit(X, y)
    target = X[y == -1]
    return (total, score, name, fitted.best_estimator_.score(target, y_target),
            source_only.score(target, y_target))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="*", default=[20000, 100000],
                        help="rows per domain")
    parser.add_argument("--score-rows", type=int, default=2000)
    parser.add_argument("--transport-rows", type=int, default=None,
                        help="max_samples of the two transports (their "
                        "default, 'auto', when not given)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print("| rows per domain | transport score rows | search (s) "
          "| of which scoring (s) | chosen | target accuracy | source-only |")
    print("|---|---|---|---|---|---|---|")
    for n in args.rows:
        total, score, chosen, accuracy, baseline = search(
            n, args.score_rows, args.transport_rows or "auto")
        shown = args.score_rows or "all"
        print(f"| {n} | {shown} | {total:.1f} | {score:.1f} | {chosen} "
              f"| {accuracy:.3f} | {baseline:.3f} |", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
