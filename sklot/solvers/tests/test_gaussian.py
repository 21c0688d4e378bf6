import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from scipy.linalg import sqrtm
from scipy.optimize import linear_sum_assignment
from sklearn.exceptions import ConvergenceWarning

from sklot.metrics import bures_wasserstein_distance as metrics_bw
from sklot.solvers import (
    OTResult,
    bures_distance,
    bures_wasserstein_distance,
    cost_matrix,
    empirical_bures_wasserstein_distance,
    empirical_gaussian_barycenter,
    empirical_gaussian_monge_map,
    gaussian_barycenter,
    gaussian_monge_map,
)


def random_spd(rng, d, scale=1.0):
    B = rng.normal(size=(d, d))
    return scale * (B @ B.T / d + 0.1 * np.eye(d))


def sample_cov(X):
    return np.cov(X.T, bias=True).reshape(X.shape[1], X.shape[1])


def exact_ot_cost(Xs, Xt):
    """Exact squared-Euclidean OT cost between uniform equal-size samples."""
    M = cost_matrix(Xs, Xt)
    try:
        from sklot.solvers import emd
    except ImportError:  # uniform equal sizes: an assignment is exact OT
        rows, cols = linear_sum_assignment(M)
        return float(M[rows, cols].mean())
    return float(emd(None, None, M).value)


# --------------------------------------------------------------------------
# the map


@pytest.mark.parametrize("d", [1, 2, 5, 20])
def test_monge_map_pushes_covariance_exactly(rng, d):
    m_s, m_t = rng.normal(size=d), rng.normal(size=d)
    S_s, S_t = random_spd(rng, d), random_spd(rng, d, scale=3.0)
    A, b = gaussian_monge_map(m_s, S_s, m_t, S_t)
    assert_allclose(A @ S_s @ A, S_t, rtol=1e-9, atol=1e-10)
    assert_allclose(m_s @ A + b, m_t, atol=1e-10)
    # symmetric positive semi-definite
    assert_allclose(A, A.T, atol=0)
    assert np.linalg.eigvalsh(A).min() >= 0


def test_monge_map_matches_scipy_sqrtm(rng):
    S_s, S_t = random_spd(rng, 4), random_spd(rng, 4)
    root = np.real(sqrtm(S_s))
    inv_root = np.linalg.inv(root)
    expected = inv_root @ np.real(sqrtm(root @ S_t @ root)) @ inv_root
    A, _ = gaussian_monge_map(np.zeros(4), S_s, np.zeros(4), S_t)
    assert_allclose(A, expected, rtol=1e-8, atol=1e-10)


def test_empirical_map_pushes_sample_moments(rng):
    Xs = rng.normal(size=(300, 3)) @ rng.normal(size=(3, 3)) + 2.0
    Xt = rng.standard_t(5, size=(200, 3)) @ rng.normal(size=(3, 3)) - 1.0
    A, b = empirical_gaussian_monge_map(Xs, Xt)
    mapped = Xs @ A + b
    assert_allclose(mapped.mean(axis=0), Xt.mean(axis=0), atol=1e-10)
    assert_allclose(sample_cov(mapped), sample_cov(Xt), rtol=1e-9, atol=1e-10)


def test_inverse_map_composes_to_identity(rng):
    d = 4
    m_s, m_t = rng.normal(size=d), rng.normal(size=d)
    S_s, S_t = random_spd(rng, d), random_spd(rng, d)
    A, b = gaussian_monge_map(m_s, S_s, m_t, S_t)
    A_inv, b_inv = gaussian_monge_map(m_t, S_t, m_s, S_s)
    X = rng.normal(size=(50, d))
    assert_allclose((X @ A + b) @ A_inv + b_inv, X, atol=1e-9)
    assert_allclose(A @ A_inv, np.eye(d), atol=1e-9)


def test_monge_map_is_one_dimensional_quantile_map(rng):
    m_s, s_s, m_t, s_t = 1.0, 2.0, -3.0, 0.5
    A, b = gaussian_monge_map(m_s, s_s**2, m_t, s_t**2)
    x = rng.normal(m_s, s_s, size=100)
    quantile_map = stats.norm.ppf(stats.norm.cdf(x, m_s, s_s), m_t, s_t)
    assert_allclose(x * A[0, 0] + b[0], quantile_map, atol=1e-8)


def test_monge_map_with_singular_target_is_not_invertible(rng):
    S_t = np.diag([1.0, 0.0])
    A, _ = gaussian_monge_map(np.zeros(2), np.eye(2), np.zeros(2), S_t)
    assert_allclose(A, np.diag([1.0, 0.0]), atol=1e-12)


