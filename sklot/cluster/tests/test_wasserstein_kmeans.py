import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score

from sklot.cluster import WassersteinKMeans
from sklot.solvers import emd2, wasserstein_1d
from sklot.utils import distributions_from_frame

# ---------------------------------------------------------------------------
# Data: three well separated groups in each input form


def _truth(n_per, k=3):
    return np.repeat(np.arange(k), n_per)


def rows_data(rng, n_per=6, n_features=20):
    locs = [0.0, 5.0, 10.0]
    X = np.vstack([rng.normal(loc, 0.5, (n_per, n_features)) for loc in locs])
    return X, _truth(n_per)


def histogram_data(rng, n_per=5, n_bins=12):
    grid = np.arange(float(n_bins))
    centers = [2.0, 6.0, 10.0]
    X = []
    for c in centers:
        for _ in range(n_per):
            bump = np.exp(-0.5 * (grid - c - rng.uniform(-0.5, 0.5)) ** 2)
            bump[bump < 1e-3] = 0  # blank bins, as on images
            X.append(bump * rng.uniform(1, 3))
    return np.array(X), grid, _truth(n_per)


def cloud_data(rng, n_per=4, dim=2):
    shifts = [np.zeros(dim), np.full(dim, 6.0), np.r_[6.0, -6.0, [0.0] * (dim - 2)]]
    clouds = [
        rng.normal(size=(int(rng.integers(4, 9)), dim)) * 0.5 + s
        for s in shifts
        for _ in range(n_per)
    ]
    return clouds, _truth(n_per)


def same_partition(a, b):
    return adjusted_rand_score(a, b) == 1.0


# ---------------------------------------------------------------------------
# Every input form is clustered exactly


def test_rows_are_clustered_exactly(rng):
    X, y = rows_data(rng)
    km = WassersteinKMeans(n_clusters=3, random_state=0).fit(X)
    assert same_partition(km.labels_, y)
    assert km.cluster_centers_.shape == (3, X.shape[1])
    # centroids are sorted rows (quantile vectors)
    assert np.all(np.diff(km.cluster_centers_, axis=1) >= 0)


@pytest.mark.parametrize("reg", [None, 0.03, 0.0125])
def test_histograms_are_clustered_exactly(rng, reg):
    X, grid, y = histogram_data(rng, n_per=3 if reg is None else 5)
    km = WassersteinKMeans(n_clusters=3, support=grid, reg=reg, random_state=0)
    labels = km.fit_predict(X)
    assert same_partition(labels, y)
    C = km.cluster_centers_
    assert C.shape == (3, X.shape[1])
    assert np.all(np.isfinite(C)) and np.all(C >= 0)
    np.testing.assert_allclose(C.sum(axis=1), 1.0)
    # each barycenter sits where its cluster's bumps are
    means = C @ grid
    truth = [X[labels == j] @ grid / X[labels == j].sum(axis=1) for j in range(3)]
    np.testing.assert_allclose(means, [t.mean() for t in truth], atol=0.3)


