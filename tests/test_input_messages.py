"""Every estimator's error on malformed X or y names the argument (D18)."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

import sklot

ESTIMATORS = [
    sklot.adaptation.OTDomainAdapter(),
    sklot.adaptation.GaussianMongeMapper(),
    sklot.adaptation.DomainAdaptationClassifier(),
    sklot.adaptation.DomainAdaptationRegressor(),
    sklot.cluster.WassersteinKMeans(n_clusters=2),
    sklot.kernels.SlicedWassersteinKernel(n_projections=4),
    sklot.kernels.SlicedWassersteinEmbedding(n_projections=4),
    sklot.linear_model.WassersteinDROClassifier(),
    sklot.color.ColorTransferer(n_iter=1),
]

RNG = np.random.default_rng(0)
X_GOOD = RNG.random((20, 3))
BAD_X = {
    "empty": np.zeros((0, 3)),
    "no features": np.zeros((20, 0)),
    "3-D": np.zeros((20, 3, 2)),
    "1-D": np.zeros(20),
    "strings": np.full((20, 3), "a"),
    "complex": X_GOOD * 1j,
    "ragged": [[1.0, 2.0, 3.0]] * 19 + [[1.0]],
    "scalar": 3.0,
    "NaN": np.where(X_GOOD > 0.9, np.nan, X_GOOD),
}


def _labels(estimator):
    name = type(estimator).__name__
    if name == "DomainAdaptationRegressor":
        return np.r_[RNG.random(10), np.full(10, np.nan)]
    if name == "WassersteinDROClassifier":
        return np.r_[np.zeros(10, int), np.ones(10, int)]
    if name in ("OTDomainAdapter", "GaussianMongeMapper", "DomainAdaptationClassifier"):
        return np.r_[np.zeros(5, int), np.ones(5, int), -np.ones(10, int)]
    return None


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if y is None:
            return clone(estimator).fit(X)
        return clone(estimator).fit(X, y)


# Inputs that are valid for an estimator: a 3-D array is an image for
# ColorTransferer; rows of different lengths are 1-D point clouds for the
# estimators that take distributions.
VALID = {
    ("ColorTransferer", "3-D"),
    ("WassersteinKMeans", "ragged"),
    ("SlicedWassersteinKernel", "ragged"),
    ("SlicedWassersteinEmbedding", "ragged"),
}
X_CASES = [
    pytest.param(estimator, case, id=f"{type(estimator).__name__}-{case}")
    for estimator in ESTIMATORS
    for case in BAD_X
    if (type(estimator).__name__, case) not in VALID
]


@pytest.mark.parametrize("estimator, case", X_CASES)
def test_d18_bad_X_is_named(estimator, case):
    with pytest.raises((TypeError, ValueError)) as info:
        _fit(estimator, BAD_X[case], _labels(estimator))
    assert re.search(r"\bX\b", str(info.value)), str(info.value)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_d18_sparse_X_is_named(estimator):
    with pytest.raises(TypeError, match=r"\bX\b"):
        _fit(estimator, sp.csr_matrix(X_GOOD), _labels(estimator))


SUPERVISED = [e for e in ESTIMATORS if _labels(e) is not None]
BAD_Y = {
    "short": lambda y: y[:-1],
    "ragged": lambda y: [[1]] * (len(y) - 1) + [[1, 2]],
    "sparse": lambda y: sp.csr_matrix(y),
    "scalar": lambda y: 3,
    "complex": lambda y: y * 1j,
}


@pytest.mark.parametrize("estimator", SUPERVISED, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("case", list(BAD_Y))
def test_d18_bad_y_is_named(estimator, case):
    y = BAD_Y[case](_labels(estimator))
    with pytest.raises((TypeError, ValueError)) as info:
        _fit(estimator, X_GOOD, y)
    assert re.search(r"\by\b", str(info.value)), str(info.value)


@pytest.mark.parametrize(
    "estimator",
    [sklot.adaptation.DomainAdaptationClassifier(),
     sklot.linear_model.WassersteinDROClassifier()],
    ids=lambda e: type(e).__name__,
)
def test_d18_continuous_y_for_a_classifier_is_named(estimator):
    with pytest.raises(ValueError, match=r"^y: Unknown label type"):
        _fit(estimator, X_GOOD, RNG.random(20))


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if "random_state" in e.get_params()],
    ids=lambda e: type(e).__name__,
)
def test_d18_bad_random_state_is_named(estimator):
    with pytest.raises(ValueError, match="'random_state' parameter"):
        _fit(estimator.set_params(random_state="seed"), X_GOOD, _labels(estimator))
