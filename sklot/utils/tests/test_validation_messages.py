"""Errors of the shared validators name the argument (issue 16, D18-D21)."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from sklot.utils import (
    check_distributions,
    check_finite_array,
    distributions_from_frame,
)
from sklot.utils._validation import _check_spread


@pytest.mark.parametrize(
    "x, ensure_2d, match, error",
    [
        (np.zeros((0, 2)), True, "Z is empty", ValueError),
        (np.zeros((2, 0)), True, "Z is empty", ValueError),
        (np.zeros(0), False, "Z is empty", ValueError),
        (np.zeros((2, 2, 2)), True, "Z must be a 2D array", ValueError),
        (np.zeros((2, 2, 2)), False, "Z must be a 1D array", ValueError),
        (np.zeros(3), True, "Z must be a 2D array", ValueError),
        (3.0, True, "Z must be a 2D array.*got the scalar", ValueError),
        (3.0, False, "Z must be a 1D array.*got the scalar", ValueError),
        ([["a", "b"]], True, "Z holds values that are not numbers", ValueError),
        ("abc", False, "Z holds values that are not numbers", ValueError),
        (np.ones((2, 2)) * 1j, True, "Z is complex", ValueError),
        ([[1.0, 2.0], [1.0]], True, "Z is a ragged sequence", ValueError),
        (sp.csr_matrix(np.eye(2)), True, "Z is a sparse matrix", TypeError),
        ([[np.nan, 1.0]], True, "Z contains NaN", ValueError),
        ([np.inf], False, "Z contains infinity", ValueError),
    ],
)
def test_d18_check_finite_array_names_the_argument(x, ensure_2d, match, error):
    with pytest.raises(error, match=match):
        check_finite_array(x, "Z", ensure_2d=ensure_2d)


def test_check_finite_array_accepts_good_input_unchanged():
    x = np.arange(6.0).reshape(3, 2)
    assert check_finite_array(x, "Z") is x
    assert check_finite_array([1, 2], "w", ensure_2d=False).dtype == np.float64


def test_d18_check_distributions_names_the_argument():
    with pytest.raises(ValueError, match="init contains NaN"):
        check_distributions(np.array([[np.nan, 1.0]]), name="init")
    with pytest.raises(ValueError, match=r"init\[1\]"):
        check_distributions([np.zeros((2, 1)), np.full((2, 1), np.inf)], name="init")


@pytest.mark.parametrize("scale", [1e154, 1e200, 1e300])
def test_d14_spread_check_refuses_overflowing_costs(scale):
    X = np.random.default_rng(0).normal(size=(5, 3)) * scale
    with pytest.raises(ValueError, match="values of X are too large"):
        _check_spread(X, "X")


def test_spread_check_passes_large_but_safe_values():
    X = np.random.default_rng(0).normal(size=(5, 3))
    _check_spread(X * 1e100, "X")
    _check_spread(X + 1e200, "X")  # far from the origin, small spread
    _check_spread(np.zeros((3, 2)), "X")
    with pytest.raises(ValueError, match="X"):
        _check_spread(X * 1e50, "X", power=8)


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "id": ["b", "a", "b", "c", "a"],
            "amount": [1.0, 5.0, 3.0, 2.0, 4.0],
            "w": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )


def test_distributions_from_frame_groups_in_order_of_appearance(frame):
    clouds, groups = distributions_from_frame(frame, "id", weight="w")
    assert groups.tolist() == ["b", "a", "c"]
    assert [p.ravel().tolist() for p, _ in clouds] == [[1.0, 3.0], [5.0, 4.0], [2.0]]
    assert [w.tolist() for _, w in clouds] == [[1.0, 3.0], [2.0, 5.0], [4.0]]
    clouds, _ = distributions_from_frame(frame, "id", columns="amount")
    assert clouds[0].shape == (2, 1)


def test_d20_distributions_from_frame_refuses_missing_group_labels(frame):
    frame.loc[3, "id"] = None
    with pytest.raises(ValueError, match="group column 'id' has 1 missing"):
        distributions_from_frame(frame, "id")
    frame.loc[3, "id"] = np.nan
    with pytest.raises(ValueError, match="missing labels"):
        distributions_from_frame(frame, "id")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_d21_distributions_from_frame_refuses_non_finite_values(frame, bad):
    values = frame.copy()
    values.loc[2, "amount"] = bad
    with pytest.raises(ValueError, match=r"\['amount'\] of frame contain NaN"):
        distributions_from_frame(values, "id")
    weights = frame.copy()
    weights.loc[2, "w"] = bad
    with pytest.raises(ValueError, match="weight"):
        distributions_from_frame(weights, "id", weight="w")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"group": "nope"}, "group='nope' is not a column"),
        ({"group": "id", "columns": ["zz"]}, r"columns names \['zz'\]"),
        ({"group": "id", "weight": "zz"}, "weight='zz' is not a column"),
        ({"group": ["id"]}, "'group' parameter"),
        ({"group": "id", "columns": ["id"]}, "not numeric"),
    ],
)
def test_d19_distributions_from_frame_names_bad_arguments(frame, kwargs, match):
    with pytest.raises(ValueError, match=match):
        distributions_from_frame(frame, **kwargs)


def test_d19_distributions_from_frame_refuses_other_input(frame):
    with pytest.raises(TypeError, match="'frame' parameter"):
        distributions_from_frame(frame.to_numpy(), "id")
    with pytest.raises(ValueError, match="frame has no rows"):
        distributions_from_frame(frame.iloc[:0], "id")
    frame["w"] = -frame["w"]
    with pytest.raises(ValueError, match="negative"):
        distributions_from_frame(frame, "id", weight="w")


def test_d18_check_marginal_names_sparse_weights_and_bad_sizes():
    from sklot.utils import check_marginal

    with pytest.raises(TypeError, match="b is a sparse matrix"):
        check_marginal(sp.csr_matrix([1.0, 1.0]), 2, "b")
    for n in (0, True, 2.5):
        with pytest.raises(ValueError, match="^n, the number of points for b,"):
            check_marginal(None, n, "b")


def test_points_spread_bounds_every_cost():
    from sklot.utils._validation import points_spread

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(4, 3)) + 2.0
    sq = ((X[:, None] - Y[None]) ** 2).sum(-1)
    for power in (1, 2, 4):
        spread = points_spread([X, Y], power)
        assert np.max(sq ** (power / 2)) <= spread
    assert points_spread([X * 1e160, Y], 2) == np.inf
    assert points_spread([], 2) == 0.0


def test_one_overflow_check_for_points_costs_and_distances():
    from sklot.solvers import cost_matrix, sinkhorn

    X = np.array([[1e200, 0.0], [-1e200, 0.0]])
    M = np.array([[-1e308, 1e308], [1e308, -1e308]])
    calls = {
        "X": lambda: _check_spread(X, "X"),
        "X and Y": lambda: cost_matrix(X, X),
        "M": lambda: sinkhorn(None, None, M, 1.0),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError) as info:
            call()
        message = str(info.value)
        assert message.startswith(f"The values of {name} are too large"), message
        assert f"from {name} overflow float64" in message
