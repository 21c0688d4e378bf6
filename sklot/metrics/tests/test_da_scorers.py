from numbers import Real

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklot.adaptation import DomainAdaptationClassifier, DomainAdaptationRegressor
from sklot.adaptation._base import BaseAdapter
from sklot.datasets import make_domain_shift
from sklot.metrics import (
    circular_validation_scorer,
    importance_weighted_scorer,
    prediction_entropy_scorer,
)

SCORERS = [
    prediction_entropy_scorer,
    importance_weighted_scorer,
    circular_validation_scorer,
]


class ShiftAdapter(BaseAdapter):
    """Translate the source rows by ``scale`` times the mean difference."""

    _parameter_constraints = {"scale": [Real]}

    def __init__(self, scale=1.0):
        self.scale = scale

    def _fit_map(self, X, y, split):
        self.shift_ = self.scale * (
            X[split.target].mean(axis=0) - X[split.source].mean(axis=0)
        )

    def _transform(self, X):
        return X + self.shift_


@pytest.fixture
def translated():
    X, y, y_t = make_domain_shift(
        "conditional", shift=0.0, n_samples_source=90, n_samples_target=90,
        return_target_labels=True, random_state=0,
    )
    X = X.copy()
    X[90:] += np.array([5.0, 5.0])
    return X, y, y_t


@pytest.mark.parametrize("scorer", SCORERS)
def test_scorers_in_grid_search_without_routing(scorer, translated):
    X, y, y_t = translated
    pipe = make_pipeline(
        StandardScaler(), DomainAdaptationClassifier(adapter=ShiftAdapter())
    )
    search = GridSearchCV(
        pipe,
        {"domainadaptationclassifier__adapter__scale": [0.0, 1.0]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring=scorer,
        error_score="raise",
    ).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    if scorer is not prediction_entropy_scorer:
        # No adaptation is worse on this translation. The entropy scorer
        # cannot see it: the unadapted model is wrong but confident.
        best = search.best_params_["domainadaptationclassifier__adapter__scale"]
        assert best == 1.0
    assert search.score(X, y) == pytest.approx(scorer(search.best_estimator_, X, y))


@pytest.mark.parametrize("scorer", SCORERS)
def test_scorers_in_cross_val_score(scorer, translated):
    X, y, _ = translated
    scores = cross_val_score(
        DomainAdaptationClassifier(adapter=ShiftAdapter()), X, y,
        cv=StratifiedKFold(3), scoring=scorer, error_score="raise",
    )
    assert scores.shape == (3,) and np.isfinite(scores).all()


@pytest.mark.parametrize("scorer", SCORERS)
def test_scorers_never_read_target_labels(scorer, translated):
    X, y, y_t = translated
    clf = DomainAdaptationClassifier(adapter=ShiftAdapter()).fit(X, y)
    # With sample_domain marking the target rows, y may carry their labels:
    # the true ones, the flipped ones or the marker must give one score.
    sd = np.r_[np.zeros(90, dtype=int), -np.ones(90, dtype=int)]
    marked = scorer(clf, X, y)
    true_labels = scorer(clf, X, np.r_[y[:90], y_t], sample_domain=sd)
    flipped_labels = scorer(clf, X, np.r_[y[:90], 1 - y_t], sample_domain=sd)
    assert true_labels == marked
    assert flipped_labels == marked


def test_prediction_entropy_value(translated):
    X, y, _ = translated
    clf = DomainAdaptationClassifier(adapter=ShiftAdapter()).fit(X, y)
    p = clf.predict_proba(X[90:])
    expected = np.mean((p * np.log(p)).sum(1))
    assert prediction_entropy_scorer(clf, X, y) == pytest.approx(expected)


@pytest.mark.parametrize("weight_estimator", [None, "kernel_density_ratio"])
def test_importance_weights_are_uniform_without_shift(weight_estimator):
    X, y, y_t = make_domain_shift(
        "conditional", shift=0.0, n_samples_source=400, n_samples_target=400,
        return_target_labels=True, random_state=1,
    )
    clf = DomainAdaptationClassifier(adapter="passthrough").fit(X, y)
    source_acc = clf.score(X[:400], y[:400])
    score = importance_weighted_scorer(clf, X, y, weight_estimator=weight_estimator)
    assert score == pytest.approx(source_acc, abs=0.02)


def test_importance_weights_follow_the_target_density():
    # Under a covariate shift the source rows near the target count more:
    # the weighted source accuracy moves towards the target accuracy.
    X, y, y_t = make_domain_shift(
        "covariate", n_samples_source=600, n_samples_target=600, shift=0.6,
        return_target_labels=True, random_state=0,
    )
    clf = DomainAdaptationClassifier(adapter="passthrough").fit(X, y)
    source_acc = clf.score(X[:600], y[:600])
    target_acc = clf.score(X[600:], y_t)
    iw = importance_weighted_scorer(clf, X, y)
    assert abs(iw - target_acc) < abs(source_acc - target_acc)


@pytest.mark.parametrize("cap", [1.5, 2.0, 10.0])
def test_importance_weight_cap(cap):
    from sklot.metrics._da_scorers import _importance_weights

    X, y = make_domain_shift(
        "covariate", n_samples_source=200, n_samples_target=200, shift=1.5,
        random_state=0,
    )
    w = _importance_weights(X[:200], X[200:], None, cap)
    assert w.mean() == pytest.approx(1.0)
    assert w.max() <= cap * (1 + 1e-6)
    assert w.min() >= 0
    if cap == 10.0:
        assert w.max() > 2  # the shift is strong: weights are not uniform


def test_circular_validation_refits_a_clone(translated):
    X, y, _ = translated
    clf = DomainAdaptationClassifier(adapter=ShiftAdapter()).fit(X, y)
    coef = clf.estimator_.coef_.copy()
    circular_validation_scorer(clf, X, y)
    np.testing.assert_array_equal(clf.estimator_.coef_, coef)


class ConstantClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(X.shape[0], self.classes_[0])


def test_circular_validation_with_one_pseudo_class(translated):
    X, y, _ = translated
    clf = DomainAdaptationClassifier(ConstantClassifier(), ShiftAdapter()).fit(X, y)
    expected = np.mean(y[:90] == 0)
    assert circular_validation_scorer(clf, X, y) == pytest.approx(expected)


@pytest.mark.parametrize(
    "scorer", [importance_weighted_scorer, circular_validation_scorer]
)
def test_regression_scores(scorer):
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=80,
        n_samples_target=80, random_state=0,
    )
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(
        DomainAdaptationRegressor(adapter=ShiftAdapter()), X, y,
        cv=cv, scoring=scorer, error_score="raise",
    )
    # Negative MSE: the fitted model beats the constant prediction of the
    # fold's source mean (whose MSE is their variance).
    constant = [-np.nanvar(y[test]) for _, test in cv.split(X)]
    assert (scores > constant).all(), (scores, constant)


