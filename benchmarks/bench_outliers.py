"""Outlier detection by the center-outward depth against scikit-learn's detectors.

Usage: ``python benchmarks/bench_outliers.py [--quick]``.

ROC AUC of ``score_samples`` (higher = more normal; outliers are the
positive class of ``-score``) for ``OTDepthOutlierDetector``,
``EllipticEnvelope``, ``IsolationForest`` and
``LocalOutlierFactor(novelty=True)`` (after a ``StandardScaler``, as
distances need comparable units). Each data set holds about 10% outliers; it
is split in halves, every detector is fitted on one (contaminated) half and
scored on the other, and the AUC is averaged over 5 splits (``--quick``: 2).

Data sets:

- banana, rings, mixture (2D): 500 inliers from the shape, 50 outliers drawn
  uniformly in the bounding box enlarged by 20% (points inside the shape are
  kept: some outliers are indistinguishable for every detector);
- breast cancer (sklearn, 30 features): the 357 benign rows as inliers, 36
  malignant rows drawn at random as outliers (the ODDS protocol);
- wine (sklearn, 13 features): classes 1 and 2 as inliers (119 rows), 12 rows
  of class 0 as outliers;
- gaussian 5D: 1000 correlated Gaussian rows, 100 outliers shifted by 3
  standard deviations in a random direction.
"""

import argparse
import os
import sys
import time

import numpy as np
from sklearn.covariance import EllipticEnvelope
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(__file__))

from _timing import print_table  # noqa: E402

from sklot.preprocessing import OTDepthOutlierDetector  # noqa: E402


def _box_outliers(inliers, n_out, rng):
    lo, hi = inliers.min(0), inliers.max(0)
    pad = 0.2 * (hi - lo)
    return rng.uniform(lo - pad, hi + pad, size=(n_out, inliers.shape[1]))


def banana(rng):
    x = rng.normal(size=500)
    inl = np.column_stack([x, x**2 + 0.3 * rng.normal(size=500)])
    return inl, _box_outliers(inl, 50, rng)


def rings(rng):
    t = rng.uniform(0, 2 * np.pi, 500)
    r = 3.0 + 0.2 * rng.normal(size=500)
    inl = np.column_stack([r * np.cos(t), r * np.sin(t)])
    return inl, _box_outliers(inl, 50, rng)


def mixture(rng):
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 5.0]])
    inl = centers[rng.integers(0, 3, 500)] + 0.7 * rng.normal(size=(500, 2))
    return inl, _box_outliers(inl, 50, rng)


def gaussian_5d(rng):
    A = rng.normal(size=(5, 5))
    inl = rng.normal(size=(1000, 5)) @ A
    d = rng.normal(size=(100, 5))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    out = (rng.normal(size=(100, 5)) * 0.3 + 3.0 * d) @ A
    return inl, out


def breast_cancer(rng):
    X, y = load_breast_cancer(return_X_y=True)
    malignant = X[y == 0]
    return X[y == 1], malignant[rng.choice(len(malignant), 36, replace=False)]


def wine(rng):
    X, y = load_wine(return_X_y=True)
    zero = X[y == 0]
    return X[y != 0], zero[rng.choice(len(zero), 12, replace=False)]


DATASETS = {
    "banana": banana,
    "rings": rings,
    "mixture": mixture,
    "gaussian 5D": gaussian_5d,
    "breast cancer": breast_cancer,
    "wine": wine,
}


def detectors(seed):
    return {
        "OTDepth": OTDepthOutlierDetector(random_state=seed),
        "EllipticEnvelope": EllipticEnvelope(random_state=seed),
        "IsolationForest": IsolationForest(random_state=seed),
        "LOF": make_pipeline(
            StandardScaler(), LocalOutlierFactor(novelty=True)
        ),
    }


def main(quick):
    n_splits = 2 if quick else 5
    names = list(detectors(0))
    rows = []
    fit_times = {name: 0.0 for name in names}
    for data_name, make in DATASETS.items():
        rng = np.random.default_rng(0)
        inl, out = make(rng)
        X = np.vstack([inl, out])
        is_out = np.r_[np.zeros(len(inl)), np.ones(len(out))]
        aucs = {name: [] for name in names}
        splits = StratifiedShuffleSplit(n_splits, test_size=0.5, random_state=0)
        for seed, (tr, te) in enumerate(splits.split(X, is_out)):
            for name, det in detectors(seed).items():
                tic = time.perf_counter()
                det.fit(X[tr])
                fit_times[name] += time.perf_counter() - tic
                aucs[name].append(roc_auc_score(is_out[te], -det.score_samples(X[te])))
        rows.append(
            (f"{data_name} ({X.shape[1]}D, n={len(X)})",
             *[f"{np.mean(aucs[n]):.3f}" for n in names])
        )
    print(f"\nROC AUC on held-out halves, mean of {n_splits} splits")
    print_table(rows, ["data set"] + names)
    print("\ntotal fit seconds: " + ", ".join(
        f"{n} {t:.2f}" for n, t in fit_times.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
