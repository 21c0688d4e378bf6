"""Scaling out: sklot's ``n_jobs`` work runs on a Dask cluster unchanged.

Every ``n_jobs`` in sklot goes through joblib, so under
``joblib.parallel_backend("dask")`` the pieces (pairs of distributions,
restarts, cross-validation fits) are shipped to Dask workers. These tests
start a two-worker ``LocalCluster`` in separate processes and check that the
results equal the single-process ones, and that work did reach the workers.
"""

import logging
import warnings

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _on_dask(client, fn):
    """Run ``fn()`` under the dask joblib backend; return (result, n_tasks)."""
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_backend("dask"):
            result = fn()
    return result, len(stream.data)


def _clouds(rng, n=10, d=2):
    return [
        rng.normal(size=(int(rng.integers(5, 15)), d)) + (i % 2) * 3.0
        for i in range(n)
    ]


def test_sliced_wasserstein_gram_matrix_on_dask(client, rng):
    from sklot.kernels import SlicedWassersteinKernel

    clouds = _clouds(rng)
    kernel = SlicedWassersteinKernel(n_projections=20, random_state=0, n_jobs=2)
    expected = kernel.fit(clouds).transform(clouds)

    gram, n_tasks = _on_dask(client, lambda: kernel.fit(clouds).transform(clouds))

    np.testing.assert_allclose(gram, expected, rtol=1e-12, atol=0)
    assert n_tasks > 0, (
        "SlicedWassersteinKernel(n_jobs=2) sent no work to the Dask workers: "
        "its n_jobs must go through joblib"
    )


def test_wasserstein_kmeans_on_dask(client, rng):
    from sklot.cluster import WassersteinKMeans

    clouds = _clouds(rng, n=12)
    km = WassersteinKMeans(n_clusters=2, n_init=2, random_state=0, n_jobs=2)
    expected = km.fit(clouds)
    labels, inertia = expected.labels_.copy(), expected.inertia_

    fitted, n_tasks = _on_dask(
        client,
        lambda: WassersteinKMeans(
            n_clusters=2, n_init=2, random_state=0, n_jobs=2
        ).fit(clouds),
    )

    np.testing.assert_array_equal(fitted.labels_, labels)
    np.testing.assert_allclose(fitted.inertia_, inertia, rtol=1e-12)
    assert n_tasks > 0, (
        "WassersteinKMeans(n_jobs=2) sent no work to the Dask workers: its "
        "n_jobs must go through joblib"
    )


def _shifted_problem(rng, n=40):
    X_source = rng.normal(size=(n, 2))
    y_source = (X_source[:, 0] + X_source[:, 1] > 0).astype(int)
    X_target = X_source @ np.array([[0.8, 0.3], [-0.3, 0.8]]) + 1.5
    X = np.vstack([X_source, X_target])
    y = np.concatenate([y_source, np.full(n, -1)])
    return X, y


def test_grid_search_over_domain_adapter_on_dask(client, rng):
    from sklot.adaptation import DomainAdaptationClassifier, OTDomainAdapter

    X, y = _shifted_problem(rng)
    model = DomainAdaptationClassifier(
        KNeighborsClassifier(n_neighbors=3), OTDomainAdapter()
    )
    grid = {"adapter__reg": [None, 0.5], "estimator__n_neighbors": [1, 3]}

    def search():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return GridSearchCV(
                model, grid, cv=StratifiedKFold(3), n_jobs=2, error_score="raise"
            ).fit(X, y)

    expected = search()
    found, n_tasks = _on_dask(client, search)

    assert found.best_params_ == expected.best_params_
    for key in ("mean_test_score", "std_test_score"):
        np.testing.assert_allclose(
            found.cv_results_[key], expected.cv_results_[key], rtol=1e-12
        )
    np.testing.assert_array_equal(found.predict(X), expected.predict(X))
    assert n_tasks > 0


def test_adapter_out_of_sample_mapping_on_dask(client, rng):
    from sklot.adaptation import OTDomainAdapter

    X, y = _shifted_problem(rng)
    X_new = rng.normal(size=(6000, X.shape[1]))
    adapter = OTDomainAdapter(
        reg=0.5, max_samples=0.8, random_state=0, n_jobs=2
    ).fit(X, y)
    expected = adapter.transform(X_new)

    mapped, n_tasks = _on_dask(client, lambda: adapter.transform(X_new))

    np.testing.assert_allclose(mapped, expected, rtol=1e-12, atol=1e-12)
    assert n_tasks > 0, (
        "OTDomainAdapter(n_jobs=2).transform sent no work to the Dask "
        "workers: its chunks must go through joblib"
    )