@pytest.mark.parametrize("reg", [None, 0.01])
def test_clouds_are_clustered_exactly(rng, reg):
    clouds, y = cloud_data(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        km = WassersteinKMeans(n_clusters=3, reg=reg, random_state=0).fit(clouds)
    assert same_partition(km.labels_, y)
    assert isinstance(km.cluster_centers_, list) and len(km.cluster_centers_) == 3
    for center, j in zip(km.cluster_centers_, range(3)):
        members = [c for c, lab in zip(clouds, km.labels_) if lab == j]
        assert center.shape[1] == 2
        np.testing.assert_allclose(center.mean(axis=0),
                                   np.mean([m.mean(axis=0) for m in members], 0),
                                   atol=0.5)


def test_weighted_clouds_and_1d_clouds(rng):
    clouds, y = cloud_data(rng)
    pairs = [(c, rng.random(len(c)) + 0.1) for c in clouds]
    km = WassersteinKMeans(n_clusters=3, random_state=0).fit(pairs)
    assert same_partition(km.labels_, y)
    # centroids started from weighted samples keep their masses
    assert all(isinstance(c, tuple) for c in km.cluster_centers_)
    line = [c[:, 0] for c in clouds]  # 1D clouds of different sizes
    km1 = WassersteinKMeans(n_clusters=2, random_state=0).fit(line)
    assert same_partition(km1.labels_, (y == 0).astype(int))
    values, masses = km1.cluster_centers_[0]
    assert values.shape[1] == 1 and masses.sum() == pytest.approx(1.0)


def test_1d_clouds_with_too_many_levels_use_an_even_grid(rng, monkeypatch):
    from sklot.cluster import _spaces

    monkeypatch.setattr(_spaces, "_QUANTILE_GRID_MAX", 200)
    monkeypatch.setattr(_spaces, "_QUANTILE_MIN_LEVELS", 16)
    clouds = [rng.normal(loc, 1.0, int(n))
              for loc in (0.0, 8.0) for n in rng.integers(20, 60, 6)]
    km = WassersteinKMeans(n_clusters=2, random_state=0).fit(clouds)
    assert same_partition(km.labels_, np.repeat([0, 1], 6))
    values, masses = km.cluster_centers_[0]
    assert values.shape[0] == 16
    np.testing.assert_allclose(masses, 1 / 16)


def test_dataframe_groups(rng):
    frame = pd.DataFrame({
        "customer": np.repeat(np.arange(9), 15),
        "amount": np.concatenate([
            rng.gamma(2.0, scale, 15) for scale in [1, 1, 1, 20, 20, 20, 80, 80, 80]
        ]),
    })
    clouds, groups = distributions_from_frame(frame, "customer")
    km = WassersteinKMeans(n_clusters=3, random_state=0).fit(clouds)
    assert same_partition(km.labels_, np.repeat(np.arange(3), 3))


# ---------------------------------------------------------------------------
# Exactness and monotonicity


def test_rows_reduce_to_kmeans_on_sorted_rows(rng):
    X = rng.normal(size=(40, 7)) * rng.uniform(0.5, 3, (40, 1)) + rng.normal(
        0, 2, (40, 1))
    init = X[[0, 5, 11, 30]]
    ours = WassersteinKMeans(n_clusters=4, init=init, max_iter=300, tol=0).fit(X)
    S = np.sort(X, axis=1)
    ref = KMeans(n_clusters=4, init=np.sort(init, axis=1), n_init=1,
                 max_iter=300, tol=0, algorithm="lloyd").fit(S)
    assert same_partition(ours.labels_, ref.labels_)
    # match the clusters, then the centers and the inertia agree
    order = [ref.labels_[np.flatnonzero(ours.labels_ == j)[0]] for j in range(4)]
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_[order],
                               atol=1e-12)
    assert ours.inertia_ == pytest.approx(ref.inertia_ / X.shape[1], rel=1e-12)
    # transform is W2 between the rows and the centroid rows
    D = ours.transform(X[:3])
    for i in range(3):
        for j in range(4):
            assert D[i, j] == pytest.approx(
                wasserstein_1d(X[i], ours.cluster_centers_[j], p=2), rel=1e-9)


def test_w1_rows_use_quantile_medians(rng):
    X, y = rows_data(rng, n_per=5, n_features=9)
    km = WassersteinKMeans(n_clusters=3, metric="euclidean", random_state=0).fit(X)
    assert same_partition(km.labels_, y)
    S = np.sort(X, axis=1)
    for j in range(3):
        np.testing.assert_allclose(km.cluster_centers_[j],
                                   np.median(S[km.labels_ == j], axis=0))
    D = km.transform(X[:2])
    assert D[0, km.labels_[0]] == pytest.approx(
        wasserstein_1d(X[0], km.cluster_centers_[km.labels_[0]], p=1))


