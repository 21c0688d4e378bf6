"""Adapters and meta-estimators: target markers and bad input (issues 16, 18)."""

import warnings

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from sklot.adaptation import (
    DomainAdaptationClassifier,
    DomainAdaptationRegressor,
    GaussianMongeMapper,
    OTDomainAdapter,
)
from sklot.datasets import make_domain_shift
from sklot.utils import TargetMarkerWarning

ADAPTERS = [OTDomainAdapter(), OTDomainAdapter(reg=0.5), GaussianMongeMapper()]


@pytest.fixture(scope="module")
def shifted():
    X, y, y_target = make_domain_shift(
        "conditional", n_samples_source=40, n_samples_target=40,
        return_target_labels=True, random_state=0,
    )
    return X, y, y_target


def _as_strings(y):
    names = np.array(["cat", "dog"])
    return np.where(y == -1, "-1", names[np.clip(y, 0, 1)])


def test_d12_string_labels_with_minus_one_marker(shifted):
    X, y, y_target = shifted
    clf = DomainAdaptationClassifier(LogisticRegression()).fit(X, _as_strings(y))
    assert clf.classes_.tolist() == ["cat", "dog"]
    pred = clf.predict(X[y == -1])
    assert "-1" not in set(pred)
    reference = DomainAdaptationClassifier(LogisticRegression()).fit(X, y)
    names = np.array(["cat", "dog"])
    np.testing.assert_array_equal(pred, names[reference.predict(X[y == -1])])


def test_object_labels_with_none_marker(shifted):
    X, y, _ = shifted
    y_obj = np.array([None if v == -1 else int(v) for v in y], dtype=object)
    clf = DomainAdaptationClassifier(LogisticRegression()).fit(X, y_obj)
    reference = DomainAdaptationClassifier(LogisticRegression()).fit(X, y)
    assert clf.classes_.tolist() == [0, 1]
    np.testing.assert_array_equal(
        clf.predict(X[y == -1]), reference.predict(X[y == -1])
    )
    names = np.array(["cat", "dog"], dtype=object)
    y_str = np.where(y == -1, None, names[np.clip(y, 0, 1)])
    clf = DomainAdaptationClassifier(LogisticRegression()).fit(X, y_str)
    assert clf.classes_.tolist() == ["cat", "dog"]


def test_regressor_reads_none_as_marker():
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=30,
        n_samples_target=30, random_state=0,
    )
    y_obj = np.array([None if np.isnan(v) else v for v in y], dtype=object)
    pred = DomainAdaptationRegressor().fit(X, y_obj).predict(X[30:])
    reference = DomainAdaptationRegressor().fit(X, y).predict(X[30:])
    np.testing.assert_allclose(pred, reference)


def test_minus_one_one_labels_warn_once_per_fit(shifted):
    X, y, _ = shifted
    y_svm = np.where(y == 0, 1, -1)  # class 0 -> 1, class 1 and target -> -1
    with pytest.warns(TargetMarkerWarning) as record:
        DomainAdaptationClassifier(DummyClassifier()).fit(X, y_svm)
    assert len([w for w in record if w.category is TargetMarkerWarning]) == 1
    with pytest.warns(TargetMarkerWarning):
        OTDomainAdapter().fit(X, y_svm)


def test_sample_domain_keeps_minus_one_as_a_class(shifted):
    X, y, _ = shifted
    source = y != -1
    y_svm = np.where(y == 1, 1, -1)  # class 0 and target rows -> -1
    sample_domain = np.where(source, 0, -1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetMarkerWarning)
        clf = DomainAdaptationClassifier().fit(X, y_svm, sample_domain=sample_domain)
    assert clf.classes_.tolist() == [-1, 1]
    assert (clf.estimator_.classes_ == [-1, 1]).all()


