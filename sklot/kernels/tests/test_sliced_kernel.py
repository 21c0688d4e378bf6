import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics.pairwise import manhattan_distances, rbf_kernel
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from sklot.kernels import SlicedWassersteinEmbedding, SlicedWassersteinKernel
from sklot.kernels import _sliced as kernels_module
from sklot.metrics import pairwise_sliced_wasserstein, sliced_wasserstein_kernel
from sklot.solvers import sliced_wasserstein, wasserstein_1d


def mixed_clouds(rng, count=12, dim=2):
    """Clouds of different sizes, some given as (points, weights) pairs."""
    clouds = []
    for i in range(count):
        n = int(rng.integers(1, 15))
        points = rng.normal(size=(n, dim)) * (1 + i % 3) + i % 2
        clouds.append((points, rng.random(n)) if i % 3 == 0 else points)
    return clouds


def as_pair(cloud):
    return cloud if isinstance(cloud, tuple) else (cloud, None)


def min_eigenvalue_ratio(K):
    return np.linalg.eigvalsh(K).min() / np.trace(K)


@pytest.mark.parametrize("p", [1, 1.5, 2])
def test_gram_is_symmetric_psd_with_unit_diagonal(rng, p):
    clouds = mixed_clouds(rng, count=25)
    for gamma in (0.05, 1.0, 20.0):
        K = SlicedWassersteinKernel(
            n_projections=7, gamma=gamma, p=p, random_state=0
        ).fit_transform(clouds)
        np.testing.assert_array_equal(K, K.T)
        np.testing.assert_array_equal(np.diag(K), 1.0)
        assert min_eigenvalue_ratio(K) >= -1e-10
        assert np.all((K >= 0) & (K <= 1))


def test_gram_psd_for_histograms_and_rows(rng):
    support = rng.normal(size=(16, 2))
    H = rng.random((30, 16))
    H[H < 0.5] = 0.0
    H[:, 3] += 0.01
    K = SlicedWassersteinKernel(
        n_projections=5, gamma=2.0, support=support, random_state=0
    ).fit_transform(H)
    assert min_eigenvalue_ratio(K) >= -1e-10
    R = rng.normal(size=(30, 6))
    K = SlicedWassersteinKernel(gamma=0.5, random_state=0).fit_transform(R)
    assert min_eigenvalue_ratio(K) >= -1e-10


def test_kernel_values_match_sliced_solver(rng):
    clouds = mixed_clouds(rng)
    new = mixed_clouds(rng, count=5)
    est = SlicedWassersteinKernel(n_projections=9, gamma=0.7, random_state=3)
    est.fit(clouds)
    K = est.transform(new)
    assert K.shape == (5, 12)
    for i, ci in enumerate(new):
        for j, cj in enumerate(clouds):
            (xi, ai), (xj, aj) = as_pair(ci), as_pair(cj)
            sw = sliced_wasserstein(xi, xj, ai, aj, projections=est.projections_)
            assert K[i, j] == pytest.approx(np.exp(-0.7 * sw**2), rel=1e-12)
    # fit_transform computes each pair once; it agrees with fit + transform.
    np.testing.assert_array_equal(
        clone(est).fit_transform(clouds), est.transform(clouds)
    )


def test_rows_are_exact_1d_distances(rng):
    X = rng.normal(size=(5, 7))
    K = SlicedWassersteinKernel(gamma=1.3, random_state=0).fit_transform(X)
    for i in range(5):
        for j in range(5):
            w = wasserstein_1d(X[i], X[j], p=2)
            assert K[i, j] == pytest.approx(np.exp(-1.3 * w**2), rel=1e-12)


def test_permuting_points_changes_nothing(rng):
    clouds = mixed_clouds(rng)
    est = SlicedWassersteinKernel(n_projections=6, gamma=1.0, random_state=0)
    K = est.fit_transform(clouds)
    shuffled = []
    for cloud in clouds:
        points, weights = as_pair(cloud)
        perm = rng.permutation(len(points))
        shuffled.append(
            points[perm] if weights is None else (points[perm], weights[perm])
        )
    # Weighted clouds renormalise their weights in another order: equal up
    # to the last bits.
    np.testing.assert_allclose(est.transform(shuffled), K, rtol=1e-13, atol=0)
    uniform = [i for i, c in enumerate(clouds) if not isinstance(c, tuple)]
    np.testing.assert_array_equal(
        est.transform([shuffled[i] for i in uniform]), K[uniform]
    )
    emb = SlicedWassersteinEmbedding(n_projections=6, random_state=0).fit(clouds)
    np.testing.assert_allclose(
        emb.transform(shuffled), emb.transform(clouds), rtol=1e-13, atol=1e-15
    )


