"""Regression tests for bad and extreme solver input (issue 16).

Each test carries the defect id of the issue and its minimal reproducer.
"""

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.exceptions import ConvergenceWarning

from sklot.solvers import (
    barycenter_1d,
    barycenter_fixed_support,
    barycenter_free_support,
    barycentric_map,
    class_regularized_ot,
    cost_matrix,
    emd,
    emd2,
    entropic_c_transform,
    gaussian_barycenter,
    sinkhorn,
    sinkhorn_divergence,
    sinkhorn_unbalanced,
    sliced_wasserstein_pairwise,
)
from sklot.utils import check_equal_mass, check_marginal


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 2)), rng.normal(size=(15, 2)) + 1.0
    return X, Y, cost_matrix(X, Y)


def _finite(res):
    values = [res.value, res.marginal_error, res.extra.get("violation", 0.0)]
    arrays = [p for p in (res.potentials or ()) if p is not None]
    if res.plan is not None:
        arrays.append(res.plan)
    finite = all(np.all(np.isfinite(x)) for x in arrays)
    return finite and all(np.isfinite(values))


def _plan_violation(res, a, b):
    rows = np.abs(res.plan.sum(1) - a).sum()
    return (rows + np.abs(res.plan.sum(0) - b).sum()) / a.sum()


# D01: a cost spread that overflows used to loop on eps = inf forever.
SPREAD_OVERFLOW = np.array([[-1e308, 1e308], [1e308, -1e308]])


@pytest.mark.parametrize(
    "call",
    [
        lambda: sinkhorn(None, None, SPREAD_OVERFLOW, 1.0),
        lambda: sinkhorn_unbalanced(None, None, SPREAD_OVERFLOW, 1.0, 1.0),
        lambda: class_regularized_ot(None, None, SPREAD_OVERFLOW, 1.0, 1.0, [0, 1]),
        lambda: barycenter_fixed_support(np.eye(2), SPREAD_OVERFLOW, 1.0),
    ],
)
def test_d01_overflowing_cost_spread_is_refused(call):
    with pytest.raises(ValueError, match="M overflow"):
        call()


def test_d01_matrix_free_points_of_size_1e154_are_refused():
    X = np.random.default_rng(0).normal(size=(5, 2)) * 1e160
    with pytest.raises(ValueError, match="X and Y overflow"):
        sinkhorn(reg=1.0, X=X, Y=-X)


def test_d01_schedule_is_bounded_at_any_ratio(problem):
    # reg at the smallest accepted ratio, and the finest factor: the
    # number of stages stays bounded
    _, _, M = problem
    spread = M.max() - M.min()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = sinkhorn(
            None, None, M, 2e-12 * spread, max_iter=200, epsilon_scaling=0.999
        )
    assert len(res.extra["eps_schedule"]) <= 65
    assert _finite(res)


# D02: reg below ~1e-19 x the costs raised ZeroDivisionError/SystemError.
@pytest.mark.parametrize("reg", [1e-300, 1e-310, 1e-19])
@pytest.mark.parametrize(
    "solver",
    [
        lambda M, reg: sinkhorn(None, None, M, reg),
        lambda M, reg: sinkhorn_unbalanced(None, None, M, reg, 1.0),
        lambda M, reg: class_regularized_ot(None, None, M, reg, 1.0, [0, 1] * 10),
        lambda M, reg: barycenter_fixed_support(
            np.ones((2, 20)),
            M[:, :20] if M.shape[1] >= 20 else np.hstack([M, M])[:, :20],
            reg,
        ),
    ],
)
def test_d02_tiny_reg_is_refused_naming_reg(problem, reg, solver):
    _, _, M = problem
    with pytest.raises(ValueError, match="reg"):
        solver(M, reg * np.median(M))


@pytest.mark.parametrize("reg", [1e-300, 1e-310])
def test_d02_tiny_reg_matrix_free_and_maps(problem, reg):
    X, Y, _ = problem
    for call in (
        lambda: sinkhorn(reg=reg, X=X, Y=Y),
        lambda: sinkhorn_divergence(X, Y, reg=reg),
        lambda: entropic_c_transform(X, Y, np.zeros(len(Y)), reg),
        lambda: barycentric_map(X, Y, np.zeros(len(Y)), reg),
        lambda: barycenter_free_support([X, Y], n_support=4, reg=reg, random_state=0),
    ):
        with pytest.raises(ValueError, match="reg"):
            call()


# D03: converged=True with marginal error 0.033 at tol 1e-9.
def test_d03_reg_1e18_times_median_is_refused(problem):
    _, _, M = problem
    with pytest.raises(ValueError, match="reg"):
        sinkhorn(None, None, M, 1e-18 * np.median(M))


