"""WassersteinKMeans: overflowing points and invalid hyperparameters."""

import numpy as np
import pytest

from sklot.cluster import WassersteinKMeans


@pytest.fixture(scope="module")
def rows():
    return np.random.default_rng(0).normal(size=(12, 6))


@pytest.mark.parametrize("scale", [1e154, 1e200])
def test_d14_rows_whose_costs_overflow_name_X(rows, scale):
    with pytest.raises(ValueError, match="values of X are too large") as info:
        WassersteinKMeans(n_clusters=2, random_state=0).fit(rows * scale)
    assert "Input M" not in str(info.value)


def test_d14_clouds_whose_costs_overflow_name_X(rows):
    clouds = [rows[:4].reshape(-1, 2), rows[4:8].reshape(-1, 2) * 1e160]
    with pytest.raises(ValueError, match="values of X are too large"):
        WassersteinKMeans(n_clusters=2, reg=1.0, random_state=0).fit(clouds)


def test_d14_predict_on_overflowing_rows_names_X(rows):
    km = WassersteinKMeans(n_clusters=2, random_state=0).fit(rows)
    with pytest.raises(ValueError, match="values of X are too large"):
        km.predict(rows[:2] * 1e200)
    assert km.predict(rows[:2] * 1e3).shape == (2,)


@pytest.mark.parametrize("param", ["n_clusters", "n_init", "max_iter"])
def test_d19_bool_counts_are_refused(rows, param):
    with pytest.raises(ValueError, match=f"{param} must be a positive int"):
        WassersteinKMeans(**{param: True}).fit(rows)


@pytest.mark.parametrize(
    "init, match",
    [
        (np.array([[np.nan] * 6, [0.0] * 6]), "init contains NaN"),
        (np.zeros((2, 6, 2)), "init must be a 2D array"),
        (np.zeros((0, 6)), "init is empty"),
        (np.zeros((2, 5)), "init has 5 columns"),
        (np.zeros((3, 6)), "init has 3 distributions"),
    ],
)
def test_d19_init_errors_name_init(rows, init, match):
    with pytest.raises(ValueError, match=match):
        WassersteinKMeans(n_clusters=2, init=init).fit(rows)
