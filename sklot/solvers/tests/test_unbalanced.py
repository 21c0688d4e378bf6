"""Tests of unbalanced entropic OT (KL-relaxed marginals)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklot.solvers import cost_matrix, sinkhorn, sinkhorn_unbalanced


def _problem(rng, n=15, m=12):
    X = rng.normal(size=(n, 2))
    Y = rng.normal(size=(m, 2)) + 0.7
    a = rng.uniform(0.5, 1.5, n)
    b = 2.0 * rng.uniform(0.5, 1.5, m)
    return X, Y, a, b


def _kl(p, q):
    pos = p > 0
    return np.sum(p[pos] * np.log(p[pos] / q[pos])) - p.sum() + q.sum()


@pytest.mark.parametrize(
    "reg_marginals", [0.1, 1.0, 10.0, (np.inf, 1.0), (0.5, np.inf), (0.3, 2.0)]
)
@pytest.mark.parametrize("reg", [1.0, 0.05])
def test_first_order_conditions(rng, reg, reg_marginals):
    X, Y, a, b = _problem(rng)
    M = cost_matrix(X, Y)
    res = sinkhorn_unbalanced(a, b, M, reg, reg_marginals, tol=1e-12, max_iter=50000)
    assert res.converged
    lam_a, lam_b = np.broadcast_to(reg_marginals, (2,))
    f, g = res.potentials
    P = res.plan
    np.testing.assert_allclose(
        P, a[:, None] * b * np.exp((f[:, None] + g - M) / reg), rtol=1e-9
    )
    # Stationarity in the potentials: marginal = weight * exp(-potential / lam).
    for marg, w, pot, lam in ((P.sum(1), a, f, lam_a), (P.sum(0), b, g, lam_b)):
        target = w if np.isinf(lam) else w * np.exp(-pot / lam)
        np.testing.assert_allclose(marg, target, rtol=1e-9, atol=1e-12)
    # The reported value is the primal objective, equal to the dual.
    value = np.sum(P * M) + reg * _kl(P, np.outer(a, b))
    for marg, w, lam in ((P.sum(1), a, lam_a), (P.sum(0), b, lam_b)):
        if np.isfinite(lam):
            value += lam * _kl(marg, w)
    assert res.value == pytest.approx(value, rel=1e-9)
    assert res.extra["dual"] == pytest.approx(value, rel=1e-8)
    assert res.value_linear == pytest.approx(np.sum(P * M), rel=1e-12)


def test_one_by_one_closed_form():
    # min_p p M + reg KL(p|ab) + la KL(p|a) + lb KL(p|b):
    # log p = (reg log(ab) + la log a + lb log b - M) / (reg + la + lb).
    a, b, M, reg, la, lb = 0.7, 2.5, 0.4, 0.3, 0.8, 1.7
    res = sinkhorn_unbalanced([a], [b], [[M]], reg, (la, lb), tol=1e-13)
    expected = np.exp(
        (reg * np.log(a * b) + la * np.log(a) + lb * np.log(b) - M) / (reg + la + lb)
    )
    assert res.plan[0, 0] == pytest.approx(expected, rel=1e-10)


def test_infinite_penalties_recover_balanced_sinkhorn(rng):
    X, Y, a, b = _problem(rng)
    a /= a.sum()
    b /= b.sum()
    M = cost_matrix(X, Y)
    bal = sinkhorn(a, b, M, 0.2, tol=1e-12)
    exact = sinkhorn_unbalanced(a, b, M, 0.2, np.inf, tol=1e-12)
    np.testing.assert_allclose(exact.plan, bal.plan, atol=1e-13)
    gaps = []
    for lam in [1e2, 1e4, 1e6]:
        res = sinkhorn_unbalanced(a, b, M, 0.2, lam, tol=1e-12, max_iter=100000)
        gaps.append(np.abs(res.plan - bal.plan).max())
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-6


def test_mass_is_destroyed_where_transport_is_expensive(rng):
    X, Y, a, b = _problem(rng)
    M = cost_matrix(X, Y)
    masses = [
        sinkhorn_unbalanced(a, b, M * s, 0.1, 0.5).plan.sum() for s in (1.0, 10.0)
    ]
    assert masses[1] < masses[0] < max(a.sum(), b.sum())


def test_dense_and_matrix_free_agree(rng):
    X, Y, a, b = _problem(rng, n=30, m=25)
    M = cost_matrix(X, Y)
    for lam in [1.0, (np.inf, 0.5)]:
        dense = sinkhorn_unbalanced(a, b, M, 0.1, lam, tol=1e-13, max_iter=20000)
        free = sinkhorn_unbalanced(
            a, b, reg=0.1, reg_marginals=lam, X=X, Y=Y, tol=1e-13, max_iter=20000
        )
        assert free.value == pytest.approx(dense.value, abs=1e-10)
        np.testing.assert_allclose(free.extra["row_mass"], dense.plan.sum(1),
                                   atol=1e-10)


def test_float32_and_stability(rng):
    X, Y, a, b = _problem(rng)
    M = cost_matrix(X, Y)
    ref = sinkhorn_unbalanced(a, b, M, 0.2, 1.0, tol=1e-12)
    res = sinkhorn_unbalanced(a, b, M.astype(np.float32), 0.2, 1.0, tol=1e-6)
    assert res.plan.dtype == np.float32
    np.testing.assert_allclose(res.plan, ref.plan, atol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for scale in (1.0, 1e6):
            for fac in (1e-4, 1.0, 1e4):
                Ms = M * scale
                reg = fac * np.median(Ms)
                for lam in (np.median(Ms), (np.inf, np.median(Ms))):
                    out = sinkhorn_unbalanced(a, b, Ms, reg, lam, max_iter=200)
                    assert np.all(np.isfinite(out.plan))
                    assert np.isfinite(out.value) and np.isfinite(out.extra["dual"])


def test_validation(rng):
    X, Y, a, b = _problem(rng)
    M = cost_matrix(X, Y)
    with pytest.raises(TypeError, match="reg_marginals is required"):
        sinkhorn_unbalanced(a, b, M, 1.0)
    with pytest.raises(ValueError, match="reg_marginals\\[0\\] must be positive"):
        sinkhorn_unbalanced(a, b, M, 1.0, -1.0)
    with pytest.raises(ValueError, match="pair"):
        sinkhorn_unbalanced(a, b, M, 1.0, (1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="same total mass"):
        sinkhorn_unbalanced(a, b, M, 1.0, np.inf)
    with pytest.raises(TypeError, match="reg is required"):
        sinkhorn_unbalanced(a, b, M, reg_marginals=1.0)
