import numpy as np
import pytest
from scipy.spatial.distance import cdist

from sklot.solvers import cost_matrix


@pytest.mark.parametrize(
    "metric, kwargs",
    [
        ("sqeuclidean", {}),
        ("euclidean", {}),
        ("cityblock", {}),
        ("cosine", {}),
        ("minkowski", {"p": 3}),
    ],
)
def test_cost_matrix_matches_scipy(rng, metric, kwargs):
    X, Y = rng.normal(size=(7, 4)), rng.normal(size=(5, 4))
    expected = cdist(X, Y, metric=metric, **kwargs)
    M = cost_matrix(X, Y, metric=metric, **kwargs)
    np.testing.assert_allclose(M, expected, rtol=1e-10, atol=1e-12)


def test_cost_matrix_symmetric_default_and_nonnegative(rng):
    X = rng.normal(size=(6, 3)) * 1e3
    M = cost_matrix(X)
    assert M.shape == (6, 6) and np.all(M >= 0)
    np.testing.assert_allclose(M, M.T, rtol=1e-12)


def test_cost_matrix_float32_stays_float32(rng):
    X = rng.normal(size=(4, 2)).astype(np.float32)
    for metric in ("sqeuclidean", "euclidean", "cityblock", "cosine", "minkowski"):
        assert cost_matrix(X, X, metric=metric).dtype == np.float32
    assert cost_matrix(X, X.astype(np.float64)).dtype == np.float64


def test_cost_matrix_cosine_with_zero_row():
    M = cost_matrix([[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0]], metric="cosine")
    np.testing.assert_allclose(M, [[1.0], [0.0]])


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([[0.0, np.nan]], [[0.0, 0.0]]), {}, "X"),
        (([[0.0, 0.0]], [[0.0, np.inf]]), {}, "Y"),
        (([[0.0, 0.0]], [[0.0]]), {}, "same number of features"),
        (([[0.0]], [[0.0]]), {"metric": "hamming"}, "metric must be one of"),
        (([[0.0]], [[0.0]]), {"metric": "minkowski", "p": 0.5}, "p must be"),
    ],
)
def test_cost_matrix_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cost_matrix(*args, **kwargs)


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: rng.random((700, 800)) ** 3,
        lambda rng: rng.random((600, 601)).astype(np.float32),
        lambda rng: np.sort(rng.random(700 * 700)).reshape(700, 700),
        lambda rng: np.repeat([[0.0, 1.0]], 300 * 500, axis=0).reshape(600, 500),
        lambda rng: np.full((600, 600), 2.5),
        lambda rng: rng.integers(0, 3, size=(520, 530)).astype(float),
        lambda rng: rng.random((7, 9)),
        lambda rng: np.asfortranarray(rng.random((600, 700))),
    ],
)
def test_cost_median_equals_numpy_median(rng, make):
    from sklot.solvers._cost import cost_median

    M = make(rng)
    before = M.copy()
    assert cost_median(M) == np.median(M)
    np.testing.assert_array_equal(M, before)
