import pickle
import warnings
from numbers import Real

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from sklot.adaptation import (
    DomainAdaptationClassifier,
    DomainAdaptationRegressor,
    GaussianMongeMapper,
    OTDomainAdapter,
)
from sklot.adaptation._base import BaseAdapter
from sklot.datasets import make_domain_shift
from sklot.utils import NoTargetWarning


class MeanShiftAdapter(BaseAdapter):
    """Translate the source rows by the difference of the domain means."""

    _parameter_constraints = {"scale": [Real]}

    def __init__(self, scale=1.0):
        self.scale = scale

    def _fit_map(self, X, y, split):
        self.shift_ = self.scale * (
            X[split.target].mean(axis=0) - X[split.source].mean(axis=0)
        )

    def _transform(self, X):
        return X + self.shift_

    def _inverse_transform(self, X):
        return X - self.shift_


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Remember what fit saw; predict the nearest class mean."""

    def fit(self, X, y, sample_weight=None):
        self.X_seen_ = np.array(X, copy=True)
        self.y_seen_ = np.array(y, copy=True)
        self.weight_seen_ = sample_weight
        self.classes_ = np.unique(y)
        self.means_ = np.array([X[y == c].mean(0) for c in self.classes_])
        return self

    def predict(self, X):
        d = ((X[:, None, :] - self.means_[None]) ** 2).sum(-1)
        return self.classes_[d.argmin(1)]


@pytest.fixture
def shifted():
    # A pure translation: the mean-shift adapter recovers it exactly.
    X, y, y_t = make_domain_shift(
        "conditional", shift=0.0, n_samples_source=60, n_samples_target=50,
        return_target_labels=True, random_state=0,
    )
    X = X.copy()
    X[60:] += np.array([6.0, -4.0])
    return X, y, y_t


def test_classifier_fits_on_mapped_labelled_rows_only(shifted):
    X, y, _ = shifted
    clf = DomainAdaptationClassifier(RecordingClassifier(), MeanShiftAdapter())
    clf.fit(X, y)
    seen = clf.estimator_
    assert seen.X_seen_.shape == (60, 2)
    np.testing.assert_array_equal(seen.y_seen_, y[:60])
    expected = X[:60] + (X[60:].mean(0) - X[:60].mean(0))
    np.testing.assert_allclose(seen.X_seen_, expected)
    np.testing.assert_array_equal(clf.classes_, [0, 1])


def test_y_and_X_are_never_modified(shifted):
    X, y, _ = shifted
    X0, y0 = X.copy(), y.copy()
    DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(X, y)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    yr = np.where(y == -1, np.nan, y.astype(float))
    yr0 = yr.copy()
    DomainAdaptationRegressor(adapter=MeanShiftAdapter()).fit(X, yr)
    np.testing.assert_array_equal(yr, yr0)


def test_adaptation_recovers_a_translation(shifted):
    X, y, y_t = shifted
    adapted = DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(X, y)
    source_only = DomainAdaptationClassifier(adapter="passthrough").fit(X, y)
    assert adapted.score(X[60:], y_t) > 0.9
    assert source_only.score(X[60:], y_t) < 0.7


def test_passthrough_is_the_estimator_on_labelled_rows(shifted):
    X, y, _ = shifted
    clf = DomainAdaptationClassifier(LogisticRegression(), "passthrough").fit(X, y)
    ref = LogisticRegression().fit(X[:60], y[:60])
    assert clf.adapter_ is None
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X))


def test_sample_domain_maps_source_rows_at_predict(shifted):
    X, y, _ = shifted
    clf = DomainAdaptationClassifier(RecordingClassifier(), MeanShiftAdapter())
    clf.fit(X, y)
    shift = clf.adapter_.shift_
    sd = np.zeros(5, dtype=int)
    np.testing.assert_array_equal(
        clf.predict(X[:5], sample_domain=sd), clf.predict(X[:5] + shift)
    )
    np.testing.assert_array_equal(
        clf.predict(X[60:65], sample_domain=-sd - 1), clf.predict(X[60:65])
    )


def test_semi_supervised_target_labels_join_the_training_set(shifted):
    X, y, y_t = shifted
    sd = np.r_[np.ones(60, dtype=int), -np.ones(50, dtype=int)]
    y_semi = y.copy()
    y_semi[60:70] = y_t[:10]
    clf = DomainAdaptationClassifier(RecordingClassifier(), MeanShiftAdapter())
    clf.fit(X, y_semi, sample_domain=sd)
    assert clf.estimator_.X_seen_.shape[0] == 70
    # The labelled target rows are in the target domain already: unmoved.
    np.testing.assert_allclose(clf.estimator_.X_seen_[60:], X[60:70])


def test_sample_weight_reaches_the_estimator(shifted):
    X, y, _ = shifted
    w = np.linspace(1, 2, X.shape[0])
    clf = DomainAdaptationClassifier(RecordingClassifier(), MeanShiftAdapter())
    clf.fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.estimator_.weight_seen_, w[:60])


def test_score_skips_unlabelled_rows(shifted):
    X, y, y_t = shifted
    clf = DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(X, y)
    y_eval = y.copy()
    y_eval[60:] = y_t
    y_eval[60:80] = -1
    expected = np.mean(clf.predict(X[y_eval != -1]) == y_eval[y_eval != -1])
    assert clf.score(X, y_eval) == pytest.approx(expected)
    with pytest.raises(ValueError, match="labels"):
        clf.score(X[60:], np.full(50, -1))


def test_methods_follow_the_estimator(shifted):
    X, y, _ = shifted
    svc = DomainAdaptationClassifier(LinearSVC(), MeanShiftAdapter())
    assert not hasattr(svc, "predict_proba")
    assert hasattr(svc, "decision_function")
    svc.fit(X, y)
    assert svc.decision_function(X).shape == (X.shape[0],)
    lr = DomainAdaptationClassifier(LogisticRegression(), MeanShiftAdapter()).fit(X, y)
    proba = lr.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1)
    np.testing.assert_allclose(lr.predict_log_proba(X), np.log(proba))
    assert not hasattr(
        DomainAdaptationClassifier(SVC(probability=False)), "predict_proba"
    )


def test_string_labels_with_sample_domain(shifted):
    X, y, y_t = shifted
    names = np.array(["cat", "dog"])
    y_str = np.where(y == -1, "cat", names[np.clip(y, 0, 1)])
    sd = np.r_[np.zeros(60, dtype=int), -np.ones(50, dtype=int)]
    y_str = y_str.astype(object)
    y_str[60:] = None
    # Unlabelled target rows cannot hold a marker in a string y; the domains
    # come from sample_domain and the classes from the labelled rows.
    y_lab = np.where(np.arange(110) < 60, y_str, "cat")
    clf = DomainAdaptationClassifier(adapter=MeanShiftAdapter())
    clf.fit(X, y_lab.astype(str), sample_domain=sd)
    assert set(clf.classes_) == {"cat", "dog"}
    assert clf.estimator_.n_features_in_ == 2


def test_no_target_rows_is_the_plain_estimator(shifted):
    X, y, _ = shifted
    with pytest.warns(NoTargetWarning):
        clf = DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(
            X[:60], y[:60]
        )
    ref = LogisticRegression().fit(X[:60], y[:60])
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X))


def test_pipeline_and_grid_search_without_routing(shifted):
    X, y, y_t = shifted
    pipe = make_pipeline(
        StandardScaler(),
        DomainAdaptationClassifier(LogisticRegression(), MeanShiftAdapter()),
    )
    search = GridSearchCV(
        pipe,
        {"domainadaptationclassifier__adapter__scale": [0.0, 1.0]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    )
    assert not sklearn.get_config()["enable_metadata_routing"]
    search.fit(X, y)
    assert search.best_estimator_.score(X[60:], y_t) >= 0.5
    assert search.predict(X[60:]).shape == (50,)


def test_metadata_routing_passes_sample_domain(shifted):
    X, y, y_t = shifted
    sd = np.r_[np.ones(60, dtype=int), -np.ones(50, dtype=int)]
    y_semi = y.copy()
    y_semi[60:70] = y_t[:10]
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler(),
            DomainAdaptationClassifier(RecordingClassifier(), MeanShiftAdapter()),
        )
        pipe.fit(X, y_semi, sample_domain=sd)
    assert pipe[-1].estimator_.X_seen_.shape[0] == 70


def test_without_routing_step_parameters_pass_sample_domain(shifted):
    X, y, y_t = shifted
    sd = np.r_[np.ones(60, dtype=int), -np.ones(50, dtype=int)]
    y_semi = y.copy()
    y_semi[60:70] = y_t[:10]
    pipe = make_pipeline(
        StandardScaler(),
        DomainAdaptationClassifier(RecordingClassifier(), MeanShiftAdapter()),
    )
    pipe.fit(X, y_semi, domainadaptationclassifier__sample_domain=sd)
    assert pipe[-1].estimator_.X_seen_.shape[0] == 70


def test_gaussian_mapper_is_a_valid_adapter():
    X, y, y_t = make_domain_shift(
        "conditional", n_samples_source=150, n_samples_target=150,
        return_target_labels=True, random_state=0,
    )
    adapted = DomainAdaptationClassifier(adapter=GaussianMongeMapper()).fit(X, y)
    source_only = DomainAdaptationClassifier(adapter="passthrough").fit(X, y)
    assert adapted.score(X[150:], y_t) > source_only.score(X[150:], y_t)


def test_pickle_round_trip(shifted):
    X, y, _ = shifted
    clf = DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))


def test_pandas_input_keeps_feature_names(shifted):
    pd = pytest.importorskip("pandas")
    X, y, _ = shifted
    frame = pd.DataFrame(X, columns=["a", "b"])
    clf = DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(frame)


# -- errors ------------------------------------------------------------------


def test_no_source_rows_is_an_error(shifted):
    X, _, _ = shifted
    sd = -np.ones(X.shape[0], dtype=int)
    y = np.zeros(X.shape[0], dtype=int)
    with pytest.raises(ValueError, match="no source rows"):
        DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(
            X, y, sample_domain=sd
        )
    with pytest.raises(ValueError, match="no labelled rows|no source rows"):
        DomainAdaptationClassifier().fit(X, np.full(X.shape[0], -1))


def test_y_none_is_an_error(shifted):
    X, _, _ = shifted
    with pytest.raises(ValueError, match="requires y"):
        DomainAdaptationClassifier().fit(X, None)


def test_feature_mismatch_and_nan_are_errors(shifted):
    X, y, _ = shifted
    clf = DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(np.hstack([X, X]))
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DomainAdaptationClassifier(adapter=MeanShiftAdapter()).fit(X_nan, y)
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(X_nan)


def test_continuous_y_is_refused_by_the_classifier(shifted):
    X, _, _ = shifted
    with pytest.raises(ValueError, match="Unknown label type"):
        DomainAdaptationClassifier().fit(X, np.linspace(0, 1, X.shape[0]))


# -- regression --------------------------------------------------------------


def test_regressor_nan_marks_target_rows():
    X, y, y_t = make_domain_shift(
        "conditional", task="regression", n_samples_source=80,
        n_samples_target=60, return_target_labels=True, random_state=0,
    )
    reg = DomainAdaptationRegressor(LinearRegression(), MeanShiftAdapter()).fit(X, y)
    assert reg.estimator_.n_features_in_ == 2
    assert reg.predict(X[80:]).shape == (60,)
    assert np.isfinite(reg.score(X[:80], y[:80]))


def test_regressor_refuses_an_ambiguous_minus_one_marker():
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=30,
        n_samples_target=20, random_state=0,
    )
    y_bad = np.where(np.isnan(y), -1.0, y)
    with pytest.raises(ValueError, match="NaN"):
        DomainAdaptationRegressor(adapter=MeanShiftAdapter()).fit(X, y_bad)
    y_int = np.r_[np.arange(30) % 3, -np.ones(20, dtype=int)]
    with pytest.raises(ValueError, match="NaN"):
        DomainAdaptationRegressor(adapter=MeanShiftAdapter()).fit(X, y_int)
    # With sample_domain, -1 is an ordinary value.
    sd = np.r_[np.zeros(30, dtype=int), -np.ones(20, dtype=int)]
    y_ok = np.r_[np.full(30, -1.0), np.full(20, np.nan)]
    y_ok[:15] = 1.0
    reg = DomainAdaptationRegressor(LinearRegression(), MeanShiftAdapter())
    reg.fit(X, y_ok, sample_domain=sd)
    assert reg.estimator_.predict(X[:1]).shape == (1,)


def test_regressor_keeps_minus_one_values_when_nan_marks_the_target():
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=30,
        n_samples_target=20, random_state=0,
    )
    y = y.copy()
    y[:5] = -1.0
    reg = DomainAdaptationRegressor(
        RecordingRegressor(), MeanShiftAdapter()
    ).fit(X, y)
    assert reg.estimator_.y_seen_.shape == (30,)
    assert (reg.estimator_.y_seen_ == -1).sum() == 5


class RecordingRegressor(BaseEstimator):
    def fit(self, X, y):
        self.y_seen_ = np.array(y, copy=True)
        return self

    def predict(self, X):
        return np.zeros(X.shape[0])


def test_regressor_grid_search_with_kfold():
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=60,
        n_samples_target=60, random_state=0,
    )
    search = GridSearchCV(
        DomainAdaptationRegressor(adapter=MeanShiftAdapter()),
        {"adapter__scale": [0.0, 1.0]},
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert np.isfinite(search.best_score_)


def test_default_adapter_is_ot():
    clf = DomainAdaptationClassifier()
    assert clf.adapter is None
    X, y = make_domain_shift(n_samples_source=20, n_samples_target=20, random_state=0)
    clf.fit(X, y)
    assert isinstance(clf.adapter_, OTDomainAdapter)