def test_monge_map_singular_source_needs_reg():
    S_s = np.diag([1.0, 0.0])
    with pytest.raises(ValueError, match="reg > 0"):
        gaussian_monge_map(np.zeros(2), S_s, np.zeros(2), np.eye(2))
    A, _ = gaussian_monge_map(np.zeros(2), S_s, np.zeros(2), np.eye(2), reg=1e-4)
    S_s_reg = S_s + 1e-4 * np.eye(2)
    assert_allclose(A @ S_s_reg @ A, np.eye(2) + 1e-4 * np.eye(2), rtol=1e-8)


# --------------------------------------------------------------------------
# the distance


def test_distance_closed_form_cases():
    assert bures_wasserstein_distance([0, 0], np.eye(2), [3, 4], np.eye(2)) == 5.0
    # 1D: sqrt((m1 - m2)^2 + (s1 - s2)^2)
    value = bures_wasserstein_distance(1.0, 4.0, 4.0, 25.0)
    assert_allclose(value, np.hypot(3.0, 3.0))
    assert_allclose(bures_wasserstein_distance(1.0, 4.0, 4.0, 25.0, squared=True), 18)
    # commuting covariances: sum (sqrt(l1) - sqrt(l2))^2
    S1, S2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 4.0, 1.0])
    assert_allclose(bures_distance(S1, S2, squared=True), 1 + 0 + 4)


def test_distance_matches_scipy_and_is_symmetric(rng):
    d = 5
    S1, S2 = random_spd(rng, d), random_spd(rng, d)
    m1, m2 = rng.normal(size=d), rng.normal(size=d)
    root = np.real(sqrtm(S1))
    cross = np.trace(np.real(sqrtm(root @ S2 @ root)))
    expected = np.sum((m1 - m2) ** 2) + np.trace(S1) + np.trace(S2) - 2 * cross
    got = bures_wasserstein_distance(m1, S1, m2, S2, squared=True)
    assert_allclose(got, expected, rtol=1e-10)
    assert_allclose(bures_wasserstein_distance(m2, S2, m1, S1, squared=True), got)
    assert metrics_bw is bures_wasserstein_distance


def test_distance_to_itself_is_zero_even_when_singular(rng):
    B = rng.normal(size=(5, 2))
    S = B @ B.T  # rank 2
    value = bures_wasserstein_distance(np.ones(5), S, np.ones(5), S)
    assert 0.0 <= value < 1e-6
    assert np.isfinite(value)


def test_distance_matches_exact_ot_in_2d(rng):
    # Large uniform samples from two Gaussians: the exact OT cost between the
    # samples never undercuts the closed form of the samples' own moments
    # (Gelbrich's lower bound) and exceeds it only by the small price of
    # discreteness; both sit within sampling error of the population value.
    n = 1000
    m_s, m_t = np.array([0.0, 0.0]), np.array([2.0, 1.0])
    S_s = np.array([[1.0, 0.3], [0.3, 0.5]])
    S_t = np.array([[2.0, -0.6], [-0.6, 1.0]])
    Xs = rng.multivariate_normal(m_s, S_s, size=n)
    Xt = rng.multivariate_normal(m_t, S_t, size=n)
    exact = exact_ot_cost(Xs, Xt)
    closed = bures_wasserstein_distance(m_s, S_s, m_t, S_t, squared=True)
    plug_in = empirical_bures_wasserstein_distance(Xs, Xt, squared=True)
    assert exact >= plug_in - 1e-9
    assert (exact - plug_in) / closed < 0.015  # measured ~0.005 at n = 1000
    # sampling standard deviation of W2^2 here is ~3 %
    assert abs(exact - closed) / closed < 0.12


def test_distance_1d_matches_quantile_matching(rng):
    n = 4000
    xs = rng.normal(1.0, 2.0, size=n)
    xt = rng.normal(-1.0, 0.5, size=n)
    # the exact 1D OT between equal-size uniform samples pairs sorted values
    exact = np.mean((np.sort(xs) - np.sort(xt)) ** 2)
    plug_in = empirical_bures_wasserstein_distance(
        xs[:, None], xt[:, None], squared=True
    )
    assert exact >= plug_in - 1e-9
    closed = bures_wasserstein_distance(1.0, 4.0, -1.0, 0.25, squared=True)
    assert abs(exact - closed) / closed < 0.05
    # between the Gaussians themselves, quadrature of the quantile functions
    u = (np.arange(20000) + 0.5) / 20000
    qs = stats.norm.ppf(u, 1.0, 2.0)
    qt = stats.norm.ppf(u, -1.0, 0.5)
    assert_allclose(np.mean((qs - qt) ** 2), closed, rtol=1e-3)