@pytest.mark.parametrize("rel", [1e-2, 1e-4, 1e-7, 1e-10])
def test_d03_converged_only_when_the_returned_plan_passes(problem, rel):
    _, _, M = problem
    a, b = np.full(20, 1 / 20), np.full(15, 1 / 15)
    tol = 1e-9
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sinkhorn(a, b, M, rel * np.median(M), tol=tol, max_iter=300)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert _finite(res)
    if res.converged:
        assert _plan_violation(res, a, b) <= tol + 1e-14
        assert not warned
    else:
        assert warned


# D04: tiny reg / cost ratios gave NaN; refused or finite now.
def test_d04_unbalanced_on_large_costs_is_finite_or_refused(problem):
    _, _, M = problem
    for reg in (1.0, 1e-310):
        try:
            res = sinkhorn_unbalanced(None, None, M * 1e12, reg, 1.0)
        except ValueError as exc:
            assert "reg" in str(exc)
        else:
            assert _finite(res)


def test_d04_matrix_free_subnormal_reg_is_refused(problem):
    X, Y, _ = problem
    with pytest.raises(ValueError, match="reg"):
        sinkhorn(reg=1e-310, X=X, Y=Y)


# D05: weights whose sum overflows, and NaN masses, were accepted.
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: emd([1e308, 1e308], [1e308, 1e308], np.eye(2)), "a"),
        (lambda: sinkhorn([1e308, 1e308], [1e308, 1e308], np.eye(2), 1.0), "a"),
        (lambda: sinkhorn_unbalanced([1, 1], [1e308, 1e308], np.eye(2), 1.0, 1.0), "b"),
        (lambda: barycenter_1d([[0.0, 1.0], [2.0]], weights=[1e308, 1e308]), "weights"),
        (lambda: check_marginal([1e308, 1e308], 2, "a"), "a"),
        (lambda: check_equal_mass(np.array([np.nan]), np.array([1.0])), "a"),
        (lambda: check_equal_mass(np.array([1.0]), np.array([np.inf])), "b"),
    ],
)
@pytest.mark.filterwarnings("error::RuntimeWarning")  # the error, not numpy's warning
def test_d05_overflowing_or_nan_masses_are_refused(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()


# D06: the Gram form cancelled for points far from the origin.
@pytest.mark.parametrize(
    "make",
    [
        lambda rng: (
            rng.normal(size=(40, 3)) * 1e-3 + 1e6,
            rng.normal(size=(30, 3)) * 1e-3 + 1e6,
        ),
        lambda rng: (
            1.7e9 + rng.uniform(-1, 1, size=(40, 1)),
            1.7e9 + rng.uniform(-1, 1, size=(30, 1)),
        ),
    ],
)
@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
def test_d06_cost_matrix_far_from_origin_matches_cdist(make, metric):
    X, Y = make(np.random.default_rng(0))
    ref = cdist(X, Y, metric=metric)
    D = cost_matrix(X, Y, metric=metric)
    assert np.max(np.abs(D - ref) / ref) <= 1e-12
    assert np.all(cost_matrix(X, X, metric=metric).diagonal() == 0.0)


def test_d06_emd2_of_offset_points_is_not_zero():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 2)) * 1e-3 + 1e6
    Y = rng.normal(size=(10, 2)) * 1e-3 + 1e6
    ref = emd2(None, None, cdist(X, Y, "sqeuclidean"))
    assert ref > 0
    assert emd2(None, None, cost_matrix(X, Y)) == pytest.approx(ref, rel=1e-12)


def test_d06_matrix_free_sinkhorn_is_translation_invariant():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(12, 2)), rng.normal(size=(9, 2))
    ref = sinkhorn(reg=0.5, X=X, Y=Y, tol=1e-12)
    far = sinkhorn(reg=0.5, X=X + 1.7e9, Y=Y + 1.7e9, tol=1e-12)
    # the offset itself rounds the points at ~2e-7
    assert far.value == pytest.approx(ref.value, rel=1e-5)


# D07: an init shifted by the dual translation +-1e18.
def test_d07_init_shifted_by_1e18_gives_the_same_optimum(problem):
    _, _, M = problem
    ref = sinkhorn(None, None, M, 1.0)
    f, g = ref.potentials
    res = sinkhorn(None, None, M, 1.0, init=(f + 1e18, g - 1e18))
    assert res.converged
    assert res.value == pytest.approx(ref.value, rel=1e-9)


# D08: barycenter_free_support reported marginal_error = NaN.
def test_d08_free_support_marginal_error_is_finite(problem):
    X, Y, _ = problem
    res = barycenter_free_support([X, Y], n_support=5, reg=0.5, random_state=0)
    assert np.isfinite(res.marginal_error)
    assert 0.0 <= res.marginal_error < 1e-6


