"""Tests of class-regularized (group-lasso) OT, entropic and exact."""

from itertools import permutations

import numpy as np
import pytest

from sklot.solvers import class_regularized_ot, cost_matrix, emd, sinkhorn


def _domains(rng, n_per_class=10):
    centers = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
    Xs = np.concatenate([rng.normal(c, 0.5, (n_per_class, 2)) for c in centers])
    ys = np.repeat([0, 1, 2], n_per_class)
    sizes = [8, 14, 10]
    Xt = np.concatenate(
        [rng.normal(c, 0.5, (k, 2)) for c, k in zip(centers, sizes)]
    ) + [0.6, 0.3]
    M = cost_matrix(Xs, Xt)
    return M / M.max(), ys


def _purity(res):
    Z = res.extra["class_mass"]
    return float((Z.max(axis=0) / Z.sum(axis=0)).mean())


def test_zero_penalty_is_sinkhorn(rng):
    M, ys = _domains(rng)
    res = class_regularized_ot(None, None, M, 0.05, 0.0, ys)
    ref = sinkhorn(None, None, M, 0.05)
    np.testing.assert_allclose(res.plan, ref.plan, atol=1e-12)
    assert res.n_iter == 0 and res.converged


@pytest.mark.parametrize("penalty", ["lpl1", "l1l2"])
def test_objective_decreases_monotonically(rng, penalty):
    M, ys = _domains(rng)
    res = class_regularized_ot(
        None, None, M, 0.05, 0.1, ys, penalty=penalty, max_iter=15
    )
    history = np.array(res.extra["objective_history"])
    assert len(history) >= 3
    assert np.all(np.diff(history) <= 1e-9 * np.abs(history[:-1]))
    assert history[-1] < history[0]
    assert res.marginal_error < 1e-8


def test_lpl1_group_sparsity_increases_with_reg_class(rng):
    M, ys = _domains(rng)
    purity = [
        _purity(class_regularized_ot(None, None, M, 0.05, rc, ys))
        for rc in [0.0, 0.01, 0.1, 1.0]
    ]
    assert all(p1 >= p0 - 1e-9 for p0, p1 in zip(purity, purity[1:]))
    assert purity[-1] > purity[0] + 0.05
    assert purity[-1] > 0.95


def test_l1l2_penalty_of_the_solution_decreases_with_reg_class(rng):
    # Convex problem: the optimal penalty is non-increasing in reg_class.
    M, ys = _domains(rng)
    onehot = np.eye(3)[ys]

    def group_norms(P):
        return np.sqrt(onehot.T @ (P * P)).sum()

    norms = [
        group_norms(
            class_regularized_ot(
                None, None, M, 0.05, rc, ys, penalty="l1l2", max_iter=50,
                objective_tol=1e-10,
            ).plan
        )
        for rc in [0.0, 0.01, 0.1]
    ]
    assert norms[0] > norms[1] > norms[2]


def test_labels_and_weights(rng):
    M, ys = _domains(rng)
    names = np.array(["cat", "dog", "eel"])[ys]
    a = rng.uniform(0.5, 1.5, len(ys))
    b = rng.uniform(0.5, 1.5, M.shape[1])
    a *= 3 / a.sum()
    b *= 3 / b.sum()
    res = class_regularized_ot(a, b, M, 0.05, 0.1, names)
    assert list(res.extra["classes"]) == ["cat", "dog", "eel"]
    np.testing.assert_allclose(res.plan.sum(1), a, atol=1e-8)
    np.testing.assert_allclose(res.plan.sum(0), b, atol=1e-8)
    codes = class_regularized_ot(a, b, M, 0.05, 0.1, ys)
    np.testing.assert_allclose(codes.plan, res.plan)
    single = class_regularized_ot(a, b, M, 0.05, 0.1, np.zeros(len(ys)))
    np.testing.assert_allclose(single.plan, sinkhorn(a, b, M, 0.05).plan, atol=1e-9)
    f32 = class_regularized_ot(a, b, M.astype(np.float32), 0.05, 0.1, ys)
    assert f32.plan.dtype == np.float32


def test_validation(rng):
    M, ys = _domains(rng)
    with pytest.raises(ValueError, match="labels_source must hold one label"):
        class_regularized_ot(None, None, M, 0.05, 0.1, ys[:-1])
    with pytest.raises(ValueError, match="penalty must be one of"):
        class_regularized_ot(None, None, M, 0.05, 0.1, ys, penalty="l2")
    with pytest.raises(ValueError, match="reg_class must be a finite number"):
        class_regularized_ot(None, None, M, 0.05, -1.0, ys)
    with pytest.raises(ValueError, match="M is required"):
        class_regularized_ot(None, None, None, 0.05, 0.1, ys)


def test_exact_zero_penalty_is_emd(rng):
    M, ys = _domains(rng)
    res = class_regularized_ot(None, None, M, None, 0.0, ys)
    ref = emd(None, None, M)
    np.testing.assert_allclose(res.plan, ref.plan, atol=1e-15)
    assert res.value == pytest.approx(ref.value, rel=1e-12)
    assert res.converged


@pytest.mark.parametrize("penalty", ["lpl1", "l1l2"])
def test_exact_steps_decrease_the_objective(rng, penalty):
    M, ys = _domains(rng)
    res = class_regularized_ot(
        None, None, M, None, 0.1, ys, penalty=penalty, max_iter=10, warn=False
    )
    history = np.array(res.extra["objective_history"])
    assert np.all(np.diff(history) <= 1e-12 * np.abs(history[:-1]))
    assert res.marginal_error < 1e-12
    assert res.value_linear >= emd(None, None, M).value - 1e-12


def test_exact_lpl1_is_no_worse_than_a_vertex_by_brute_force(rng):
    # Uniform 4 x 4: the vertices of the transport polytope are the 24
    # permutations, and the concave lpl1 objective is minimal at one of
    # them. Majorization from the exact plan reaches a local minimum: its
    # value lies between the global minimum and the exact plan's value.
    M = rng.random((4, 4))
    ys = np.array([0, 0, 1, 1])
    reg_class = 0.5

    def value(P):
        Z = np.stack([P[ys == c].sum(0) for c in (0, 1)])
        return np.vdot(P, M) + reg_class * np.sqrt(Z).sum()

    best = min(value(np.eye(4)[list(p)] / 4) for p in permutations(range(4)))
    res = class_regularized_ot(None, None, M, None, reg_class, ys)
    assert best - 1e-12 <= res.value <= value(emd(None, None, M).plan) + 1e-12
    assert res.value == pytest.approx(value(res.plan), rel=1e-12)
