import warnings

import numpy as np
import pytest
import scipy.linalg
from scipy.spatial.distance import cdist
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import (
    DomainAdaptationClassifier,
    ImportanceReweighter,
    MultiSourceAdapter,
    NegativeTransferGuard,
    OTDomainAdapter,
    TransferComponentAnalysis,
)
from sklot.datasets import make_domain_shift
from sklot.metrics import importance_weighted_scorer, transport_consistency_scorer
from sklot.utils import NoTargetWarning


def _shifted(n=40, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, 3))
    Xt = rng.normal(size=(n, 3)) * [1.0, 0.6, 1.3] + [1.5, -0.5, 0.0]
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] + Xs[:, 1] > 0).astype(int), -np.ones(n, dtype=int)]
    return X, y


@pytest.mark.parametrize("mu", [0.1, 1.0, 10.0])
def test_embedding_solves_the_generalized_eigenproblem(mu):
    # oracle: scipy's generalized symmetric solver on the problem as written
    # in the paper, max tr(W'KHKW) s.t. W'(KLK + mu I)W = I
    X, y = _shifted()
    tca = TransferComponentAnalysis(n_components=2, mu=mu).fit(X, y)
    n = X.shape[0]
    K = np.exp(-tca.gamma_ * cdist(X, X, "sqeuclidean"))
    e = np.r_[np.full(n // 2, 2.0 / n), np.full(n // 2, -2.0 / n)]
    H = np.eye(n) - 1.0 / n
    L = np.outer(e, e)
    values, W = scipy.linalg.eigh(K @ H @ K, K @ L @ K + mu * np.eye(n))
    assert values[-2] > 1.01 * values[-3]  # the two leading ones are distinct
    expected = H @ K @ W[:, ::-1][:, :2]
    got = tca.transform(X)
    for j in range(2):
        corr = np.corrcoef(expected[:, j], got[:, j])[0, 1]
        assert abs(corr) > 1 - 1e-6
    np.testing.assert_allclose(got.mean(axis=0), 0.0, atol=1e-8)
    np.testing.assert_allclose(got.std(axis=0).max(), 1.0, rtol=1e-8)


def test_a_small_mu_closes_the_gap_between_the_domain_means():
    X, y = _shifted(n=150)
    target = y == -1

    def gap(Z):
        return np.linalg.norm(Z[~target].mean(axis=0) - Z[target].mean(axis=0))

    raw = gap(StandardScaler().fit_transform(X))
    tight = gap(TransferComponentAnalysis(mu=1e-3).fit_transform(X, y))
    loose = gap(TransferComponentAnalysis(mu=1e3).fit_transform(X, y))
    assert tight < 0.1 * raw
    assert tight < loose


def test_classifier_predicts_target_rows_through_the_embedding():
    X, y, y_target = make_domain_shift(
        "covariate", n_samples_source=150, n_samples_target=150,
        return_target_labels=True, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = DomainAdaptationClassifier(
        LogisticRegression(), TransferComponentAnalysis(random_state=0)
    ).fit(X, y)
    target = X[y == -1]
    embedded = clf.adapter_.transform(target)
    np.testing.assert_array_equal(
        clf.predict(target), clf.estimator_.predict(embedded)
    )
    # with explicit domains every row is embedded the same way
    sd = np.where(y == -1, -1, 0)
    np.testing.assert_array_equal(clf.predict(X, sample_domain=sd), clf.predict(X))
    source_only = LogisticRegression().fit(X[y != -1], y[y != -1])
    assert clf.score(target, y_target) > source_only.score(target, y_target) + 0.1


def test_the_guard_can_choose_it_and_its_scores_are_finite():
    X, y, y_target = make_domain_shift(
        "covariate", n_samples_source=150, n_samples_target=150,
        return_target_labels=True, random_state=0)
    guard = NegativeTransferGuard()
    candidates = ["passthrough", ImportanceReweighter(random_state=0),
                  OTDomainAdapter(reg=0.1), TransferComponentAnalysis(random_state=0)]
    search = GridSearchCV(
        make_pipeline(StandardScaler(),
                      DomainAdaptationClassifier(LogisticRegression())),
        {"domainadaptationclassifier__adapter": candidates},
        scoring=guard.scoring, refit=guard,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    for key in guard.scoring:
        assert np.isfinite(search.cv_results_[f"mean_test_{key}"]).all()
    chosen = search.best_params_["domainadaptationclassifier__adapter"]
    assert isinstance(chosen, TransferComponentAnalysis)
    assert search.best_estimator_.score(X[y == -1], y_target) > 0.85


def test_scorers_compare_the_domains_in_the_embedding():
    X, y = _shifted(n=100)
    model = DomainAdaptationClassifier(
        LogisticRegression(), TransferComponentAnalysis(n_components=2, random_state=0)
    ).fit(X, y)
    # the embedding has 2 features and the rows 3: a scorer that mixed the
    # spaces would fail on the shapes
    assert -2.0 < transport_consistency_scorer(model, X, y) <= 0.0
    assert 0.0 <= importance_weighted_scorer(
        model, X, y, weight_estimator="kernel_density_ratio") <= 1.0


def test_subsample_and_determinism():
    X, y = _shifted(n=300)
    a = TransferComponentAnalysis(max_samples=50, random_state=0).fit(X, y)
    b = TransferComponentAnalysis(max_samples=50, random_state=0).fit(X, y)
    assert a.fitted_rows_.shape == (100, 3)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    full = TransferComponentAnalysis(max_samples=300).fit(X, y)
    assert full.fitted_rows_.shape == (600, 3)
    assert full.transform(X[:5]).shape == (5, 3)


def test_invariant_to_offsets_and_units_and_keeps_float32():
    X, y = _shifted()
    Z = TransferComponentAnalysis(random_state=0).fit_transform(X, y)
    offset = TransferComponentAnalysis(random_state=0).fit_transform(X + 1.7e9, y)
    units = TransferComponentAnalysis(random_state=0).fit_transform(X * 1e-6, y)
    np.testing.assert_allclose(offset, Z, atol=1e-5)
    np.testing.assert_allclose(units, Z, atol=1e-8)
    Z32 = TransferComponentAnalysis(random_state=0).fit_transform(
        X.astype(np.float32), y)
    assert Z32.dtype == np.float32
    np.testing.assert_allclose(Z32, Z, atol=1e-4)


def test_identical_rows_give_finite_features_without_warnings():
    X = np.ones((20, 2))
    y = np.r_[np.arange(10) % 2, -np.ones(10, dtype=int)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = TransferComponentAnalysis().fit_transform(X, y)
    assert np.isfinite(Z).all()


def test_names_and_no_target_rows():
    X, y = _shifted()
    tca = TransferComponentAnalysis(n_components=2).fit(X, y)
    assert list(tca.get_feature_names_out()) == [
        "transfercomponentanalysis0", "transfercomponentanalysis1"]
    source = y != -1
    with pytest.warns(NoTargetWarning):
        identity = TransferComponentAnalysis().fit(X[source], y[source])
    np.testing.assert_array_equal(identity.transform(X), X)
    assert list(identity.get_feature_names_out()) == ["x0", "x1", "x2"]


def test_several_sources_share_one_embedding_not_one_each():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)) + np.repeat([[0, 0], [1, 0], [0, 2]], 20, axis=0)
    sd = np.repeat([0, 1, -1], 20)
    y = np.where(sd < 0, -1, (X[:, 0] > 0.5).astype(int))
    clf = DomainAdaptationClassifier(
        LogisticRegression(), TransferComponentAnalysis(n_components=2)
    ).fit(X, y, sample_domain=sd)
    assert clf.predict(X[sd < 0]).shape == (20,)
    with pytest.raises(ValueError, match="DomainAdaptationClassifier directly"):
        MultiSourceAdapter(TransferComponentAnalysis()).fit(X, y, sample_domain=sd)
    # so do the kernel features of a reweighting, and the message names them
    with pytest.raises(ValueError, match=r"kernel_components=3\) embeds"):
        MultiSourceAdapter(ImportanceReweighter(kernel_components=3)).fit(
            X, y, sample_domain=sd)


def test_regression_through_the_embedding():
    from sklearn.linear_model import Ridge

    from sklot.adaptation import DomainAdaptationRegressor

    X, _ = _shifted(n=60)
    y = np.r_[X[:60, 0] - X[:60, 1], np.full(60, np.nan)]
    reg = DomainAdaptationRegressor(
        Ridge(), TransferComponentAnalysis(random_state=0)).fit(X, y)
    pred = reg.predict(X[60:])
    assert pred.shape == (60,) and np.isfinite(pred).all()