def test_empirical_distance_weights_and_bias(rng):
    Xs = rng.normal(size=(40, 2))
    Xt = rng.normal(size=(30, 2)) + 1.0
    # integer weights equal repeating rows
    counts = rng.integers(1, 4, size=40)
    repeated = np.repeat(Xs, counts, axis=0)
    assert_allclose(
        empirical_bures_wasserstein_distance(Xs, Xt, ws=counts.astype(float)),
        empirical_bures_wasserstein_distance(repeated, Xt),
        rtol=1e-10,
    )
    # bias=False treats the samples as centred: moment matrices about zero
    M_s, M_t = Xs.T @ Xs / 40, Xt.T @ Xt / 30
    assert_allclose(
        empirical_bures_wasserstein_distance(Xs, Xt, bias=False),
        bures_distance(M_s, M_t),
        rtol=1e-10,
    )
    A, b = empirical_gaussian_monge_map(Xs, Xt, bias=False)
    assert_allclose(b, 0.0)


def test_float32_samples_give_float64_results(rng):
    Xs = rng.normal(size=(100, 3)).astype(np.float32)
    Xt = (2 * rng.normal(size=(100, 3))).astype(np.float32)
    A, b = empirical_gaussian_monge_map(Xs, Xt)
    A64, b64 = empirical_gaussian_monge_map(Xs.astype(float), Xt.astype(float))
    assert A.dtype == np.float64
    assert_allclose(A, A64, rtol=1e-10)


def test_covariance_accumulated_in_blocks_matches_numpy(rng, monkeypatch):
    from sklot.solvers._gaussian import _linalg as _gaussian

    monkeypatch.setattr(_gaussian, "_CHUNK_ELEMENTS", 3000)
    X = rng.normal(size=(20000, 3)) * [1.0, 1e3, 1e-3] + 1e4
    mean, cov = _gaussian._empirical_moments(X)
    w = rng.uniform(size=20000)
    mean_w, cov_w = _gaussian._empirical_moments(X, w)
    assert_allclose(cov_w, np.cov(X.T, aweights=w, bias=True), rtol=1e-9)
    assert_allclose(mean, X.mean(axis=0), rtol=1e-12)
    assert_allclose(cov, np.cov(X.T, bias=True), rtol=1e-9)


# --------------------------------------------------------------------------
# the barycenter


def test_barycenter_of_identical_gaussians_is_that_gaussian(rng):
    S = random_spd(rng, 3)
    m = rng.normal(size=3)
    res = gaussian_barycenter([m, m, m], [S, S, S], weights=[0.2, 0.3, 0.5])
    assert isinstance(res, OTResult)
    assert res.converged
    assert_allclose(res.extra["mean"], m, atol=1e-12)
    assert_allclose(res.extra["covariance"], S, rtol=1e-9)
    assert res.value < 1e-9


def test_barycenter_of_commuting_covariances_closed_form(rng):
    k, d = 4, 3
    diag = rng.uniform(0.1, 5.0, size=(k, d))
    covs = np.array([np.diag(v) for v in diag])
    means = rng.normal(size=(k, d))
    w = rng.uniform(size=k)
    res = gaussian_barycenter(means, covs, w)
    w = w / w.sum()
    expected = np.diag((w @ np.sqrt(diag)) ** 2)
    assert_allclose(res.extra["covariance"], expected, rtol=1e-8, atol=1e-12)
    assert_allclose(res.extra["mean"], w @ means)


def test_barycenter_solves_fixed_point_equation(rng):
    covs = np.array([random_spd(rng, 4) for _ in range(3)])
    res = gaussian_barycenter(np.zeros((3, 4)), covs)
    S = res.extra["covariance"]
    root = np.real(sqrtm(S))
    rhs = sum(np.real(sqrtm(root @ C @ root)) for C in covs) / 3
    assert_allclose(S, rhs, rtol=1e-7, atol=1e-9)
    # the objective is minimal: perturbing S increases it
    obj = res.value
    for scale in (0.9, 1.1):
        perturbed = sum(
            bures_distance(scale * S, C, squared=True) for C in covs
        ) / 3
        assert perturbed > obj


def test_barycenter_two_gaussians_is_geodesic_midpoint(rng):
    S0, S1 = random_spd(rng, 3), random_spd(rng, 3)
    A, _ = gaussian_monge_map(np.zeros(3), S0, np.zeros(3), S1)
    half = (np.eye(3) + A) / 2
    expected = half @ S0 @ half
    res = gaussian_barycenter(np.zeros((2, 3)), [S0, S1])
    assert_allclose(res.extra["covariance"], expected, rtol=1e-7)


def test_barycenter_keeps_shared_null_space():
    covs = [np.diag([1.0, 4.0, 0.0]), np.diag([9.0, 1.0, 0.0])]
    res = gaussian_barycenter(np.zeros((2, 3)), covs)
    assert_allclose(res.extra["covariance"], np.diag([4.0, 2.25, 0.0]), atol=1e-9)
    assert np.all(np.isfinite(res.extra["covariance"]))