def test_sample_domain_marks_the_target(translated):
    X, y, y_t = translated
    clf = DomainAdaptationClassifier(adapter=ShiftAdapter()).fit(X, y)
    sd = np.r_[np.zeros(90, dtype=int), -np.ones(90, dtype=int)]
    y_sd = np.r_[y[:90], y_t]
    assert prediction_entropy_scorer(clf, X, y_sd, sample_domain=sd) == (
        prediction_entropy_scorer(clf, X, y)
    )


# -- errors ------------------------------------------------------------------


@pytest.mark.parametrize("scorer", SCORERS)
def test_fold_without_target_rows(scorer, translated):
    X, y, _ = translated
    clf = DomainAdaptationClassifier(adapter=ShiftAdapter()).fit(X, y)
    with pytest.raises(ValueError, match="target rows"):
        scorer(clf, X[:90], y[:90])


def test_importance_weight_cap_must_exceed_one(translated):
    X, y, _ = translated
    clf = DomainAdaptationClassifier(adapter=ShiftAdapter()).fit(X, y)
    with pytest.raises(ValueError, match="max_weight"):
        importance_weighted_scorer(clf, X, y, max_weight=1.0)


def test_entropy_needs_probabilities(translated):
    X, y, _ = translated
    clf = DomainAdaptationClassifier(LinearSVC(), ShiftAdapter()).fit(X, y)
    with pytest.raises(TypeError, match="predict_proba"):
        prediction_entropy_scorer(clf, X, y)


def test_entropy_refuses_regression():
    X, y = make_domain_shift(
        task="regression", n_samples_source=30, n_samples_target=30,
        random_state=0,
    )
    reg = DomainAdaptationRegressor(adapter=ShiftAdapter()).fit(X, y)
    with pytest.raises(ValueError, match="regression"):
        prediction_entropy_scorer(reg, X, y)