def test_kernel_converges_with_more_projections():
    # Y = X + v: SW_2^2 over the whole sphere is |v|^2 / d exactly.
    rng = np.random.default_rng(0)
    v = np.array([1.0, -1.0, 0.5])
    X = rng.normal(size=(10, 3))
    exact = np.exp(-0.5 * (v @ v) / 3)
    errors = {}
    for L in (4, 400):
        values = [
            SlicedWassersteinKernel(n_projections=L, gamma=0.5, random_state=s)
            .fit([X])
            .transform([X + v])[0, 0]
            for s in range(10)
        ]
        errors[L] = np.sqrt(np.mean((np.array(values) - exact) ** 2))
    assert errors[400] < errors[4] / 4


def test_median_gamma(rng, monkeypatch):
    clouds = mixed_clouds(rng, count=9)
    est = SlicedWassersteinKernel(n_projections=5, random_state=0)
    K = est.fit_transform(clouds)
    D = pairwise_sliced_wasserstein(clouds, projections=est.projections_) ** 2
    off = D[~np.eye(9, dtype=bool)]
    assert est.gamma_ == pytest.approx(1.0 / np.median(off), rel=1e-12)
    np.testing.assert_allclose(K, np.exp(-est.gamma_ * D), rtol=1e-12)
    # Above the subset size, fit and fit_transform pick the same subset.
    monkeypatch.setattr(kernels_module, "_MEDIAN_SUBSET", 4)
    a = clone(est).fit(clouds).gamma_
    b = clone(est)
    b.fit_transform(clouds)
    assert a == b.gamma_
    # One distribution, or identical ones: no scale to learn, K = 1.
    single = SlicedWassersteinKernel().fit([np.zeros((3, 2))])
    assert single.gamma_ == 1.0
    assert single.transform([np.zeros((3, 2))])[0, 0] == 1.0


def test_pipeline_and_grid_search(rng):
    # Two classes of clouds that differ in spread only: their means are
    # equal, so features like the mean cannot separate them.
    clouds, y = [], []
    for i in range(40):
        scale = 1.0 if i % 2 else 2.0
        clouds.append(rng.normal(size=(int(rng.integers(10, 30)), 2)) * scale)
        y.append(i % 2)
    y = np.array(y)
    pipe = make_pipeline(
        SlicedWassersteinKernel(n_projections=10, random_state=0),
        SVC(kernel="precomputed"),
    )
    search = GridSearchCV(
        pipe,
        {"slicedwassersteinkernel__gamma": [0.1, 1.0], "svc__C": [0.1, 10.0]},
        cv=StratifiedKFold(3),
    )
    search.fit(clouds, y)
    assert search.best_score_ > 0.9
    test = [rng.normal(size=(15, 2)) * s for s in (1.0, 2.0, 1.0, 2.0)]
    np.testing.assert_array_equal(search.predict(test), [1, 0, 1, 0])


def test_transform_checks_dimension_and_fit(rng):
    est = SlicedWassersteinKernel(random_state=0).fit(mixed_clouds(rng))
    with pytest.raises(ValueError, match="dimension 3"):
        est.transform([rng.normal(size=(4, 3))])
    emb = SlicedWassersteinEmbedding(random_state=0).fit(mixed_clouds(rng))
    with pytest.raises(ValueError, match="fitted on dimension 2"):
        emb.transform([rng.normal(size=(4, 3))])
    with pytest.raises(ValueError, match="p"):
        SlicedWassersteinKernel(p=3).fit(mixed_clouds(rng))


def test_n_jobs_gives_the_same_result(rng):
    clouds = mixed_clouds(rng, count=8)
    a = SlicedWassersteinKernel(n_projections=4, gamma=1.0, random_state=0)
    b = clone(a).set_params(n_jobs=2)
    np.testing.assert_array_equal(a.fit_transform(clouds), b.fit_transform(clouds))
    e = SlicedWassersteinEmbedding(n_projections=4, random_state=0)
    f = clone(e).set_params(n_jobs=2)
    np.testing.assert_array_equal(e.fit_transform(clouds), f.fit_transform(clouds))


def test_pandas_output_and_feature_names(rng):
    X = pd.DataFrame(rng.normal(size=(6, 4)), columns=list("abcd"))
    est = SlicedWassersteinKernel(gamma=1.0).set_output(transform="pandas")
    K = est.fit_transform(X)
    assert isinstance(K, pd.DataFrame)
    assert list(K.columns)[:2] == [
        "slicedwassersteinkernel0",
        "slicedwassersteinkernel1",
    ]
    emb = SlicedWassersteinEmbedding(n_projections=3, n_quantiles=2).fit(X)
    assert emb.get_feature_names_out().shape == (6,)


# --- embedding ----------------------------------------------------------------