def _inertias(make, X, n_steps):
    out = []
    for t in range(1, n_steps + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out.append(make(t).fit(X).inertia_)
    return np.array(out)


def test_inertia_never_increases_rows(rng):
    X = rng.normal(size=(60, 5)) * rng.uniform(0.2, 3, (60, 1))
    inertia = _inertias(
        lambda t: WassersteinKMeans(n_clusters=5, init="random", n_init=1,
                                    max_iter=t, tol=0, random_state=3), X, 6)
    assert np.all(np.diff(inertia) <= 1e-12 * inertia[0])


def test_inertia_never_increases_clouds(rng):
    clouds = [rng.normal(size=(6, 2)) * rng.uniform(0.3, 2) + rng.normal(0, 2, 2)
              for _ in range(14)]
    inertia = _inertias(
        lambda t: WassersteinKMeans(n_clusters=3, init="random", n_init=1,
                                    max_iter=t, tol=0, random_state=1), clouds, 4)
    assert np.all(np.diff(inertia) <= 1e-10 * inertia[0])
    # inertia is the exact W2^2 to the centroids
    km = WassersteinKMeans(n_clusters=3, random_state=1).fit(clouds)
    total = sum(
        emd2(None, None, ((c[:, None] - km.cluster_centers_[j][None]) ** 2).sum(-1))
        for c, j in zip(clouds, km.labels_)
    )
    assert km.inertia_ == pytest.approx(total, rel=1e-10)
    assert km.score(clouds) == pytest.approx(-total, rel=1e-10)


def test_inertia_never_increases_exact_histograms(rng):
    X = rng.random((10, 6))
    grid = np.arange(6.0)
    inertia = _inertias(
        lambda t: WassersteinKMeans(n_clusters=3, support=grid, init="random",
                                    n_init=1, max_iter=t, tol=0, random_state=0),
        X, 3)
    assert np.all(np.diff(inertia) <= 1e-10 * inertia[0])


# ---------------------------------------------------------------------------
# Initialisation, empty clusters, determinism


def test_given_init_and_reseeding_of_empty_clusters(rng):
    X, y = rows_data(rng)
    far = np.full((1, X.shape[1]), 1e3)
    init = np.vstack([X[[0, 6]], far])  # the far centroid gets no sample
    km = WassersteinKMeans(n_clusters=3, init=init).fit(X)
    assert same_partition(km.labels_, y)
    assert np.bincount(km.labels_).min() > 0
    with pytest.raises(ValueError, match="one initial centroid per cluster"):
        WassersteinKMeans(n_clusters=2, init=init).fit(X)
    with pytest.raises(ValueError, match="columns"):
        WassersteinKMeans(n_clusters=3, init=init[:, :4]).fit(X)


def test_too_many_clusters_and_duplicates(rng):
    X = rng.normal(size=(3, 4))
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=4"):
        WassersteinKMeans(n_clusters=4).fit(X)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        km = WassersteinKMeans(n_clusters=3, random_state=0).fit(np.ones((5, 4)))
    assert km.inertia_ == 0.0


def test_labels_follow_first_appearance_and_seed_determinism(rng):
    X, _ = rows_data(rng)
    X = X[rng.permutation(len(X))]
    a = WassersteinKMeans(n_clusters=3, init="random", random_state=5).fit(X)
    b = WassersteinKMeans(n_clusters=3, init="random", random_state=5,
                          n_jobs=2).fit(X)
    assert a.labels_[0] == 0
    _, first = np.unique(a.labels_, return_index=True)
    assert np.all(np.diff(first) > 0)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.n_iter_ >= 1


def test_n_jobs_gives_the_same_histogram_fit(rng):
    X, grid, y = histogram_data(rng)
    kw = dict(n_clusters=3, support=grid, reg=0.03, random_state=0)
    a = WassersteinKMeans(**kw).fit(X)
    b = WassersteinKMeans(**kw, n_jobs=2).fit(X)
    c = WassersteinKMeans(**kw, n_init=3, n_jobs=2).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-12)
    np.testing.assert_allclose(a.transform(X), b.transform(X), rtol=1e-12)
    assert same_partition(c.labels_, y)


# ---------------------------------------------------------------------------
# Estimator surface


def test_transform_predict_score_and_feature_names(rng):
    X, grid, y = histogram_data(rng)
    km = WassersteinKMeans(n_clusters=3, support=grid, reg=0.03, random_state=0)
    D = km.fit_transform(X)
    assert D.shape == (len(X), 3) and np.all(D >= 0)
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    np.testing.assert_array_equal(D.argmin(axis=1), km.labels_)
    # fit_transform reuses the last assignment; a fresh solve agrees to the
    # accuracy of the inner solves (L1 marginal error 1e-4)
    np.testing.assert_allclose(D, km.transform(X), rtol=1e-3, atol=1e-6)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-3)
    assert list(km.get_feature_names_out()) == [
        "wassersteinkmeans0", "wassersteinkmeans1", "wassersteinkmeans2"]
    frame = km.set_output(transform="pandas").transform(X)
    assert list(frame.columns) == list(km.get_feature_names_out())
    km.set_output(transform="default")
    # the fitted estimator keeps no training data and pickles
    restored = pickle.loads(pickle.dumps(km))
    np.testing.assert_array_equal(restored.predict(X), km.labels_)
    assert len(pickle.dumps(km)) < 20 * X.nbytes + 20_000


