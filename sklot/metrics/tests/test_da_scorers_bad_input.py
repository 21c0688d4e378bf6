"""Domain-adaptation scorers: misaligned, ambiguous or extreme input."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklot.adaptation import DomainAdaptationClassifier, DomainAdaptationRegressor
from sklot.datasets import make_domain_shift
from sklot.metrics import (
    circular_validation_scorer,
    importance_weighted_scorer,
    prediction_entropy_scorer,
)

SCORERS = [
    circular_validation_scorer,
    importance_weighted_scorer,
    prediction_entropy_scorer,
]


@pytest.fixture(scope="module")
def fitted():
    X, y = make_domain_shift(
        "conditional", n_samples_source=40, n_samples_target=40, random_state=0
    )
    clf = DomainAdaptationClassifier(LogisticRegression()).fit(X, y)
    return clf, X, y


@pytest.mark.parametrize("scorer", SCORERS, ids=lambda s: s.__name__)
@pytest.mark.parametrize("cut", [1, 5, 40])
def test_d10_y_shorter_than_X_is_refused(scorer, cut, fitted):
    clf, X, y = fitted
    with pytest.raises(ValueError, match="inconsistent lengths"):
        scorer(clf, X, y[:-cut])
    with pytest.raises(ValueError, match="inconsistent lengths"):
        scorer(clf, X[:-cut], y)


@pytest.mark.parametrize("scorer", SCORERS, ids=lambda s: s.__name__)
def test_sample_domain_of_wrong_length_is_refused(scorer, fitted):
    clf, X, y = fitted
    with pytest.raises(ValueError, match="sample_domain has"):
        scorer(clf, X, y, sample_domain=np.zeros(len(y) - 1, dtype=int))


@pytest.mark.parametrize("scorer", SCORERS, ids=lambda s: s.__name__)
def test_d11_minus_one_markers_plus_one_nan_are_refused(scorer, fitted):
    clf, X, y = fitted
    y_nan = y.astype(float)
    y_nan[0] = np.nan
    with pytest.raises(ValueError, match="mixes two target markers"):
        scorer(clf, X, y_nan)


@pytest.mark.parametrize("scorer", SCORERS, ids=lambda s: s.__name__)
@pytest.mark.parametrize(
    "change, message",
    [
        (lambda X: X[0, 0], "X must be an array with one row per sample"),
        (lambda X: X + 1j, "X has the complex dtype"),
        (lambda X: np.where(X == X[0, 0], np.inf, X), "X contains infinity"),
        (lambda X: np.where(X == X[0, 0], np.nan, X), "X contains NaN"),
    ],
)
def test_d18_bad_X_is_refused_naming_X(scorer, change, message, fitted):
    # row 0 is a source row, which prediction_entropy_scorer never reads:
    # the whole fold is checked all the same
    clf, X, y = fitted
    assert y[0] != -1
    with pytest.raises(ValueError, match=message):
        scorer(clf, change(X), y)


@pytest.mark.parametrize(
    "scorer",
    [circular_validation_scorer, importance_weighted_scorer],
    ids=lambda s: s.__name__,
)
def test_strings_in_X_are_refused_naming_X(scorer, fitted):
    clf, X, y = fitted
    with pytest.raises(ValueError, match=r"^X[: ]"):
        scorer(clf, np.full(X.shape, "x"), y)


def test_nan_in_X_passes_to_a_model_that_imputes(fitted):
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    _, X, y = fitted
    model = make_pipeline(SimpleImputer(), LogisticRegression())
    source = y != -1
    model.fit(X[source], y[source])
    X_nan = X.copy()
    X_nan[np.flatnonzero(~source)[0], 0] = np.nan
    score = prediction_entropy_scorer(model, X_nan, y)
    assert np.isfinite(score) and score <= 0


@pytest.mark.parametrize(
    "scorer",
    [circular_validation_scorer, importance_weighted_scorer],
    ids=lambda s: s.__name__,
)
def test_d14_huge_X_error_names_X(scorer, fitted):
    # both transport the fold's rows (refit, or map the source rows)
    clf, X, y = fitted
    with pytest.raises(ValueError, match="values of X are too large") as info:
        scorer(clf, X * 1e154, y)
    assert "Input M" not in str(info.value)


def test_d14_huge_X_entropy_is_finite(fitted):
    # the entropy scorer only asks the fitted classifier for probabilities
    clf, X, y = fitted
    assert np.isfinite(prediction_entropy_scorer(clf, X * 1e154, y))


@pytest.mark.parametrize("scorer", SCORERS, ids=lambda s: s.__name__)
def test_none_markers_score_like_minus_one(scorer, fitted):
    clf, X, y = fitted
    y_obj = np.array([None if v == -1 else int(v) for v in y], dtype=object)
    assert scorer(clf, X, y_obj) == pytest.approx(scorer(clf, X, y))


def test_d14_regression_nan_on_source_rows_names_y():
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=30,
        n_samples_target=30, random_state=0,
    )
    reg = DomainAdaptationRegressor().fit(X, y)
    y_bad = y.copy()
    y_bad[0] = np.nan
    sample_domain = np.r_[np.zeros(30, int), -np.ones(30, int)]
    with pytest.raises(ValueError, match="sample_domain marks as source"):
        circular_validation_scorer(reg, X, y_bad, sample_domain=sample_domain)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"random_state": "x"}, "'random_state' parameter"),
        ({"n_jobs": "a"}, "'n_jobs' parameter"),
        ({"diagrams": "yes"}, "'diagrams' parameter"),
        ({"n_projections": 0}, "'n_projections' parameter"),
        ({"support": 3}, "'support' parameter"),
    ],
)
def test_d18_sliced_metrics_name_the_argument(kwargs, match):
    from sklot.metrics import pairwise_sliced_wasserstein, sliced_wasserstein_kernel

    clouds = [np.zeros((2, 2)), np.ones((3, 2))]
    for func in (pairwise_sliced_wasserstein, sliced_wasserstein_kernel):
        with pytest.raises(ValueError, match=match):
            func(clouds, **kwargs)


@pytest.mark.parametrize("gamma", [0, -1.0, np.inf, "a"])
def test_d18_sliced_kernel_gamma_is_named(gamma):
    from sklot.metrics import sliced_wasserstein_kernel

    with pytest.raises(ValueError, match="'gamma' parameter"):
        sliced_wasserstein_kernel([np.zeros((2, 2))], gamma=gamma)