def test_embedding_is_exact_for_equal_size_uniform_clouds(rng):
    clouds = [rng.normal(size=(8, 3)) + i for i in range(6)]
    emb = SlicedWassersteinEmbedding(n_projections=11, n_quantiles=8,
                                     random_state=0)
    E = emb.fit_transform(clouds)
    assert E.shape == (6, 88)
    D = pairwise_sliced_wasserstein(clouds, projections=emb.projections_)
    sq = ((E[:, None] - E[None]) ** 2).sum(axis=2)
    np.testing.assert_allclose(sq, D**2, rtol=1e-12, atol=1e-14)
    # An RBF kernel on the embedding is then the sliced kernel.
    K = SlicedWassersteinKernel(n_projections=11, gamma=0.3, random_state=0)
    np.testing.assert_allclose(
        rbf_kernel(E, gamma=0.3), K.fit_transform(clouds), rtol=1e-12
    )
    # p = 1: Manhattan distance between embeddings is SW_1.
    E1 = SlicedWassersteinEmbedding(
        n_projections=11, n_quantiles=8, p=1, random_state=0
    ).fit_transform(clouds)
    D1 = pairwise_sliced_wasserstein(clouds, projections=emb.projections_, p=1)
    np.testing.assert_allclose(manhattan_distances(E1), D1, rtol=1e-12, atol=1e-14)


def test_embedding_converges_with_more_quantiles(rng):
    clouds = mixed_clouds(rng, count=6)
    errors = []
    for n_quantiles in (2, 16, 512):
        emb = SlicedWassersteinEmbedding(
            n_projections=6, n_quantiles=n_quantiles, random_state=0
        )
        E = emb.fit_transform(clouds)
        D = pairwise_sliced_wasserstein(clouds, projections=emb.projections_)
        sq = ((E[:, None] - E[None]) ** 2).sum(axis=2)
        errors.append(np.abs(sq - D**2).max() / (D**2).max())
    assert errors[2] < errors[1] < errors[0]
    assert errors[2] < 0.01


def test_embedding_preserves_float32(rng):
    X = rng.normal(size=(5, 6))
    emb = SlicedWassersteinEmbedding(n_projections=3, n_quantiles=4, random_state=0)
    assert emb.fit_transform(X.astype(np.float32)).dtype == np.float32
    assert emb.fit_transform(X).dtype == np.float64
    clouds = [rng.normal(size=(4, 2)).astype(np.float32) for _ in range(3)]
    assert emb.fit_transform(clouds).dtype == np.float32


# --- metrics ------------------------------------------------------------------


def test_metric_functions(rng):
    clouds = mixed_clouds(rng, count=6)
    D = pairwise_sliced_wasserstein(clouds, n_projections=5, random_state=1)
    assert D.shape == (6, 6)
    np.testing.assert_array_equal(D, D.T)
    K = sliced_wasserstein_kernel(clouds, gamma=0.2, n_projections=5,
                                  random_state=1)
    np.testing.assert_allclose(K, np.exp(-0.2 * D**2), rtol=1e-12)
    est = SlicedWassersteinKernel(n_projections=5, gamma=0.2, random_state=1)
    np.testing.assert_allclose(est.fit_transform(clouds), K, rtol=1e-12)
    with pytest.raises(ValueError, match="gamma"):
        sliced_wasserstein_kernel(clouds, gamma=0.0)
    with pytest.raises(ValueError, match="between 1 and 2"):
        sliced_wasserstein_kernel(clouds, p=3)


def test_persistence_diagram_kernel(rng):
    diagrams = []
    for i in range(15):
        n = int(rng.integers(0, 10))
        birth = rng.random(n)
        diagrams.append(np.column_stack([birth, birth + rng.exponential(0.3, n)]))
    est = SlicedWassersteinKernel(n_projections=6, p=1, diagrams=True, gamma=2.0,
                                  random_state=0)
    K = est.fit_transform(diagrams)
    np.testing.assert_array_equal(np.diag(K), 1.0)
    assert min_eigenvalue_ratio(K) >= -1e-10
    # the same kernel values, up to the order of floating-point sums
    np.testing.assert_allclose(est.transform(diagrams[:4]), K[:4], rtol=1e-13)
    D = pairwise_sliced_wasserstein(diagrams, projections=est.projections_, p=1,
                                    diagrams=True)
    np.testing.assert_allclose(K, np.exp(-2.0 * D), rtol=1e-12)
    median = SlicedWassersteinKernel(p=1, diagrams=True, random_state=0)
    median.fit(diagrams)
    assert median.gamma_ > 0
    with pytest.raises(ValueError, match="p=1"):
        SlicedWassersteinKernel(diagrams=True).fit(diagrams)
