import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier

from sklot.adaptation import (
    DomainAdaptationClassifier,
    DomainAdaptationRegressor,
    GaussianMongeMapper,
    OTDomainAdapter,
    TargetMarkerWarning,
    make_da_pipeline,
)
from sklot.datasets import make_domain_shift


@pytest.fixture
def shifted():
    return make_domain_shift(random_state=0, return_target_labels=True)


@pytest.mark.parametrize("adapter", [OTDomainAdapter(), GaussianMongeMapper()])
def test_plain_pipeline_that_would_learn_the_marker_warns(shifted, adapter):
    X, y, _ = shifted
    pipe = make_pipeline(StandardScaler(), adapter, LogisticRegression())
    with pytest.warns(TargetMarkerWarning, match="make_da_pipeline"):
        pipe.fit(X, y)
    # what the warning is about: the model learnt the marker as a class
    assert -1 in pipe.classes_


def test_plain_pipeline_warns_inside_a_search(shifted):
    X, y, _ = shifted
    search = GridSearchCV(
        make_pipeline(OTDomainAdapter(), LogisticRegression()),
        {"logisticregression__C": [1.0]}, cv=2,
    )
    with pytest.warns(TargetMarkerWarning):
        search.fit(X, y)


def test_domain_aware_pipelines_do_not_warn(shifted):
    X, y, _ = shifted
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetMarkerWarning)
        make_pipeline(OTDomainAdapter(), StandardScaler()).fit(X, y)
        make_pipeline(
            StandardScaler(), DomainAdaptationClassifier(LogisticRegression())
        ).fit(X, y)
        make_pipeline(
            OTDomainAdapter(), SelfTrainingClassifier(LogisticRegression())
        ).fit(X, y)
        make_da_pipeline(OTDomainAdapter(), LogisticRegression()).fit(X, y)
        OTDomainAdapter().fit_transform(X, y)


def test_make_da_pipeline_builds_the_meta_estimator(shifted):
    X, y, y_target = shifted
    pipe = make_da_pipeline(StandardScaler(), OTDomainAdapter(reg=0.1),
                            StandardScaler(), LogisticRegression())
    assert [name for name, _ in pipe.steps] == [
        "standardscaler", "domainadaptationclassifier"]
    meta = pipe[-1]
    assert isinstance(meta, DomainAdaptationClassifier)
    assert isinstance(meta.adapter, OTDomainAdapter) and meta.adapter.reg == 0.1
    assert [name for name, _ in meta.estimator.steps] == [
        "standardscaler", "logisticregression"]
    pred = pipe.fit(X, y).predict(X[y == -1])
    assert not np.any(pred == -1)
    assert set(pipe.classes_) == {0, 1}
    direct = DomainAdaptationClassifier(LogisticRegression(), OTDomainAdapter())
    simple = make_da_pipeline(OTDomainAdapter(), LogisticRegression())
    np.testing.assert_array_equal(
        simple.fit(X, y).predict(X[y == -1]),
        direct.fit(X, y).predict(X[y == -1]),
    )
    assert (simple.predict(X[y == -1]) == y_target).mean() > 0.9


def test_make_da_pipeline_regression_and_no_adapter():
    X, y = make_domain_shift(task="regression", random_state=0)
    pipe = make_da_pipeline(GaussianMongeMapper(), Ridge())
    assert isinstance(pipe[-1], DomainAdaptationRegressor)
    assert np.all(np.isfinite(pipe.fit(X, y).predict(X[np.isnan(y)])))
    plain = make_da_pipeline(StandardScaler(), LogisticRegression())
    assert plain[-1].adapter == "passthrough"
    Xc, yc = make_domain_shift(random_state=0)
    assert -1 not in plain.fit(Xc, yc).classes_


def test_make_da_pipeline_errors():
    with pytest.raises(TypeError, match="at least one step"):
        make_da_pipeline()
    with pytest.raises(TypeError, match="classifier or a regressor"):
        make_da_pipeline(OTDomainAdapter(), StandardScaler())
    with pytest.raises(ValueError, match="one adapter"):
        make_da_pipeline(OTDomainAdapter(), GaussianMongeMapper(),
                         LogisticRegression())
