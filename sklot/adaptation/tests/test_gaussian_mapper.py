import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.covariance import ledoit_wolf
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import GaussianMongeMapper
from sklot.solvers import bures_wasserstein_distance, gaussian_monge_map
from sklot.utils import NoTargetWarning


def stacked(rng, n_source=120, n_target=90, d=3):
    mix_s = rng.normal(size=(d, d))
    mix_t = rng.normal(size=(d, d))
    X_source = rng.normal(size=(n_source, d)) @ mix_s + 1.0
    X_target = rng.standard_t(6, size=(n_target, d)) @ mix_t - 2.0
    X = np.vstack([X_source, X_target])
    y = np.r_[rng.integers(0, 2, size=n_source), -np.ones(n_target, dtype=int)]
    return X, y, X_source, X_target


def cov(X):
    return np.cov(X.T, bias=True).reshape(X.shape[1], X.shape[1])


def test_pushforward_matches_target_moments(rng):
    X, y, X_source, X_target = stacked(rng)
    mapper = GaussianMongeMapper(reg=0.0).fit(X, y)
    mapped = mapper.transform(X_source)
    assert_allclose(mapped.mean(axis=0), X_target.mean(axis=0), atol=1e-10)
    assert_allclose(cov(mapped), cov(X_target), rtol=1e-9, atol=1e-10)
    assert_allclose(mapper.source_mean_, X_source.mean(axis=0))
    assert_allclose(mapper.target_covariance_, cov(X_target), rtol=1e-12)


def test_fitted_map_is_symmetric_psd_and_invertible(rng):
    X, y, X_source, X_target = stacked(rng, d=5)
    mapper = GaussianMongeMapper(reg=0.0).fit(X, y)
    A = mapper.A_
    assert_allclose(A, A.T, atol=0)
    assert np.linalg.eigvalsh(A).min() > 0
    Z = rng.normal(size=(40, 5))
    assert_allclose(mapper.inverse_transform(mapper.transform(Z)), Z, atol=1e-9)
    assert_allclose(mapper.transform(mapper.inverse_transform(Z)), Z, atol=1e-9)
    # the inverse map pushes the target sample onto the source moments
    back = mapper.inverse_transform(X_target)
    assert_allclose(back.mean(axis=0), mapper.source_mean_, atol=1e-9)
    assert_allclose(cov(back), mapper.source_covariance_, rtol=1e-9, atol=1e-10)


def test_fitted_values_match_solver_functions(rng):
    X, y, X_source, X_target = stacked(rng)
    mapper = GaussianMongeMapper(reg=1e-3).fit(X, y)
    m_s, m_t = X_source.mean(axis=0), X_target.mean(axis=0)
    S_s, S_t = cov(X_source), cov(X_target)
    # the ridge is relative to the mean variance of the two domains
    scale = (np.trace(S_s) + np.trace(S_t)) / 6
    assert mapper.covariance_scale_ == pytest.approx(scale)
    A, b = gaussian_monge_map(m_s, S_s, m_t, S_t, reg=1e-3 * scale)
    assert_allclose(mapper.A_, A, rtol=1e-10)
    assert_allclose(mapper.b_, b, rtol=1e-10, atol=1e-12)
    ridge = 1e-3 * scale * np.eye(3)
    W2 = bures_wasserstein_distance(m_s, S_s + ridge, m_t, S_t + ridge)
    assert_allclose(mapper.wasserstein_distance_, W2, rtol=1e-10)
    bures = bures_wasserstein_distance(m_s, S_s + ridge, m_s, S_t + ridge)
    assert_allclose(mapper.bures_distance_, bures, rtol=1e-10)


def test_fit_transform_maps_source_keeps_target(rng):
    X, y, X_source, X_target = stacked(rng)
    mapper = GaussianMongeMapper()
    Xt = mapper.fit_transform(X, y)
    source = y != -1
    assert_allclose(Xt[~source], X[~source])
    assert_allclose(Xt[source], mapper.transform(X_source))
    assert not np.shares_memory(Xt, X)


def test_regression_targets_and_sample_domain(rng):
    X, y, X_source, X_target = stacked(rng)
    # interleaved rows (not one block per domain) give the same map
    order = rng.permutation(X.shape[0])
    shuffled = GaussianMongeMapper().fit(X[order], y[order])
    y_reg = np.where(y == -1, np.nan, rng.normal(size=y.shape[0]))
    by_nan = GaussianMongeMapper().fit(X, y_reg)
    domain = np.where(y == -1, -1, 0)
    by_domain = GaussianMongeMapper().fit(X, np.abs(y), sample_domain=domain)
    by_label = GaussianMongeMapper().fit(X, y)
    assert_allclose(by_nan.A_, by_label.A_)
    assert_allclose(by_domain.A_, by_label.A_)
    assert_allclose(shuffled.A_, by_label.A_, rtol=1e-10)


