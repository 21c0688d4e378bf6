"""The kernel density ratio behind ImportanceReweighter("kernel_density_ratio")."""

import warnings

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import (
    DomainAdaptationClassifier,
    ImportanceReweighter,
)
from sklot.datasets import make_domain_shift
from sklot.utils import _density_ratio
from sklot.utils._density_ratio import KernelDensityRatio


def _stack(Xs, Xt):
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] > Xs[:, 0].mean()).astype(int), -np.ones(len(Xt), int)]
    return X, y


def _kernel_weights(X, y, **params):
    params.setdefault("random_state", 0)
    rw = ImportanceReweighter(weighting="kernel_density_ratio", **params)
    return rw.fit(X, y).source_weight_


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ratio_matches_the_closed_form_ratio_of_two_gaussians(seed):
    rng = np.random.default_rng(seed)
    mu, sd = np.array([1.0, -0.5]), 0.8
    Xs = rng.normal(size=(1000, 2))
    Xt = rng.normal(size=(1000, 2)) * sd + mu
    r = KernelDensityRatio(100, random_state=0).fit(Xs, Xt).ratio(Xs)
    log_true = (-((Xs - mu) ** 2).sum(1) / (2 * sd * sd) - 2 * np.log(sd)
                + (Xs ** 2).sum(1) / 2)
    true = np.exp(log_true)
    assert spearmanr(r, true)[0] > 0.95
    # squared error well under that of flat weights (about 0.65 here)
    assert np.mean((r - true) ** 2) / np.mean(true ** 2) < 0.25
    # the true ratio has mean one under the source density
    assert r.mean() == pytest.approx(1.0, abs=0.15)


def test_weighted_source_mean_moves_to_the_target_mean():
    rng = np.random.default_rng(3)
    Xs = rng.normal(size=(800, 3))
    Xt = rng.normal(size=(800, 3)) * 0.7 + [0.8, 0.0, -0.6]
    w = _kernel_weights(*_stack(Xs, Xt))
    assert w.shape == (800,) and w.mean() == pytest.approx(1.0)
    assert w.min() > 0 and w.max() <= 10.0 + 1e-9
    shifted = np.average(Xs, axis=0, weights=w)
    assert np.abs(shifted - Xt.mean(0)).max() < 0.2
    assert np.abs(Xs.mean(0) - Xt.mean(0)).max() > 0.6


def test_same_distribution_gives_nearly_equal_weights():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 3))
    w = _kernel_weights(*_stack(X[:300], X[300:]))
    assert w.std() < 0.2


def test_weights_do_not_change_with_the_units_or_offsets_of_the_features():
    rng = np.random.default_rng(4)
    Xs = rng.normal(size=(300, 2))
    Xt = rng.normal(size=(300, 2)) + [1.0, 0.0]
    X, y = _stack(Xs, Xt)
    # seconds since 1970 and a feature in nanometres
    moved = X * [3600.0, 1e-9] + [1.7e9, 0.0]
    assert np.allclose(_kernel_weights(X, y), _kernel_weights(moved, y), rtol=1e-6)


def test_random_state_fixes_the_centres_and_all_target_rows_centre_small_targets():
    rng = np.random.default_rng(5)
    X, y = _stack(rng.normal(size=(200, 2)), rng.normal(size=(150, 2)) + 0.5)
    assert np.array_equal(_kernel_weights(X, y, random_state=7),
                          _kernel_weights(X, y, random_state=7))
    assert not np.array_equal(_kernel_weights(X, y, random_state=7),
                              _kernel_weights(X, y, random_state=8))
    model = KernelDensityRatio(500, random_state=0).fit(X[y != -1], X[y == -1])
    assert model.centers_.shape == (150, 2)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_degenerate_rows_give_finite_weights():
    rng = np.random.default_rng(6)
    # every row repeated, a constant column, and a single target row
    Xs = np.repeat(rng.normal(size=(5, 2)), 20, axis=0)
    Xs = np.c_[Xs, np.ones(len(Xs))]
    for Xt in (Xs[:40] + 0.5, Xs[:1] + 0.5, Xs[:30]):
        w = _kernel_weights(*_stack(Xs, Xt))
        assert np.isfinite(w).all() and w.mean() == pytest.approx(1.0)


def test_large_inputs_fit_on_a_subsample_and_weight_every_row(monkeypatch):
    monkeypatch.setattr(_density_ratio, "_MAX_FIT_ROWS", 60)
    rng = np.random.default_rng(7)
    Xs = rng.normal(size=(500, 2))
    Xt = rng.normal(size=(400, 2)) + [1.0, 0.0]
    model = KernelDensityRatio(30, random_state=0).fit(Xs, Xt)
    r = model.ratio(Xs)
    assert r.shape == (500,) and np.isfinite(r).all()
    # the true ratio, exp(x0 - 1/2), increases with the first feature
    assert spearmanr(r, Xs[:, 0])[0] > 0.5


def test_kernel_weights_beat_source_only_under_covariate_shift():
    accuracy = {"source only": [], "kernel": []}
    for seed in range(3):
        X, y, y_target = make_domain_shift(
            "covariate", n_samples_source=150, n_samples_target=150,
            return_target_labels=True, random_state=seed,
        )
        for name, adapter in [
            ("source only", "passthrough"),
            ("kernel", ImportanceReweighter("kernel_density_ratio", random_state=0)),
        ]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = make_pipeline(
                    StandardScaler(),
                    DomainAdaptationClassifier(LogisticRegression(), adapter),
                ).fit(X, y)
            accuracy[name].append(model.score(X[y == -1], y_target))
    assert np.mean(accuracy["kernel"]) > np.mean(accuracy["source only"]) + 0.05