def test_prediction_balance_scorer_counts_the_smallest_class_share():
    from sklearn.base import BaseEstimator, ClassifierMixin

    from sklot.metrics import prediction_balance_scorer

    class Fixed(ClassifierMixin, BaseEstimator):
        def __init__(self, predictions=None):
            self.predictions = predictions

        def predict(self, X):
            return np.asarray(self.predictions)

    X = np.zeros((12, 1))
    # source: 4 rows of class 0, 2 of class 1 (shares 2/3, 1/3); target: 6 rows
    y = np.r_[0, 0, 0, 0, 1, 1, [-1] * 6]
    # one target row of six in class 1: (1/6) / (1/3) = 0.5
    assert prediction_balance_scorer(Fixed([0] * 5 + [1]), X, y) == pytest.approx(0.5)
    assert prediction_balance_scorer(Fixed([0] * 4 + [1] * 2), X, y) == 1.0
    # more class-1 rows than in the source: class 0 is the smallest, 0.5/(2/3)
    assert prediction_balance_scorer(Fixed([0] * 3 + [1] * 3), X, y) == 0.75
    assert prediction_balance_scorer(Fixed([0] * 6), X, y) == 0.0
    with pytest.raises(ValueError, match="regression"):
        prediction_balance_scorer(Fixed([0.5] * 6), X,
                                  np.r_[np.ones(6), [np.nan] * 6])


def test_kernel_importance_weights_follow_a_curved_shift():
    # the target sits where the source's second feature is near its centre:
    # a linear domain classifier cannot see this shift, the kernel ratio can
    def label(Z):
        return (Z[:, 0] + Z[:, 1] ** 2 > 1).astype(int)

    linear_error, kernel_error = [], []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        Xs = rng.normal(size=(600, 2))
        Xt = rng.normal(size=(600, 2)) * [1.0, 0.3]
        X = np.vstack([Xs, Xt])
        y = np.r_[label(Xs), -np.ones(600, int)]
        clf = DomainAdaptationClassifier(adapter="passthrough").fit(X, y)
        target_acc = clf.score(Xt, label(Xt))
        assert target_acc - clf.score(Xs, label(Xs)) > 0.04
        linear = importance_weighted_scorer(clf, X, y)
        kernel = importance_weighted_scorer(
            clf, X, y, weight_estimator="kernel_density_ratio"
        )
        linear_error.append(abs(linear - target_acc))
        kernel_error.append(abs(kernel - target_acc))
    assert np.mean(kernel_error) < 0.6 * np.mean(linear_error)


def test_importance_weights_refuse_an_unknown_weighting(translated):
    X, y, _ = translated
    clf = DomainAdaptationClassifier(adapter="passthrough").fit(X, y)
    with pytest.raises(ValueError, match="weight_estimator"):
        importance_weighted_scorer(clf, X, y, weight_estimator="kernel")


def test_balance_against_estimated_target_proportions_follows_a_label_shift():
    from sklot.adaptation import ImportanceReweighter
    from sklot.metrics import prediction_balance_scorer

    X, y, y_t = make_domain_shift(
        "target", n_samples_source=300, n_samples_target=300,
        return_target_labels=True, random_state=0,
    )
    assert np.mean(y_t == 1) < 0.65 * np.mean(y[y != -1] == 1)
    clf = DomainAdaptationClassifier(
        adapter=ImportanceReweighter(weighting="label_shift")
    ).fit(X, y)
    # the model follows the shift: held to the source shares it reads as
    # lopsided, held to the estimated target shares it does not
    against_source = prediction_balance_scorer(clf, X, y)
    against_target = prediction_balance_scorer(clf, X, y,
                                               reference="estimated_target")
    assert against_source < 0.7
    assert against_target > 0.9


def test_balance_reference_falls_back_to_the_source_shares_quietly():
    import warnings

    from sklot.metrics import prediction_balance_scorer

    # a conditional shift: EM would empty a class, so the source shares stay
    X, y = make_domain_shift("conditional", shift=4.0, n_samples_source=200,
                             n_samples_target=200, random_state=0)
    clf = DomainAdaptationClassifier(adapter="passthrough").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimated = prediction_balance_scorer(clf, X, y,
                                              reference="estimated_target")
    assert estimated == prediction_balance_scorer(clf, X, y)
    with pytest.raises(ValueError, match="reference"):
        prediction_balance_scorer(clf, X, y, reference="target")
