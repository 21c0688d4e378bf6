"""Transfer component analysis: sklot against skada, time and accuracy.

The same ``StandardScaler -> adapter -> LogisticRegression`` pipeline is
fitted on covariate-shift draws of ``make_domain_shift`` (10 features) of
growing size, with sklot's ``TransferComponentAnalysis`` (defaults) and
skada's ``TransferComponentAnalysisAdapter(n_components=10)``, and scored on
the target labels. skada forms and solves the kernel matrix of every row;
it is not run above ``--skada-max`` rows per domain (at 4,000 rows its fit
takes minutes, and the matrix grows with the square of the rows). One fit
of each, after a warm-up fit (numba compiles sklot's cost kernels once).

Run ``python benchmarks/bench_tca.py [--sizes 1000 2000 4000 100000]``
(skada is a bench extra).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import TransferComponentAnalysis, make_da_pipeline
from sklot.datasets import make_domain_shift

sys.path.insert(0, str(Path(__file__).parent))
from _timing import print_table, ratio, timed  # noqa: E402


def sklot_run(X, y, y_target):
    model = make_da_pipeline(
        StandardScaler(), TransferComponentAnalysis(random_state=0),
        LogisticRegression(),
    )
    _, seconds, _ = timed(lambda: model.fit(X, y))
    return seconds, float(np.mean(model.predict(X[y == -1]) == y_target))


def skada_run(X, y, y_target):
    import skada

    sd = np.where(y == -1, -2, 1)
    with sklearn.config_context(enable_metadata_routing=True):
        model = skada.make_da_pipeline(
            StandardScaler(),
            skada.TransferComponentAnalysisAdapter(n_components=10),
            LogisticRegression(),
        )
        _, seconds, _ = timed(lambda: model.fit(X, y, sample_domain=sd))
        pred = model.predict(X[y == -1], sample_domain=sd[y == -1])
    return seconds, float(np.mean(pred == y_target))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[1000, 2000, 4000, 100_000])
    parser.add_argument("--skada-max", type=int, default=4000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    # warm-up: numba compiles the cost kernels on the first call
    X, y, y_target = make_domain_shift(n_samples_source=50, n_samples_target=50,
                                       return_target_labels=True, random_state=0)
    sklot_run(X, y, y_target)
    rows = []
    for n in args.sizes:
        X, y, y_target = make_domain_shift(
            "covariate", n_samples_source=n, n_samples_target=n, n_features=10,
            return_target_labels=True, random_state=0,
        )
        t_sklot, acc_sklot = sklot_run(X, y, y_target)
        row = [n, t_sklot, acc_sklot]
        if n <= args.skada_max:
            t_skada, acc_skada = skada_run(X, y, y_target)
            row += [t_skada, acc_skada, f"{ratio(t_skada, t_sklot):.0f}x"]
        else:
            row += ["not run", "", ""]
        rows.append(row)
    print_table(rows, ["rows per domain", "sklot fit (s)", "sklot accuracy",
                       "skada fit (s)", "skada accuracy", "sklot faster"])


if __name__ == "__main__":
    main()