def test_interpolate_is_displacement_interpolation(rng):
    X, y, X_source, X_target = stacked(rng)
    mapper = GaussianMongeMapper(reg=0.0).fit(X, y)
    assert_allclose(mapper.interpolate(X_source, 0.0), X_source)
    assert_allclose(mapper.interpolate(X_source, 1), mapper.transform(X_source))
    half = mapper.interpolate(X_source, 0.25)
    assert_allclose(half, 0.75 * X_source + 0.25 * mapper.transform(X_source))
    # geodesic: the distance to the source grows linearly in t
    m_h, S_h = half.mean(axis=0), cov(half)
    d_h = bures_wasserstein_distance(
        mapper.source_mean_, mapper.source_covariance_, m_h, S_h
    )
    assert_allclose(d_h, 0.25 * mapper.wasserstein_distance_, rtol=1e-7)
    for bad in (-0.1, 1.5, "half", None, np.nan, True):
        with pytest.raises(ValueError, match="t must be"):
            mapper.interpolate(X_source, bad)


def test_bias_false_assumes_centred(rng):
    X, y, X_source, X_target = stacked(rng)
    mapper = GaussianMongeMapper(bias=False, reg=0.0).fit(X, y)
    assert_allclose(mapper.b_, 0.0)
    assert_allclose(mapper.source_mean_, 0.0)
    mapped = mapper.transform(X_source)
    second = X_target.T @ X_target / X_target.shape[0]
    assert_allclose(mapped.T @ mapped / mapped.shape[0], second, rtol=1e-9)


@pytest.mark.parametrize("covariance", ["ledoit_wolf", "oas"])
def test_shrunk_covariances(rng, covariance):
    X, y, X_source, X_target = stacked(rng, n_source=15, n_target=12, d=10)
    mapper = GaussianMongeMapper(covariance=covariance, reg=0.0).fit(X, y)
    assert np.all(np.isfinite(mapper.A_))
    mapped = mapper.transform(X_source)
    # the map sends the shrunk source covariance onto the shrunk target one
    S_t = mapper.target_covariance_
    A = mapper.A_
    assert_allclose(A @ mapper.source_covariance_ @ A, S_t, rtol=1e-8, atol=1e-10)
    assert_allclose(mapped.mean(axis=0), X_target.mean(axis=0), atol=1e-9)
    if covariance == "ledoit_wolf":
        assert_allclose(S_t, ledoit_wolf(X_target)[0], rtol=1e-12)


def test_rank_deficient_source_needs_reg(rng):
    # fewer source rows than features, and a constant feature
    X_source = rng.normal(size=(4, 6))
    X_target = rng.normal(size=(30, 6))
    X = np.vstack([X_source, X_target])
    y = np.r_[np.zeros(4, dtype=int), -np.ones(30, dtype=int)]
    with pytest.raises(ValueError, match="reg > 0.*4 rows for 6 features"):
        GaussianMongeMapper(reg=0.0).fit(X, y)
    mapper = GaussianMongeMapper(reg=1e-3).fit(X, y)
    assert np.all(np.isfinite(mapper.transform(X_source)))

    X_const = rng.normal(size=(50, 3))
    X_const[:, 1] = 7.0
    X = np.vstack([X_const, rng.normal(size=(50, 3))])
    y = np.r_[np.zeros(50, dtype=int), -np.ones(50, dtype=int)]
    with pytest.raises(ValueError, match="constant feature"):
        GaussianMongeMapper(reg=0.0).fit(X, y)
    mapped = GaussianMongeMapper(reg=1e-2).fit(X, y).transform(X_const)
    assert np.all(np.isfinite(mapped))


def test_singular_target_has_no_inverse(rng):
    X_source = rng.normal(size=(50, 3))
    X_target = rng.normal(size=(50, 3))
    X_target[:, 2] = 1.0
    X = np.vstack([X_source, X_target])
    y = np.r_[np.zeros(50, dtype=int), -np.ones(50, dtype=int)]
    mapper = GaussianMongeMapper(reg=0.0).fit(X, y)
    mapped = mapper.transform(X_source)
    assert_allclose(mapped[:, 2], 1.0, atol=1e-7)
    assert mapper.A_inverse_ is None
    with pytest.raises(ValueError, match="target covariance is singular"):
        mapper.inverse_transform(X_target)
    mapper = GaussianMongeMapper(reg=1e-4).fit(X, y)
    assert mapper.A_inverse_ is not None


def test_float32_stays_float32(rng):
    X, y, X_source, _ = stacked(rng)
    X32 = X.astype(np.float32)
    mapper = GaussianMongeMapper().fit(X32, y)
    for out in (
        mapper.transform(X32),
        mapper.inverse_transform(X32),
        mapper.interpolate(X32, 0.5),
        mapper.fit_transform(X32, y),
    ):
        assert out.dtype == np.float32
    ref = GaussianMongeMapper().fit(X, y)
    assert_allclose(mapper.A_, ref.A_, rtol=1e-4)
    assert_allclose(mapper.transform(X32), ref.transform(X), rtol=1e-4, atol=1e-4)