@pytest.mark.parametrize("reg", [1e-4, 0.0085])
def test_small_reg_histograms_stay_finite(rng, reg):
    # 0.0085: the smallest reg with warm-started potentials on this grid
    X, grid, y = histogram_data(rng)
    km = WassersteinKMeans(n_clusters=3, support=grid, reg=reg, random_state=0,
                           max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        km.fit(X)
    assert np.all(np.isfinite(km.cluster_centers_))
    assert np.all(np.isfinite(km.transform(X)))
    assert same_partition(km.labels_, y)


def test_input_form_errors(rng):
    X, grid, _ = histogram_data(rng)
    clouds, _ = cloud_data(rng)
    km = WassersteinKMeans(n_clusters=2, support=grid, reg=0.03, random_state=0)
    km.fit(X)
    with pytest.raises(ValueError, match="features"):
        km.predict(X[:, :5])
    rows = WassersteinKMeans(n_clusters=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="form used in fit"):
        rows.predict(clouds)
    with pytest.raises(ValueError, match="metric='sqeuclidean'"):
        WassersteinKMeans(n_clusters=2, metric="euclidean").fit(clouds)
    with pytest.raises(ValueError, match="not a distance on the line"):
        WassersteinKMeans(n_clusters=2, metric="cosine").fit(X)
    fitted = WassersteinKMeans(n_clusters=2, random_state=0).fit(clouds)
    with pytest.raises(ValueError, match="dimension"):
        fitted.predict([c[:, :1] for c in clouds])


def test_verbose_prints_progress(rng, capsys):
    X, _ = rows_data(rng)
    WassersteinKMeans(n_clusters=3, random_state=0, verbose=1).fit(X)
    out = capsys.readouterr().out
    assert "start, inertia" in out and "Iteration 1, inertia" in out
    # elapsed seconds on every line
    assert all(line.endswith(" s") for line in out.splitlines()
               if line.startswith("Iteration"))


# ---------------------------------------------------------------------------
# reg is relative to the median ground cost (one convention, see the guide)


@pytest.mark.parametrize("reg", [0.01, 0.05, 0.3])
def test_reg_is_relative_to_the_histogram_cost_scale(rng, reg):
    X, grid, _ = histogram_data(rng)
    kw = dict(n_clusters=3, reg=reg, random_state=0, max_iter=5)
    a = WassersteinKMeans(support=grid, **kw).fit(X)
    b = WassersteinKMeans(support=1000 * grid, **kw).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_,
                               rtol=1e-6, atol=1e-9)
    assert b.cost_scale_ == pytest.approx(1e6 * a.cost_scale_)
    assert b.inertia_ == pytest.approx(1e6 * a.inertia_, rel=1e-4)


