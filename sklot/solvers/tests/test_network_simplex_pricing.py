"""Exact OT: candidate-list pricing, dual estimates from a subproblem and the
fallback to block search must all end at a certified optimum."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from sklearn.exceptions import ConvergenceWarning

from sklot._kernels._network_simplex import network_simplex
from sklot.solvers import emd
from sklot.solvers._exact import _emd as _exact
from sklot.utils._testing import linprog_ot_value


def _check_certificate(res, a, b, M):
    """Marginals, dual feasibility and complementary slackness: optimality."""
    scale = max(1.0, np.abs(M).max())
    assert res.converged
    assert res.plan.min() >= 0.0
    np.testing.assert_allclose(res.plan.sum(axis=1), a, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.plan.sum(axis=0), b, rtol=0, atol=1e-12)
    f, g = res.potentials
    slack = M - f[:, None] - g[None, :]
    assert slack.min() >= -1e-10 * scale
    assert np.all(np.abs(slack[res.plan > 0]) <= 1e-10 * scale)
    assert a @ f + b @ g == pytest.approx(res.value, rel=1e-9, abs=1e-10 * scale)
    assert np.count_nonzero(res.plan) <= M.shape[0] + M.shape[1] - 1


def _clouds(rng, n, m, d, shift=1.0):
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(m, d)) + shift
    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)


def _weights(rng, n, kind):
    if kind == "uniform":
        return np.full(n, 1.0 / n)
    w = rng.random(n) + 0.01
    return w / w.sum()


@pytest.fixture
def coarse_everywhere(monkeypatch):
    """Candidate pricing with a dual estimate whatever the size (the estimate
    needs a shorter side of at least 16)."""
    monkeypatch.setattr(_exact, "_CANDIDATE_SIZE", 0)


@pytest.mark.parametrize("weights", ["uniform", "random"])
@pytest.mark.parametrize("shape", [(48, 48), (64, 40), (30, 70)])
@pytest.mark.parametrize("d", [2, 10])
def test_coarse_dual_estimate_matches_linprog(
    rng, coarse_everywhere, weights, shape, d
):
    n, m = shape
    M = _clouds(rng, n, m, d)
    a = _weights(rng, n, weights)
    b = _weights(rng, m, weights)
    res = emd(a, b, M)
    _check_certificate(res, a, b, M)
    assert res.value == pytest.approx(linprog_ot_value(a, b, M), rel=1e-9)


def test_coarse_dual_estimate_with_ties(rng, coarse_everywhere):
    # points on a small grid: many equal costs, many optimal plans
    for _ in range(3):
        X = rng.integers(0, 3, (40, 2)).astype(float)
        Y = rng.integers(0, 3, (36, 2)).astype(float)
        M = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
        a = np.full(40, 1 / 40)
        b = np.full(36, 1 / 36)
        res = emd(a, b, M)
        _check_certificate(res, a, b, M)
        assert res.value == pytest.approx(linprog_ot_value(a, b, M), rel=1e-9)


def test_constant_cost_with_coarse_estimate(coarse_everywhere):
    M = np.full((32, 32), 3.0)
    res = emd(None, None, M)
    a = np.full(32, 1 / 32)
    _check_certificate(res, a, a, M)
    assert res.value == pytest.approx(3.0, rel=1e-12)


@pytest.mark.parametrize("n_cand", [0, 1, 3, 100])
def test_candidate_list_length_does_not_change_the_optimum(
    rng, coarse_everywhere, monkeypatch, n_cand
):
    monkeypatch.setattr(_exact, "_N_CAND", n_cand)
    M = _clouds(rng, 45, 38, 3)
    a = _weights(rng, 45, "random")
    b = _weights(rng, 38, "random")
    res = emd(a, b, M)
    _check_certificate(res, a, b, M)
    assert res.value == pytest.approx(linprog_ot_value(a, b, M), rel=1e-9)


@pytest.mark.parametrize("d", [1, 2, 20])
def test_uniform_square_matches_linear_sum_assignment(rng, coarse_everywhere, d):
    n = 150
    M = _clouds(rng, n, n, d, shift=1.5)
    rows, cols = linear_sum_assignment(M)
    res = emd(None, None, M)
    a = np.full(n, 1 / n)
    _check_certificate(res, a, a, M)
    assert res.value == pytest.approx(M[rows, cols].sum() / n, rel=1e-12)
    # the optimal vertex of the assignment polytope is a permutation
    assert np.count_nonzero(res.plan) == n


def test_real_thresholds_on_a_large_assignment(rng):
    # the default path with a dual estimate, two levels deep
    n = 1000
    assert n * n >= 16 * _exact._CANDIDATE_SIZE
    M = _clouds(rng, n, n, 5)
    rows, cols = linear_sum_assignment(M)
    res = emd(None, None, M)
    a = np.full(n, 1 / n)
    _check_certificate(res, a, a, M)
    assert res.value == pytest.approx(M[rows, cols].sum() / n, rel=1e-12)


def _kernel(M, a, b, n_cand, f0=None, g0=None, max_iter=0):
    n, m = M.shape
    plan = np.zeros((n, m))
    f = np.empty(n)
    g = np.empty(m)
    stats = np.zeros(4, dtype=np.int64)
    value = np.zeros(1)
    f0 = np.empty(0) if f0 is None else f0
    g0 = np.empty(0) if g0 is None else g0
    network_simplex(M, a, b, max_iter, 0, 1e-13, f0, g0, n_cand, plan, f, g,
                    stats, value)
    return plan, f, g, stats, value[0]


def test_kernel_falls_back_to_block_search(rng):
    # candidates chosen with meaningless dual estimates: the first full
    # scan finds violated arcs nearly everywhere
    n = 60
    M = _clouds(rng, n, n, 2, shift=2.0)
    a = np.full(n, 1 / n)
    g0 = rng.normal(size=n) * 10.0 * M.max()
    plan, f, g, stats, value = _kernel(M, a, a, 4, f0=np.zeros(n), g0=g0)
    assert stats[1] == 0 and stats[3] == 1
    assert value == pytest.approx(linprog_ot_value(a, a, M), rel=1e-9)
    assert (M - f[:, None] - g[None, :]).min() >= -1e-10 * np.abs(M).max()


def test_kernel_with_exact_duals_needs_one_scan(rng):
    n, m = 40, 30
    M = _clouds(rng, n, m, 3)
    a = _weights(rng, n, "random")
    b = _weights(rng, m, "random")
    _, f, g, _, value = _kernel(M, a, b, 0)
    plan2, f2, g2, stats, value2 = _kernel(M, a, b, 5, f0=f, g0=g)
    assert stats[1] == 0 and stats[3] == 1
    assert value2 == pytest.approx(value, rel=1e-12)
    assert (M - f2[:, None] - g2[None, :]).min() >= -1e-10 * np.abs(M).max()


def test_max_iter_stops_in_the_candidate_phase(rng, coarse_everywhere):
    n = 40
    M = _clouds(rng, n, n, 3)
    a = np.full(n, 1 / n)
    full = emd(a, a, M)
    assert full.n_iter > n + 10
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        res = emd(a, a, M, max_iter=n + 10)
    assert not res.converged
    assert res.n_iter == n + 10
    assert res.plan.min() >= 0.0
    assert res.marginal_error <= 1e-12
    assert res.value >= full.value - 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        again = emd(a, a, M)
    np.testing.assert_array_equal(again.plan, full.plan)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(16, 40),
    st.integers(16, 40),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["clouds", "integer", "uniform"]),
)
def test_property_candidate_path_is_optimal(n, m, seed, kind):
    rng = np.random.default_rng(seed)
    if kind == "clouds":
        M = _clouds(rng, n, m, int(rng.integers(1, 6)))
    elif kind == "integer":
        M = rng.integers(0, 4, (n, m)).astype(float)
    else:
        M = rng.random((n, m))
    a = rng.integers(0, 4, n).astype(float) + (kind != "integer")
    b = rng.integers(0, 4, m).astype(float) + 1.0
    a[0] += 1.0
    a /= a.sum()
    b /= b.sum()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_exact, "_CANDIDATE_SIZE", 0)
        res = emd(a, b, M)
    dense = emd(a, b, M)
    assert res.marginal_error <= 1e-12
    f, g = res.potentials
    assert (M - f[:, None] - g[None, :]).min() >= -1e-10 * max(1.0, M.max())
    assert a @ f + b @ g == pytest.approx(res.value, rel=1e-9, abs=1e-12)
    assert res.value == pytest.approx(dense.value, rel=1e-9, abs=1e-12)
