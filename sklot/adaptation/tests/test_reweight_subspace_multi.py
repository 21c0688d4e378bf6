import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from sklot.adaptation import (
    DomainAdaptationClassifier,
    ImportanceReweighter,
    MultiSourceAdapter,
    OTDomainAdapter,
    SubspaceAligner,
    _subspace,
)
from sklot.datasets import make_domain_shift
from sklot.utils import NoTargetWarning


class WeightRecorder(ClassifierMixin, BaseEstimator):
    """Logistic regression that keeps the sample_weight it was fitted with."""

    def fit(self, X, y, sample_weight=None):
        self.sample_weight_ = sample_weight
        self.model_ = LogisticRegression().fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        check_is_fitted(self)
        return self.model_.predict(X)


# -- ImportanceReweighter ---------------------------------------------------
@pytest.mark.parametrize("weighting", ["kernel_density_ratio", "density_ratio"])
def test_density_ratio_weights_favour_source_rows_near_the_target(weighting):
    rng = np.random.default_rng(0)
    Xs = rng.normal(0.0, 1.0, size=(400, 1))
    Xt = rng.normal(1.0, 0.5, size=(400, 1))
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(400, dtype=int)]
    rw = ImportanceReweighter(weighting, random_state=0).fit(X, y)
    w = rw.source_weight_
    assert w.shape == (400,) and w.mean() == pytest.approx(1.0)
    assert w.max() <= 10.0 + 1e-9
    # true ratio N(1, .25) / N(0, 1) peaks at x = 4/3; rows there weigh most
    near = np.abs(Xs[:, 0] - 1.2) < 0.3
    far = Xs[:, 0] < -1.0
    assert w[near].mean() > 5 * w[far].mean()
    np.testing.assert_array_equal(rw.transform(X), X)
    np.testing.assert_array_equal(rw.fit_transform(X, y), X)


def test_label_shift_weights_are_proportion_ratios():
    X, y, y_t = make_domain_shift("target", n_samples_source=300,
                                  n_samples_target=300, shift=1.5,
                                  return_target_labels=True, random_state=0)
    rw = ImportanceReweighter(weighting="label_shift").fit(X, y)
    ys = y[y != -1]
    prior_s = np.bincount(ys) / ys.size
    ratio = rw.target_proportions_ / prior_s
    np.testing.assert_allclose(
        rw.source_weight_, ratio[ys] / ratio[ys].mean(), rtol=1e-10
    )
    truth = np.bincount(y_t) / y_t.size
    assert np.abs(rw.target_proportions_ - truth).sum() < 0.1


def test_meta_estimator_passes_adapter_weights_as_sample_weight():
    X, y = make_domain_shift("target", n_samples_source=100,
                             n_samples_target=80, random_state=0)
    clf = DomainAdaptationClassifier(
        WeightRecorder(), ImportanceReweighter(weighting="label_shift")
    ).fit(X, y, sample_weight=np.full(180, 2.0))
    np.testing.assert_allclose(
        clf.estimator_.sample_weight_, 2.0 * clf.adapter_.source_weight_
    )
    plain = DomainAdaptationClassifier(WeightRecorder(), OTDomainAdapter())
    assert plain.fit(X, y).estimator_.sample_weight_ is None


def test_kernel_components_are_principal_components_of_the_kernel_map():
    # oracle: scikit-learn's PCA of each row's Gaussian-kernel values
    # against the source and target rows pooled
    from sklearn.decomposition import PCA
    from sklearn.metrics.pairwise import rbf_kernel

    X, y = make_domain_shift("covariate", n_samples_source=120,
                             n_samples_target=100, random_state=1)
    rw = ImportanceReweighter(kernel_components=3, random_state=0).fit(X, y)
    Z = rw.transform(X)
    expected = PCA(3).fit_transform(rbf_kernel(X, X, gamma=rw._features.gamma))
    for j in range(3):
        assert abs(np.corrcoef(Z[:, j], expected[:, j])[0, 1]) > 1 - 1e-8
    # one scale for all features, the widest of unit variance
    np.testing.assert_allclose(Z.std(axis=0) / Z.std(axis=0).max(),
                               expected.std(axis=0) / expected.std(axis=0).max(),
                               rtol=1e-6)