def test_barycenter_warns_when_not_converged(rng):
    covs = np.array([random_spd(rng, 3) for _ in range(3)])
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        res = gaussian_barycenter(np.zeros((3, 3)), covs, max_iter=1, tol=0.0)
    assert not res.converged
    assert res.n_iter == 1


def test_empirical_barycenter(rng):
    samples = [rng.normal(size=(200, 2)) * s + s for s in (1.0, 2.0, 3.0)]
    res = empirical_gaussian_barycenter(samples)
    means = np.array([X.mean(axis=0) for X in samples])
    covs = np.array([sample_cov(X) for X in samples])
    expected = gaussian_barycenter(means, covs)
    assert_allclose(res.extra["covariance"], expected.extra["covariance"], rtol=1e-9)
    with pytest.raises(ValueError, match="list"):
        empirical_gaussian_barycenter(samples[0])
    with pytest.raises(ValueError, match="features"):
        empirical_gaussian_barycenter([samples[0], np.ones((5, 3))])


# --------------------------------------------------------------------------
# properties and errors


@settings(max_examples=25, deadline=None)
@given(
    d=st.integers(1, 6),
    seed=st.integers(0, 2**31 - 1),
    log_scale=st.floats(-3, 3),
)
def test_property_map_and_distance(d, seed, log_scale):
    rng = np.random.default_rng(seed)
    scale = 10.0**log_scale
    S_s, S_t = random_spd(rng, d, scale), random_spd(rng, d, scale)
    m_s, m_t = rng.normal(size=d), rng.normal(size=d)
    A, b = gaussian_monge_map(m_s, S_s, m_t, S_t)
    assert_allclose(A @ S_s @ A, S_t, rtol=1e-7, atol=1e-9 * scale)
    # the transport cost of the map equals the squared distance
    cost = np.sum((m_t - m_s) ** 2) + np.trace((A - np.eye(d)) @ S_s @ (A - np.eye(d)))
    W2 = bures_wasserstein_distance(m_s, S_s, m_t, S_t, squared=True)
    assert_allclose(cost, W2, rtol=1e-7, atol=1e-9 * scale)
    # triangle inequality through a third Gaussian
    S_u = random_spd(rng, d, scale)
    d_st = bures_distance(S_s, S_t)
    assert d_st <= bures_distance(S_s, S_u) + bures_distance(S_u, S_t) + 1e-9 * scale


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(S_s=np.ones((2, 3))), "square"),
        (dict(S_s=np.array([[1.0, 0.5], [0.0, 1.0]])), "symmetric"),
        (dict(S_s=np.diag([1.0, -1.0])), "positive semi-definite"),
        (dict(S_s=np.diag([1.0, np.nan])), "NaN"),
        (dict(m_s=np.zeros(3)), "same dimension"),
        (dict(reg=-1.0), "non-negative"),
        (dict(reg="big"), "non-negative"),
        (dict(S_t=np.eye(3)), "same shape"),
    ],
)
def test_monge_map_errors(kwargs, match):
    args = dict(m_s=np.zeros(2), S_s=np.eye(2), m_t=np.zeros(2), S_t=np.eye(2))
    args.update(kwargs)
    reg = args.pop("reg", 0.0)
    with pytest.raises(ValueError, match=match):
        gaussian_monge_map(**args, reg=reg)


def test_empirical_errors(rng):
    with pytest.raises(ValueError, match="features"):
        empirical_gaussian_monge_map(np.ones((5, 2)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="reg > 0"):
        empirical_gaussian_monge_map(rng.normal(size=(3, 5)), rng.normal(size=(9, 5)))
    A, _ = empirical_gaussian_monge_map(
        rng.normal(size=(3, 5)), rng.normal(size=(9, 5)), reg=1e-3
    )
    assert np.all(np.isfinite(A))
    with pytest.raises(ValueError, match="ws"):
        empirical_bures_wasserstein_distance(np.ones((5, 2)), np.ones((5, 2)), ws=[1.0])
    with pytest.raises(ValueError, match="max_iter"):
        gaussian_barycenter(np.zeros((1, 2)), [np.eye(2)], max_iter=0)
    with pytest.raises(ValueError, match="shape"):
        gaussian_barycenter(np.zeros((2, 2)), [np.eye(2)])


def test_no_warning_on_well_posed_input(rng):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gaussian_barycenter(np.zeros((2, 2)), [np.eye(2), 2 * np.eye(2)])
        empirical_gaussian_monge_map(rng.normal(size=(20, 2)), rng.normal(size=(20, 2)))