# D09: covariances scaled 1e-200 or 1e200 never converged.
@pytest.mark.parametrize("scale", [1e-200, 1.0, 1e200])
def test_d09_gaussian_barycenter_stopping_is_scale_invariant(scale):
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    B = np.array([[1.0, -0.3], [-0.3, 3.0]])
    ref = gaussian_barycenter(np.zeros((2, 2)), np.stack([A, B]))
    res = gaussian_barycenter(np.zeros((2, 2)), np.stack([A, B]) * scale)
    assert res.converged and res.n_iter == ref.n_iter
    np.testing.assert_allclose(
        res.extra["covariance"] / scale, ref.extra["covariance"], rtol=1e-12
    )
    assert res.value / scale == pytest.approx(ref.value, rel=1e-12)


# D13: entropic maps and pairwise sliced on size >= 1e154 or p = 1e6.
def test_d13_entropic_map_of_huge_points_is_refused():
    X = np.random.default_rng(0).normal(size=(5, 2)) * 1e155
    with pytest.raises(ValueError, match="overflow"):
        barycentric_map(X, -X, np.zeros(5), 1.0)


def test_d13_pairwise_sliced_huge_or_large_p_is_finite_or_refused():
    rng = np.random.default_rng(0)
    clouds = [rng.normal(size=(4, 2)), rng.normal(size=(3, 2))]
    for X, p in (([c * 1e160 for c in clouds], 2), (clouds, 1e6)):
        try:
            D = sliced_wasserstein_pairwise(X, n_projections=5, p=p, random_state=0)
        except ValueError as exc:
            assert "overflow" in str(exc)
        else:
            assert np.all(np.isfinite(D))


# D16: max_iter=1 and weights of 1e-300 gave infinite diagnostics.
def test_d16_max_iter_1_gives_finite_diagnostics(problem):
    _, _, M = problem
    for solve in (
        lambda: sinkhorn(None, None, M, 1.0, max_iter=1),
        lambda: sinkhorn_unbalanced(None, None, M, 1.0, 1.0, max_iter=1),
    ):
        with pytest.warns(ConvergenceWarning):
            res = solve()
        assert _finite(res) and not res.converged


def test_d16_tiny_weights_give_finite_diagnostics(problem):
    _, _, M = problem
    a, b = np.full(20, 1e-300), np.full(15, 20e-300 / 15)
    for solve in (
        lambda: sinkhorn(a, b, M, 1.0),
        lambda: sinkhorn_unbalanced(a, b, M, 1.0, 1.0),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = solve()
        assert _finite(res)


# D17: overflowing costs came back as +-inf silently.
@pytest.mark.parametrize("metric", ["sqeuclidean", "cityblock", "minkowski"])
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_d17_overflowing_costs_raise(metric):
    X = np.array([[1e308, -1e308], [-1e308, 1e308]])
    with pytest.raises(ValueError, match="overflow"):
        cost_matrix(X, -X, metric=metric)


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
def test_d17_overflowing_float32_costs_raise(metric):
    X = np.array([[1e20, 0.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="from X and Y overflow float32"):
            cost_matrix(X, -X, metric=metric)
    assert cost_matrix(X * 1e-10, -X * 1e-10, metric=metric).dtype == np.float32


def test_d17_large_finite_distances_are_computed():
    X = np.random.default_rng(0).normal(size=(4, 2)) * 1e154
    np.testing.assert_allclose(
        cost_matrix(X, metric="euclidean"),
        cdist(X / 1e154, X / 1e154) * 1e154,
        rtol=1e-12,
    )
    D = cost_matrix(X, metric="minkowski", p=1e6)
    np.testing.assert_allclose(D, cdist(X, X, "chebyshev"), rtol=1e-5)
    tiny = X / 1e154 * 1e-300
    np.testing.assert_allclose(
        cost_matrix(tiny, metric="euclidean") / 1e-300,
        cdist(X / 1e154, X / 1e154),
        rtol=1e-12,
    )


# D18: every message names its argument.
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: cost_matrix(np.zeros((3, 2)), np.zeros(3)), "Y"),
        (lambda: cost_matrix(np.zeros(3), np.zeros((3, 2))), "X"),
        (lambda: cost_matrix(np.zeros((0, 2))), "X"),
        (lambda: cost_matrix(np.array([["x", "y"]])), "X"),
        (lambda: cost_matrix(np.ones((2, 2)) + 1j), "X"),
        (lambda: emd(np.ones((2, 1)), None, np.eye(2)), "a"),
        (lambda: emd(None, [0.5, "x"], np.eye(2)), "b"),
        (lambda: emd(None, None, np.ones(2)), "M"),
        (lambda: sinkhorn(None, None, np.eye(2), "x"), "reg"),
    ],
)
def test_d18_messages_name_the_argument(call, name):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert name in str(info.value)