def test_kernel_components_keep_the_weights_and_bend_the_boundary():
    X, y, y_target = make_domain_shift(
        "covariate", n_samples_source=200, n_samples_target=200,
        return_target_labels=True, random_state=0)
    plain = ImportanceReweighter(random_state=0)
    kernel = ImportanceReweighter(kernel_components=5, random_state=0)
    kernel.fit(X, y)
    np.testing.assert_array_equal(kernel.source_weight_,
                                  plain.fit(X, y).source_weight_)
    assert kernel.transform(X).shape == (400, 5)
    assert list(kernel.get_feature_names_out())[:2] == [
        "importancereweighter0", "importancereweighter1"]
    target = X[y == -1]
    acc = [
        DomainAdaptationClassifier(LogisticRegression(), adapter)
        .fit(X, y).score(target, y_target)
        for adapter in (plain, kernel)
    ]
    # the labelling rule is curved: weights alone leave a linear model short
    assert acc[1] > acc[0] + 0.05
    with pytest.raises(NotImplementedError, match="inverse_transform"):
        kernel.inverse_transform(target)


def test_kernel_components_without_target_rows_are_the_identity():
    X, y = make_domain_shift("covariate", n_samples_source=50,
                             n_samples_target=40, random_state=0)
    source = y != -1
    with pytest.warns(NoTargetWarning):
        rw = ImportanceReweighter(kernel_components=4).fit(X[source], y[source])
    np.testing.assert_array_equal(rw.transform(X), X)
    assert list(rw.get_feature_names_out()) == ["x0", "x1"]


def test_label_shift_reweighting_regression_refused():
    X, y = make_domain_shift(task="regression", n_samples_source=30,
                             n_samples_target=30, random_state=0)
    with pytest.raises(ValueError, match="class labels"):
        ImportanceReweighter(weighting="label_shift").fit(X, y)
    assert ImportanceReweighter().fit(X, y).source_weight_.shape == (30,)


# -- SubspaceAligner --------------------------------------------------------
def _skewed(n, rng):
    return rng.exponential(size=(n, 3)) * [4.0, 2.0, 1.0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_subspace_aligner_recovers_an_orthogonal_map(seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    Xs = _skewed(2000, rng)
    Xt = _skewed(2000, rng) @ Q + 5.0
    X = np.vstack([Xs, Xt])
    y = np.r_[np.zeros(2000, dtype=int), -np.ones(2000, dtype=int)]
    aligner = SubspaceAligner(random_state=0).fit(X, y)
    # sampling error of the per-axis spreads and of the rotation, found on
    # 1,000 rows of each domain; a wrong turn or mirror is off by ~1
    np.testing.assert_allclose(aligner.A_, Q, atol=0.3)
    # the means match exactly, and the inverse undoes the map
    mapped = aligner.transform(Xs)
    np.testing.assert_allclose(mapped.mean(0), Xt.mean(0), atol=1e-8)
    np.testing.assert_allclose(aligner.inverse_transform(mapped), Xs, atol=1e-8)


def test_subspace_aligner_flips_a_mirrored_target():
    rng = np.random.default_rng(0)
    ys = rng.integers(0, 2, 300)
    Xs = np.where(ys[:, None] == 0, [-1.0, 1.0], [1.5, 0.5]) + 0.3 * (
        rng.standard_normal((300, 2))
    )
    keep = (ys == 0) | (rng.random(300) < 0.5)  # unequal classes: skewed
    Xs, ys = Xs[keep], ys[keep]
    Xt = -Xs + 0.05 * rng.standard_normal(Xs.shape)
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(len(ys), dtype=int)]
    source_only = LogisticRegression().fit(Xs, ys).score(Xt, ys)
    clf = DomainAdaptationClassifier(LogisticRegression(), SubspaceAligner())
    assert source_only < 0.2
    assert clf.fit(X, y).score(Xt, ys) > 0.95


def test_subspace_aligner_finds_the_rotation_on_a_subsample(monkeypatch):
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((2, 2)))
    Xs = rng.exponential(size=(900, 2)) * [3.0, 1.0]
    Xt = (rng.exponential(size=(900, 2)) * [3.0, 1.0]) @ Q + 5.0
    X = np.vstack([Xs, Xt])
    y = np.r_[np.zeros(900, dtype=int), -np.ones(900, dtype=int)]
    sizes = []
    match = _subspace._match_axes

    def spy(z_s, z_t):
        sizes.append((len(z_s), len(z_t)))
        return match(z_s, z_t)

    monkeypatch.setattr(_subspace, "_match_axes", spy)
    aligner = SubspaceAligner(max_samples=600, random_state=0).fit(X, y)
    again = SubspaceAligner(max_samples=600, random_state=0).fit(X, y)
    SubspaceAligner(max_samples=None).fit(X, y)
    assert sizes == [(600, 600), (600, 600), (900, 900)]
    np.testing.assert_array_equal(aligner.A_, again.A_)
    np.testing.assert_allclose(aligner.A_, Q, atol=0.3)
    # the axes and the offset still use every row: the means match exactly
    np.testing.assert_allclose(aligner.transform(Xs).mean(0), Xt.mean(0), atol=1e-8)