@pytest.mark.parametrize("adapter", ADAPTERS, ids=repr)
def test_d11_minus_one_markers_plus_one_nan_are_refused(adapter, shifted):
    X, y, _ = shifted
    y_nan = y.astype(float)
    y_nan[0] = np.nan
    with pytest.raises(ValueError, match="mixes two target markers"):
        adapter.fit(X, y_nan)
    with pytest.raises(ValueError, match="mixes two target markers"):
        DomainAdaptationClassifier(adapter=adapter).fit(X, y_nan)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=repr)
@pytest.mark.parametrize("scale", [1e154, 1e200, 1e300])
def test_d14_huge_X_error_names_X(adapter, scale, shifted):
    X, y, _ = shifted
    with pytest.raises(ValueError, match="values of X are too large") as info:
        adapter.fit(X * scale, y)
    assert "Input M" not in str(info.value)
    with pytest.raises(ValueError, match="values of X are too large"):
        DomainAdaptationClassifier(adapter=adapter).fit(X * scale, y)


def test_d14_transform_of_huge_rows_names_X(shifted):
    X, y, _ = shifted
    adapter = OTDomainAdapter(reg=0.5).fit(X, y)
    with pytest.raises(ValueError, match="values of X are too large"):
        adapter.transform(X[:3] * 1e200)
    # the Gaussian map is affine: any finite rows map to finite rows
    mapper = GaussianMongeMapper().fit(X, y)
    assert np.isfinite(mapper.transform(X[:3] * 1e200)).all()


def test_large_but_safe_X_still_fits(shifted):
    X, y, _ = shifted
    small = OTDomainAdapter().fit_transform(X, y)
    big = OTDomainAdapter().fit_transform(X * 1e100, y)
    np.testing.assert_allclose(big / 1e100, small, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "adapter",
    [OTDomainAdapter(), OTDomainAdapter(reg=0.5)],
    ids=repr,
)
def test_d14_regression_nan_on_source_rows_names_y(adapter):
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=30,
        n_samples_target=30, random_state=0,
    )
    y = y.copy()
    y[30:35] = 1.0  # five labelled target rows
    y[0] = np.nan  # a source row without a label
    sample_domain = np.r_[np.zeros(30, int), -np.ones(30, int)]
    for fit in (adapter.fit, DomainAdaptationRegressor(adapter=adapter).fit):
        with pytest.raises(ValueError, match="sample_domain marks as source") as info:
            fit(X, y, sample_domain=sample_domain)
        assert "Input M" not in str(info.value)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=repr)
@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_d20_regression_adapters_refuse_infinite_y(adapter, bad):
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=30,
        n_samples_target=30, random_state=0,
    )
    y = y.copy()
    y[3] = bad
    with pytest.raises(ValueError, match="y contains inf"):
        adapter.fit(X, y)
    with pytest.raises(ValueError, match="y contains inf"):
        DomainAdaptationRegressor(adapter=adapter).fit(X, y)


def test_classifier_reads_nan_in_float_labels_as_marker(shifted):
    X, y, _ = shifted
    y_nan = np.where(y == -1, np.nan, y.astype(float))
    clf = DomainAdaptationClassifier(LogisticRegression()).fit(X, y_nan)
    reference = DomainAdaptationClassifier(LogisticRegression()).fit(X, y)
    np.testing.assert_array_equal(
        clf.predict(X[y == -1]), reference.predict(X[y == -1])
    )


def test_regressor_with_whole_number_values_and_minus_one():
    # -1 is a value in regression: the meta-estimator tells its adapter so,
    # where the adapter alone would find -1 and NaN ambiguous.
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=30,
        n_samples_target=30, random_state=0,
    )
    y_int = np.where(np.isnan(y), np.nan, np.round(y))
    y_int[0] = -1.0
    reg = DomainAdaptationRegressor().fit(X, y_int)
    assert np.isfinite(reg.predict(X[30:])).all()
    assert reg.adapter_.X_target_.shape == (30, 2)
    with pytest.raises(ValueError, match="mixes two target markers"):
        OTDomainAdapter().fit(X, y_int)