def test_transform_matches_one_product(rng):
    X, y, _, _ = stacked(rng)
    mapper = GaussianMongeMapper().fit(X, y)
    Z = rng.normal(size=(5000, 3))
    assert_allclose(mapper.transform(Z), Z @ mapper.A_ + mapper.b_, rtol=1e-12)
    Z_f = np.asfortranarray(Z)
    assert_allclose(mapper.transform(Z_f), Z @ mapper.A_ + mapper.b_, rtol=1e-12)


def test_no_target_rows_gives_identity(rng):
    X = rng.normal(size=(30, 2))
    with pytest.warns(NoTargetWarning):
        mapper = GaussianMongeMapper().fit(X, np.zeros(30, dtype=int))
    assert_allclose(mapper.transform(X), X)
    assert_allclose(mapper.A_, np.eye(2))
    assert mapper.wasserstein_distance_ == 0.0
    assert_allclose(mapper.interpolate(X, 0.3), X)


def test_pipeline_gridsearch_pickle_clone(rng):
    X, y, X_source, X_target = stacked(rng)
    pipe = make_pipeline(StandardScaler(), GaussianMongeMapper())
    out = pipe.fit_transform(X, y)
    assert out.shape == X.shape
    search = GridSearchCV(
        make_pipeline(GaussianMongeMapper(), LogisticRegression()),
        {"gaussianmongemapper__covariance": ["empirical", "oas"]},
        cv=3,
    )
    source = y != -1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoTargetWarning)
        search.fit(X[source], y[source])
    mapper = GaussianMongeMapper(reg=1e-3).fit(X, y)
    restored = pickle.loads(pickle.dumps(mapper))
    assert_allclose(restored.transform(X_source), mapper.transform(X_source))
    assert clone(mapper).get_params() == mapper.get_params()
    assert not hasattr(clone(mapper), "A_")


def test_pandas_output_and_feature_names(rng):
    X, y, _, _ = stacked(rng)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    mapper = GaussianMongeMapper().set_output(transform="pandas").fit(frame, y)
    out = mapper.transform(frame)
    assert list(out.columns) == ["a", "b", "c"]
    assert list(mapper.get_feature_names_out()) == ["a", "b", "c"]


def test_parameter_errors(rng):
    X, y, _, _ = stacked(rng)
    for params in ({"reg": -1.0}, {"covariance": "mcd"}, {"bias": "yes"}):
        with pytest.raises(ValueError, match=list(params)[0]):
            GaussianMongeMapper(**params).fit(X, y)
    mapper = GaussianMongeMapper().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        mapper.transform(np.ones((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        mapper.transform(np.full((3, 3), np.nan))


def test_adaptation_helps_under_affine_shift(rng):
    # two classes; the target domain is a slightly rotated, stretched, shifted
    # copy (a symmetric PSD map cannot undo large rotations)
    n = 400
    labels = rng.integers(0, 2, size=2 * n)
    centres = np.array([[-2.0, 0.0], [2.0, 0.0]])
    points = centres[labels] + rng.normal(size=(2 * n, 2))
    theta = np.pi / 8
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    X_source, y_source = points[:n], labels[:n]
    X_target, y_target = points[n:] @ rot * [1.5, 0.7] + [3.0, -1.0], labels[n:]
    X = np.vstack([X_source, X_target])
    y = np.r_[y_source, -np.ones(n, dtype=int)]
    plain = LogisticRegression().fit(X_source, y_source)
    mapper = GaussianMongeMapper().fit(X, y)
    adapted = LogisticRegression().fit(mapper.transform(X_source), y_source)
    acc_plain = plain.score(X_target, y_target)
    acc_adapted = adapted.score(X_target, y_target)
    assert acc_adapted > 0.88
    assert acc_adapted > acc_plain + 0.15


def test_adapter_of_domain_adaptation_classifier(rng):
    from sklot.adaptation import DomainAdaptationClassifier

    n = 300
    labels = rng.integers(0, 2, size=2 * n)
    points = np.array([[-2.0, 0.0], [2.0, 0.0]])[labels] + rng.normal(size=(2 * n, 2))
    X = np.vstack([points[:n], points[n:] * [1.5, 0.7] + [3.0, -1.0]])
    y = np.r_[labels[:n], -np.ones(n, dtype=int)]
    clf = DomainAdaptationClassifier(LogisticRegression(), GaussianMongeMapper())
    clf.fit(X, y)
    assert clf.score(X[n:], labels[n:]) > 0.9
    plain = LogisticRegression().fit(points[:n], labels[:n])
    assert clf.score(X[n:], labels[n:]) > plain.score(X[n:], labels[n:])


@pytest.mark.parametrize("reg", [1e-6, 0.1, 10.0])
def test_reg_is_relative_to_the_covariance_scale(rng, reg):
    X, y, _, _ = stacked(rng)
    a = GaussianMongeMapper(reg=reg).fit(X, y)
    b = GaussianMongeMapper(reg=reg).fit(1000 * X, y)
    assert_allclose(a.A_, b.A_, rtol=1e-8, atol=1e-12)
    assert_allclose(1000 * a.transform(X), b.transform(1000 * X), rtol=1e-8)