def test_subspace_aligner_averages_the_costs_over_subsamples():
    # On this draw one subsample of 1,000 rows per domain makes the mirror
    # image look cheaper (target accuracy 0.02); averaged over four
    # subsamples the costs keep the right orientation, as every row does.
    X, y, y_target = make_domain_shift(
        "conditional", n_samples_source=2000, n_samples_target=2000,
        return_target_labels=True, random_state=0)
    clf = DomainAdaptationClassifier(
        LogisticRegression(), SubspaceAligner(random_state=0)).fit(X, y)
    assert clf.score(X[y == -1], y_target) > 0.95


def test_subspace_aligner_n_components_projects():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    y = np.r_[np.zeros(50, dtype=int), -np.ones(50, dtype=int)]
    aligner = SubspaceAligner(n_components=2).fit(X, y)
    assert aligner.n_components_ == 2
    assert np.linalg.matrix_rank(aligner.A_) == 2


# -- MultiSourceAdapter -----------------------------------------------------
def _two_sources(seed=0):
    rng = np.random.default_rng(seed)
    y0 = rng.integers(0, 2, 80)
    base = rng.normal(size=(80, 2)) * 0.6 + 2.5 * y0[:, None]
    X0 = base + [-8.0, 0.0]
    X1 = base[::-1] @ np.array([[0.0, 1.0], [1.0, 0.0]]) + [8.0, 0.0]
    y1 = y0[::-1]
    yt = rng.integers(0, 2, 80)
    Xt = rng.normal(size=(80, 2)) * 0.6 + 2.5 * yt[:, None] + [0.0, 8.0]
    X = np.vstack([X0, X1, Xt])
    y = np.r_[y0, y1, -np.ones(80, dtype=int)]
    sd = np.repeat([0, 1, -1], 80)
    return X, y, sd, Xt, yt


def test_multi_source_adapts_each_source_separately():
    X, y, sd, Xt, yt = _two_sources()
    multi = MultiSourceAdapter(OTDomainAdapter()).fit(X, y, sample_domain=sd)
    assert len(multi.adapters_) == 2
    np.testing.assert_array_equal(multi.domains_, [0, 1])
    mapped = multi.fit_transform(X, y, sample_domain=sd)
    # each source's rows are mapped by its own plan onto the target
    np.testing.assert_allclose(mapped[:80].mean(0), Xt.mean(0), atol=1e-8)
    np.testing.assert_allclose(mapped[80:160].mean(0), Xt.mean(0), atol=1e-8)
    np.testing.assert_array_equal(mapped[160:], Xt)
    # equal total weight per source domain
    w = multi.source_weight_
    assert w[:80].sum() == pytest.approx(w[80:].sum())
    # a new row near source 1 moves like source 1's rows
    new = X[80:81] + 1e-3
    np.testing.assert_allclose(
        multi.transform(new), multi.adapters_[1].transform(new)
    )


def test_multi_source_classifier_trains_on_all_sources():
    accs = []
    for seed in range(3):
        X, y, sd, Xt, yt = _two_sources(seed)
        clf = DomainAdaptationClassifier(
            LogisticRegression(), MultiSourceAdapter()
        ).fit(X, y, sample_domain=sd)
        assert clf.estimator_.n_features_in_ == 2
        accs.append(clf.score(Xt, yt))
    assert np.mean(accs) > 0.9


def test_multi_source_with_one_source_is_the_adapter():
    X, y = make_domain_shift(n_samples_source=60, n_samples_target=60,
                             random_state=0)
    multi = MultiSourceAdapter(OTDomainAdapter(reg=0.1)).fit_transform(X, y)
    single = OTDomainAdapter(reg=0.1).fit_transform(X, y)
    np.testing.assert_allclose(multi, single)