@pytest.mark.parametrize("reg", [0.005, 0.05])
def test_reg_is_relative_to_the_cloud_cost_scale(rng, reg):
    clouds, _ = cloud_data(rng)
    kw = dict(n_clusters=3, reg=reg, random_state=0, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = WassersteinKMeans(**kw).fit(clouds)
        b = WassersteinKMeans(**kw).fit([1000 * c for c in clouds])
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert b.cost_scale_ == pytest.approx(1e6 * a.cost_scale_)
    for ca, cb in zip(a.cluster_centers_, b.cluster_centers_):
        np.testing.assert_allclose(1000 * ca, cb, rtol=1e-5, atol=1e-6)


def test_auto_reg_is_entropic_for_histograms_and_exact_for_clouds(rng):
    X, grid, y = histogram_data(rng)
    hist = WassersteinKMeans(n_clusters=3, support=grid, random_state=0).fit(X)
    same = WassersteinKMeans(n_clusters=3, support=grid, reg=0.0125,
                             init="euclidean", random_state=0).fit(X)
    np.testing.assert_allclose(hist.cluster_centers_, same.cluster_centers_)
    assert hist.cost_scale_ == np.median((grid[:, None] - grid[None]) ** 2)
    assert same_partition(hist.labels_, y)
    clouds, yc = cloud_data(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        auto = WassersteinKMeans(n_clusters=3, random_state=0).fit(clouds)
    exact = WassersteinKMeans(n_clusters=3, reg=None, random_state=0).fit(clouds)
    np.testing.assert_array_equal(auto.labels_, exact.labels_)
    assert auto.cost_scale_ == 1.0
    assert same_partition(auto.labels_, yc)


def test_default_on_digits_converges_without_warnings():
    # The gallery data (a slice, to keep the test short): the default
    # finishes without an unconverged inner solve.
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:150], y[:150]
    rows, cols = np.meshgrid(np.arange(8.0), np.arange(8.0), indexing="ij")
    grid = np.column_stack([rows.ravel(), cols.ravel()])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        km = WassersteinKMeans(n_clusters=10, support=grid, random_state=0,
                               max_iter=10).fit(X)
    assert adjusted_rand_score(y, km.labels_) > 0.3


# ---------------------------------------------------------------------------
# The default start on histograms (init="euclidean") and restarts


def _euclidean_inertia(H, centers):
    return float(((H[:, None, :] - centers[None]) ** 2).sum(axis=2).min(axis=1).sum())


def test_euclidean_start_keeps_its_lowest_inertia_restart():
    from sklearn.datasets import load_digits

    from sklot.cluster._euclidean_init import euclidean_kmeans

    X, _ = load_digits(return_X_y=True)
    H = X[:300] / X[:300].sum(axis=1, keepdims=True)
    best = euclidean_kmeans(H, 8, np.random.RandomState(3), 6)
    # the restarts draw from the generator in turn: replay them one by one
    replay = np.random.RandomState(3)
    singles = [euclidean_kmeans(H, 8, replay, 1) for _ in range(6)]
    inertias = [_euclidean_inertia(H, c) for c in singles]
    assert len(set(np.round(inertias, 9))) > 1  # the restarts differ
    np.testing.assert_array_equal(best, singles[int(np.argmin(inertias))])
    # a Lloyd fixed point: scikit-learn's Lloyd started there does not move
    ref = KMeans(n_clusters=8, init=best, n_init=1, algorithm="lloyd").fit(H)
    np.testing.assert_allclose(ref.cluster_centers_, best, rtol=1e-12, atol=1e-15)
    assert ref.inertia_ == pytest.approx(_euclidean_inertia(H, best), rel=1e-9)
    # the centroids are means of histograms, hence histograms
    assert np.all(best >= 0)
    np.testing.assert_allclose(best.sum(axis=1), 1.0)


def test_auto_init_is_euclidean_on_histograms_only(rng):
    X, grid, y = histogram_data(rng)
    auto = WassersteinKMeans(n_clusters=3, support=grid, random_state=1).fit(X)
    eucl = WassersteinKMeans(n_clusters=3, support=grid, init="euclidean",
                             random_state=1).fit(X)
    np.testing.assert_array_equal(auto.cluster_centers_, eucl.cluster_centers_)
    assert same_partition(auto.labels_, y)
    R, _ = rows_data(rng)
    auto = WassersteinKMeans(n_clusters=3, random_state=1).fit(R)
    pp = WassersteinKMeans(n_clusters=3, init="k-means++", random_state=1).fit(R)
    np.testing.assert_array_equal(auto.cluster_centers_, pp.cluster_centers_)
    clouds, _ = cloud_data(rng)
    for data in (R, clouds):
        with pytest.raises(ValueError, match="init='euclidean' needs histograms"):
            WassersteinKMeans(n_clusters=3, init="euclidean").fit(data)


@pytest.mark.parametrize("init", ["euclidean", "k-means++"])
def test_n_init_keeps_the_run_of_lowest_inertia(rng, monkeypatch, init):
    from sklot.cluster import _wasserstein_kmeans as module

    X, grid, _ = histogram_data(rng, n_per=8)
    X += rng.uniform(0, 0.3, X.shape)  # overlapping groups: runs differ
    runs = []
    single_run = module._single_run

    def recording(*args, **kwargs):
        out = single_run(*args, **kwargs)
        runs.append(out)
        return out

    monkeypatch.setattr(module, "_single_run", recording)
    km = WassersteinKMeans(n_clusters=5, support=grid, init=init, n_init=4,
                           reg=0.05, random_state=0).fit(X)
    inertias = [r[2] for r in runs]
    assert len(runs) == 4 and len(set(inertias)) > 1
    assert km.inertia_ == min(inertias)
    best = runs[int(np.argmin(inertias))]
    assert same_partition(km.labels_, best[1])


def test_default_histogram_fit_is_the_same_on_one_thread(rng):
    import numba

    X, grid, _ = histogram_data(rng, n_per=8)
    X += rng.uniform(0, 0.3, X.shape)
    kw = dict(n_clusters=4, support=grid, random_state=0)
    a = WassersteinKMeans(**kw).fit(X)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        b = WassersteinKMeans(**kw).fit(X)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.inertia_ == b.inertia_


def test_verbose_reports_the_euclidean_start(rng, capsys):
    X, grid, _ = histogram_data(rng)
    WassersteinKMeans(n_clusters=3, support=grid, random_state=0,
                      verbose=1).fit(X)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Euclidean k-means start (10 restarts)")
    assert out[1].startswith("Lloyd at reg ")
