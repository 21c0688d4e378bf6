"""``OTResult.marginal_error`` means one thing in every solver."""

import math

import numpy as np
import pytest

from sklot.solvers import (
    barycenter_fixed_support,
    barycenter_free_support,
    class_regularized_ot,
    cost_matrix,
    emd,
    sinkhorn,
    sinkhorn_unbalanced,
)


def _largest_violation(plan, a, b):
    return max(np.abs(plan.sum(1) - a).max(), np.abs(plan.sum(0) - b).max())


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(12, 2)), rng.normal(size=(9, 2)) + 1.0
    a, b = rng.uniform(0.5, 1.5, 12), rng.uniform(0.5, 1.5, 9)
    return a / a.sum(), b / b.sum(), cost_matrix(X, Y)


def test_balanced_solvers_report_the_plans_largest_violation(problem):
    a, b, M = problem
    labels = np.arange(12) % 3
    for res in (
        emd(a, b, M),
        # stopped early, so the violation is far from round-off
        sinkhorn(a, b, M, 0.05, max_iter=3, warn=False),
        class_regularized_ot(a, b, M, 0.5, 0.1, labels, max_iter=2, warn=False),
    ):
        expected = _largest_violation(res.plan, a, b)
        assert res.marginal_error == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("reg_marginals", [1.0, (math.inf, 0.5)])
def test_unbalanced_measures_against_its_optimality_marginals(problem, reg_marginals):
    a, b, M = problem
    a = 2 * a  # unequal masses
    res = sinkhorn_unbalanced(a, b, M, 0.05, reg_marginals, max_iter=4, warn=False)
    f, g = res.potentials
    lam_a, lam_b = np.broadcast_to(reg_marginals, 2)
    a_opt = a * np.exp(-f / lam_a) if np.isfinite(lam_a) else a
    b_opt = b * np.exp(-g / lam_b)
    expected = _largest_violation(res.plan, a_opt, b_opt)
    assert res.marginal_error == pytest.approx(expected, rel=1e-9, abs=1e-15)
    # not the L1 stopping measure any more
    assert res.marginal_error != pytest.approx(res.extra["violation"], rel=1e-3)


def test_barycenters_measure_their_plans():
    x = np.linspace(0, 1, 8)[:, None]
    C = (x - x.T) ** 2
    H = np.vstack([np.exp(-((x[:, 0] - c) ** 2) / 0.02) for c in (0.2, 0.7)])
    H /= H.sum(1, keepdims=True)
    exact = barycenter_fixed_support(H, C)
    assert 0.0 <= exact.marginal_error <= 1e-8
    converged = barycenter_fixed_support(H, C, reg=0.05, tol=1e-12)
    assert 0.0 <= converged.marginal_error <= 1e-10
    with pytest.warns(Warning):
        early = barycenter_fixed_support(H, C, reg=0.01, max_iter=2)
    assert early.marginal_error > 1e-6
    clouds = [x + 0.1, x - 0.1]
    free = barycenter_free_support(clouds, n_support=8, random_state=0)
    assert 0.0 <= free.marginal_error <= 1e-12
