import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklot.solvers import (
    max_sliced_wasserstein,
    projected_quantiles,
    random_projections,
    sliced_wasserstein,
    sliced_wasserstein_pairwise,
    wasserstein_1d,
)
from sklot.utils._testing import linprog_ot_value


def exact_ot_value(x, y, a, b, p):
    """W_p^p by linear programming on the full cost matrix (the oracle)."""
    a = np.asarray(a, dtype=float) / np.sum(a)
    b = np.asarray(b, dtype=float) / np.sum(b)
    return linprog_ot_value(a, b, np.abs(np.subtract.outer(x, y)) ** p)


# --- exact 1D -----------------------------------------------------------------


@pytest.mark.parametrize("p", [1, 1.5, 2, 3])
def test_wasserstein_1d_matches_linear_program(rng, p):
    for trial in range(12):
        n, m = rng.integers(1, 9, size=2)
        # Integer supports give ties within and across the two samples.
        x = rng.integers(-4, 5, size=n).astype(float) if trial % 2 else rng.normal(
            size=n
        )
        y = rng.integers(-4, 5, size=m).astype(float) if trial % 2 else rng.normal(
            size=m
        )
        a = rng.random(n)
        b = rng.random(m)
        if trial % 3 == 0:
            a[0] = 0.0  # zero weights are allowed
            a[-1] += 0.1
        expected = exact_ot_value(x, y, a, b, p)
        got = wasserstein_1d(x, y, a, b, p=p)
        assert got**p == pytest.approx(expected, rel=1e-9, abs=1e-12)
        uniform = exact_ot_value(x, y, np.ones(n), np.ones(m), p)
        assert wasserstein_1d(x, y, p=p) ** p == pytest.approx(
            uniform, rel=1e-9, abs=1e-12
        )


def test_wasserstein_1d_matches_scipy_for_p1(rng):
    for _ in range(20):
        n, m = rng.integers(1, 40, size=2)
        x = rng.normal(size=n) * 3
        y = rng.standard_t(3, size=m)
        a = rng.random(n)
        b = rng.random(m)
        assert wasserstein_1d(x, y) == pytest.approx(
            scipy.stats.wasserstein_distance(x, y), rel=1e-12, abs=1e-14
        )
        assert wasserstein_1d(x, y, a, b) == pytest.approx(
            scipy.stats.wasserstein_distance(x, y, a, b), rel=1e-12, abs=1e-14
        )


def test_wasserstein_1d_uniform_fast_path_agrees_with_merge(rng):
    x = rng.normal(size=50)
    y = rng.normal(size=50) + 0.3
    for p in (1, 2, 2.5):
        fast = wasserstein_1d(x, y, p=p)
        # Duplicating every point with half the weight forces the merge path.
        merged = wasserstein_1d(
            np.concatenate([x, x]), y, np.full(100, 0.5), None, p=p
        )
        assert fast == pytest.approx(merged, rel=1e-12)
        assert wasserstein_1d(x, y, np.ones(50), np.full(50, 3.0), p=p) == fast


def test_wasserstein_1d_batched_columns(rng):
    U = rng.normal(size=(30, 4))
    V = rng.normal(size=(20, 4))
    wu = rng.random(30)
    wv = rng.random((20, 4))
    got = wasserstein_1d(U, V, wu, wv, p=2)
    assert got.shape == (4,)
    for k in range(4):
        assert got[k] == pytest.approx(
            wasserstein_1d(U[:, k], V[:, k], wu, wv[:, k], p=2), rel=1e-13
        )


def test_wasserstein_1d_batched_shared_nonuniform_weights(rng):
    # Every column has the same, non-uniform, weights.
    U = rng.normal(size=(6, 3))
    V = rng.normal(size=(6, 3))
    w = np.tile(rng.random((6, 1)), (1, 3))
    got = wasserstein_1d(U, V, w, None, p=2)
    for k in range(3):
        assert got[k] == pytest.approx(
            wasserstein_1d(U[:, k], V[:, k], w[:, k], None, p=2), rel=1e-13
        )


def test_wasserstein_1d_closed_forms():
    x = np.array([0.0, 2.0, 5.0])
    assert wasserstein_1d(x, x) == 0.0
    assert wasserstein_1d(x, x + 1.5, p=3) == pytest.approx(1.5, rel=1e-14)
    assert wasserstein_1d(x, 2 * x, p=2) == pytest.approx(
        np.sqrt(np.mean(x**2)), rel=1e-14
    )
    assert wasserstein_1d([0.0], [1.0, 3.0], p=2) == pytest.approx(np.sqrt(5.0))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"u_values": [0.0, np.nan]}, "u_values"),
        ({"v_values": [np.inf, 1.0]}, "v_values"),
        ({"u_weights": [1.0, -1.0, 1.0]}, "u_weights"),
        ({"u_weights": [1.0, 1.0]}, "u_weights"),
        ({"v_weights": [0.0, 0.0]}, "v_weights"),
        ({"v_weights": [1.0, np.nan]}, "v_weights"),
        ({"p": 0.5}, "p must be"),
        ({"p": np.inf}, "p must be"),
        ({"u_values": [[0.0, 1.0], [1.0, 2.0], [0.0, 0.0]]}, "both be 1D"),
    ],
)
def test_wasserstein_1d_rejects_bad_input(kwargs, match):
    args = {"u_values": [0.0, 1.0, 2.0], "v_values": [1.0, 2.0]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        wasserstein_1d(**args)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(
    x=arrays(np.float64, st.integers(1, 12), elements=finite),
    y=arrays(np.float64, st.integers(1, 12), elements=finite),
    z=arrays(np.float64, st.integers(1, 12), elements=finite),
    p=st.sampled_from([1.0, 2.0, 3.5]),
    shift=finite,
)
def test_wasserstein_1d_metric_properties(x, y, z, p, shift):
    dxy = wasserstein_1d(x, y, p=p)
    scale = 1 + np.abs(np.concatenate([x, y, z])).max()
    assert dxy >= 0
    assert dxy == pytest.approx(wasserstein_1d(y, x, p=p), rel=1e-12, abs=1e-12)
    assert wasserstein_1d(x, x, p=p) == 0.0
    assert dxy <= wasserstein_1d(x, z, p=p) + wasserstein_1d(z, y, p=p) + (
        1e-9 * scale
    )
    assert wasserstein_1d(x, x + shift, p=p) == pytest.approx(
        abs(shift), rel=1e-9, abs=1e-9 * scale
    )
    assert wasserstein_1d(-x, -y, p=p) == pytest.approx(dxy, rel=1e-12, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 8),
    m=st.integers(1, 8),
)
def test_wasserstein_1d_matches_linear_program_property(data, n, m):
    x = data.draw(arrays(np.float64, n, elements=st.integers(-5, 5).map(float)))
    y = data.draw(arrays(np.float64, m, elements=st.integers(-5, 5).map(float)))
    weight = st.floats(0.01, 10.0)
    a = data.draw(arrays(np.float64, n, elements=weight))
    b = data.draw(arrays(np.float64, m, elements=weight))
    p = data.draw(st.sampled_from([1.0, 2.0]))
    expected = exact_ot_value(x, y, a, b, p)
    assert wasserstein_1d(x, y, a, b, p=p) ** p == pytest.approx(
        expected, rel=1e-9, abs=1e-10
    )


# --- sliced -------------------------------------------------------------------


def test_random_projections_are_unit_and_seeded():
    theta = random_projections(100, 5, random_state=3)
    assert theta.shape == (100, 5)
    np.testing.assert_allclose(np.linalg.norm(theta, axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(theta, random_projections(100, 5, random_state=3))
    assert not np.array_equal(theta, random_projections(100, 5, random_state=4))
    # Roughly isotropic: the mean outer product is I / d.
    big = random_projections(20000, 3, random_state=0)
    np.testing.assert_allclose(big.T @ big / 20000, np.eye(3) / 3, atol=0.01)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_sliced_in_one_dimension_is_exact_1d(rng, p):
    x = rng.normal(size=(13, 1))
    y = rng.normal(size=(7, 1)) + 1
    a = rng.random(13)
    expected = wasserstein_1d(x[:, 0], y[:, 0], a, None, p=p)
    got = sliced_wasserstein(x, y, a, n_projections=5, p=p, random_state=0)
    assert got == pytest.approx(expected, rel=1e-12)
    assert max_sliced_wasserstein(x, y, a, p=p, random_state=1) == pytest.approx(
        expected, rel=1e-12
    )
    # Directions on the line scale the distance: |t|^p W_p^p on average.
    theta = np.array([[2.0], [-0.5], [1.0]])
    scaled = np.mean(np.abs(theta[:, 0]) ** p) ** (1 / p) * expected
    assert sliced_wasserstein(x, y, a, p=p, projections=theta) == pytest.approx(
        scaled, rel=1e-12
    )
    D = sliced_wasserstein_pairwise([(x, a), y], p=p, projections=theta)
    assert D[0, 1] == pytest.approx(scaled, rel=1e-12)


def test_sliced_matches_mean_of_projected_1d(rng):
    X = rng.normal(size=(40, 3))
    Y = rng.normal(size=(25, 3)) * 2
    a = rng.random(40)
    theta = random_projections(7, 3, random_state=0)
    per_direction = [
        wasserstein_1d(X @ t, Y @ t, a, None, p=1.5) ** 1.5 for t in theta
    ]
    got = sliced_wasserstein(X, Y, a, p=1.5, projections=theta)
    assert got == pytest.approx(np.mean(per_direction) ** (1 / 1.5), rel=1e-12)
    got_max = max_sliced_wasserstein(X, Y, a, p=1.5, projections=theta)
    assert got_max == pytest.approx(np.max(per_direction) ** (1 / 1.5), rel=1e-12)
    assert got_max >= got


def test_sliced_chunks_of_projections_change_nothing(rng, monkeypatch):
    from sklot.solvers._sliced import _distance as _sliced

    X = rng.normal(size=(300, 4))
    Y = rng.normal(size=(200, 4))
    b = rng.random(200)
    full = sliced_wasserstein(X, Y, None, b, n_projections=37, random_state=0)
    monkeypatch.setattr(_sliced, "_CHUNK_ELEMENTS", 1000)
    monkeypatch.setattr(_sliced, "_THREADED_SORT_MIN", 100)
    chunked = sliced_wasserstein(X, Y, None, b, n_projections=37, random_state=0)
    assert chunked == full


def test_sliced_monte_carlo_error_shrinks():
    # Y = X + v: on direction theta the 1D distance is |theta . v| exactly,
    # and the mean of (theta . v)^2 over the sphere is |v|^2 / d.
    d = 4
    v = np.array([1.0, -2.0, 0.5, 3.0])
    X = np.random.default_rng(0).normal(size=(30, d))
    truth = np.sqrt(v @ v / d)
    rms = {}
    for L in (10, 1000):
        errors = [
            sliced_wasserstein(X, X + v, n_projections=L, random_state=s) - truth
            for s in range(20)
        ]
        rms[L] = np.sqrt(np.mean(np.square(errors)))
    assert rms[1000] < rms[10] / 4
    assert rms[1000] < 0.05 * truth


def test_sliced_invariances(rng):
    X = rng.normal(size=(50, 3))
    Y = rng.normal(size=(60, 3)) + [1.0, 0.0, -1.0]
    a = rng.random(50)
    theta = random_projections(20, 3, random_state=0)
    base = sliced_wasserstein(X, Y, a, projections=theta)
    shift = np.array([10.0, -3.0, 2.0])
    assert sliced_wasserstein(X + shift, Y + shift, a, projections=theta) == (
        pytest.approx(base, rel=1e-10)
    )
    perm = rng.permutation(50)
    assert sliced_wasserstein(X[perm], Y[::-1], a[perm], projections=theta) == (
        pytest.approx(base, rel=1e-13)
    )
    assert sliced_wasserstein(Y, X, None, a, projections=theta) == pytest.approx(
        base, rel=1e-13
    )
    assert sliced_wasserstein(X, X, a, a, projections=theta) == 0.0
    # Weights are normalised: scaling them changes nothing.
    assert sliced_wasserstein(X, Y, 7 * a, projections=theta) == pytest.approx(
        base, rel=1e-13
    )
    # Rotating both clouds and the directions together changes nothing.
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rotated = sliced_wasserstein(X @ Q, Y @ Q, a, projections=theta @ Q)
    assert rotated == pytest.approx(base, rel=1e-10)


def test_sliced_float32_input(rng):
    X = rng.normal(size=(20, 2))
    Y = rng.normal(size=(30, 2))
    got = sliced_wasserstein(X.astype(np.float32), Y.astype(np.float32),
                             random_state=0)
    expected = sliced_wasserstein(X.astype(np.float32).astype(np.float64),
                                  Y.astype(np.float32).astype(np.float64),
                                  random_state=0)
    assert isinstance(got, float)
    assert got == expected


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"X": [[0.0, np.nan]]}, "X"),
        ({"Y": [[np.inf, 0.0]]}, "Y"),
        ({"Y": [[0.0, 0.0, 0.0]]}, "same number of features"),
        ({"a": [1.0, -1.0]}, "a has negative"),
        ({"b": [0.0]}, "b has zero total mass"),
        ({"a": [1.0, 1.0, 1.0]}, "a has 3 weights"),
        ({"n_projections": 0}, "n_projections"),
        ({"p": 0}, "p must be"),
        ({"projections": [[1.0, 0.0, 0.0]]}, "projections has shape"),
        ({"projections": [[1.0, np.nan]]}, "projections"),
    ],
)
def test_sliced_rejects_bad_input(kwargs, match):
    args = {"X": [[0.0, 0.0], [1.0, 1.0]], "Y": [[2.0, 0.0]]}
    args.update(kwargs)
    X, Y = args.pop("X"), args.pop("Y")
    with pytest.raises(ValueError, match=match):
        sliced_wasserstein(X, Y, **args)


# --- batched ------------------------------------------------------------------


def _mixed_clouds(rng, count=7, dim=2):
    clouds = []
    for i in range(count):
        points = rng.normal(size=(int(rng.integers(1, 12)), dim)) + i % 3
        clouds.append(points if i % 2 else (points, rng.random(len(points))))
    return clouds


def test_pairwise_matches_pairs(rng):
    clouds = _mixed_clouds(rng)
    theta = random_projections(9, 2, random_state=0)
    D = sliced_wasserstein_pairwise(clouds, projections=theta, p=1.5)
    for i, ci in enumerate(clouds):
        for j, cj in enumerate(clouds):
            xi, ai = ci if isinstance(ci, tuple) else (ci, None)
            xj, aj = cj if isinstance(cj, tuple) else (cj, None)
            expected = sliced_wasserstein(xi, xj, ai, aj, p=1.5, projections=theta)
            assert D[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-14)
    np.testing.assert_array_equal(D, D.T)
    np.testing.assert_array_equal(np.diag(D), 0.0)
    rect = sliced_wasserstein_pairwise(
        clouds[:3], clouds, projections=theta, p=1.5
    )
    np.testing.assert_array_equal(rect, D[:3])
    powered = sliced_wasserstein_pairwise(
        clouds, projections=theta, p=1.5, pth_power=True
    )
    np.testing.assert_allclose(powered, D**1.5, rtol=1e-13)


def test_pairwise_equal_size_fast_path(rng):
    clouds = [rng.normal(size=(6, 3)) for _ in range(5)]
    theta = random_projections(11, 3, random_state=2)
    D = sliced_wasserstein_pairwise(clouds, projections=theta)
    weighted = [(c, np.ones(6)) for c in clouds]
    # A shuffled copy with explicit, non-uniform looking (but equal) weights
    # goes through the merge path and must agree.
    doubled = [(np.vstack([c, c]), np.full(12, 0.5)) for c in clouds]
    np.testing.assert_allclose(
        sliced_wasserstein_pairwise(doubled, weighted, projections=theta), D,
        rtol=1e-12, atol=1e-14,
    )


def test_pairwise_histograms_equal_weighted_clouds(rng):
    support = rng.normal(size=(8, 2))
    H = rng.random((5, 8))
    H[H < 0.3] = 0.0
    H[:, 0] += 0.1
    theta = random_projections(6, 2, random_state=0)
    D = sliced_wasserstein_pairwise(H, support=support, projections=theta)
    clouds = [(support, h) for h in H]
    np.testing.assert_allclose(
        D, sliced_wasserstein_pairwise(clouds, projections=theta), rtol=1e-13
    )


def test_pairwise_rows_are_1d_samples(rng):
    X = rng.normal(size=(4, 9))
    D = sliced_wasserstein_pairwise(X, random_state=0)
    for i in range(4):
        for j in range(4):
            assert D[i, j] == pytest.approx(
                wasserstein_1d(X[i], X[j], p=2), rel=1e-12, abs=1e-14
            )


def test_pairwise_joblib_blocks_equal_threads(rng):
    clouds = _mixed_clouds(rng, count=9)
    kwargs = dict(n_projections=5, random_state=0)
    D = sliced_wasserstein_pairwise(clouds, **kwargs)
    np.testing.assert_array_equal(
        sliced_wasserstein_pairwise(clouds, n_jobs=2, **kwargs), D
    )
    np.testing.assert_array_equal(
        sliced_wasserstein_pairwise(clouds[:4], clouds, n_jobs=2, **kwargs), D[:4]
    )


def test_pairwise_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="same dimension"):
        sliced_wasserstein_pairwise([np.zeros((2, 2))], [np.zeros((2, 3))])
    with pytest.raises(ValueError, match="X"):
        sliced_wasserstein_pairwise([np.array([[0.0, np.nan]])])
    with pytest.raises(ValueError, match="p must be"):
        sliced_wasserstein_pairwise([np.zeros((2, 2))], p=0.5)


def test_projected_quantiles_reproduce_sliced_distance(rng):
    clouds = [rng.normal(size=(8, 2)) + i for i in range(4)]
    theta = random_projections(10, 2, random_state=0)
    Q = projected_quantiles(clouds, theta, n_quantiles=8)
    assert Q.shape == (4, 10, 8)
    sq = ((Q[:, None] - Q[None]) ** 2).mean(axis=(2, 3))
    D = sliced_wasserstein_pairwise(clouds, projections=theta, pth_power=True)
    np.testing.assert_allclose(sq, D, rtol=1e-12, atol=1e-14)


def test_projected_quantiles_converge_for_weighted(rng):
    clouds = [(rng.normal(size=(7, 2)), rng.random(7)) for _ in range(3)]
    theta = random_projections(5, 2, random_state=0)
    D = sliced_wasserstein_pairwise(clouds, projections=theta, pth_power=True)
    errors = []
    for K in (4, 64, 1024):
        Q = projected_quantiles(clouds, theta, n_quantiles=K)
        sq = ((Q[:, None] - Q[None]) ** 2).mean(axis=(2, 3))
        errors.append(np.abs(sq - D).max())
    assert errors[2] < errors[1] < errors[0]
    assert errors[2] < 0.02 * D.max()
    with pytest.raises(ValueError, match="projections is None"):
        projected_quantiles(clouds, None)
    with pytest.raises(ValueError, match="n_quantiles"):
        projected_quantiles(clouds, theta, n_quantiles=0)


_DETERMINISM_SCRIPT = textwrap.dedent(
    """
    import hashlib
    import numpy as np
    from sklot.solvers import (
        projected_quantiles, sliced_wasserstein, sliced_wasserstein_pairwise,
    )
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 5))
    Y = rng.normal(size=(2000, 5))
    b = rng.random(2000)
    clouds = [rng.normal(size=(int(rng.integers(5, 40)), 5)) for _ in range(30)]
    values = [
        sliced_wasserstein(X, Y, n_projections=64, random_state=7),
        sliced_wasserstein(X, Y, None, b, n_projections=64, random_state=7),
    ]
    D = sliced_wasserstein_pairwise(clouds, n_projections=16, random_state=7)
    Q = projected_quantiles(clouds, np.eye(5), n_quantiles=9)
    h = hashlib.sha256(np.array(values).tobytes() + D.tobytes() + Q.tobytes())
    print(h.hexdigest())
    """
)


def test_deterministic_whatever_the_thread_count():
    digests = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        out = subprocess.run(
            [sys.executable, "-c", _DETERMINISM_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.append(out.stdout.strip())
    assert digests[0] == digests[1]
    assert len(digests[0]) == 64


# --- persistence diagrams -----------------------------------------------------


def _diagram(rng, n):
    birth = rng.random(n)
    return np.column_stack([birth, birth + rng.exponential(0.3, size=n)])


def _diagram_distance_by_sorting(D1, D2, theta):
    """Carriere et al.: add the other's diagonal projections, sort, L1."""
    diag1 = np.repeat(D1.mean(axis=1, keepdims=True), 2, axis=1)
    diag2 = np.repeat(D2.mean(axis=1, keepdims=True), 2, axis=1)
    A = np.sort(np.vstack([D1, diag2]) @ theta.T, axis=0)
    B = np.sort(np.vstack([D2, diag1]) @ theta.T, axis=0)
    return np.abs(A - B).sum(axis=0).mean()


def test_diagram_distances_match_sorted_construction(rng):
    diagrams = [_diagram(rng, int(rng.integers(0, 12))) for _ in range(8)]
    diagrams[2] = np.empty((0, 2))
    diagrams[5] = diagrams[4].copy()
    theta = random_projections(7, 2, random_state=0)
    D = sliced_wasserstein_pairwise(diagrams, projections=theta, p=1,
                                    diagrams=True)
    for i in range(8):
        for j in range(8):
            expected = _diagram_distance_by_sorting(diagrams[i], diagrams[j], theta)
            assert D[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-14)
    assert D[4, 5] == 0.0
    np.testing.assert_array_equal(D, D.T)
    rect = sliced_wasserstein_pairwise(
        diagrams[:3], diagrams, projections=theta, p=1, diagrams=True
    )
    np.testing.assert_array_equal(rect, D[:3])


def test_diagram_input_errors(rng):
    good = [_diagram(rng, 3)]
    with pytest.raises(ValueError, match="p=1"):
        sliced_wasserstein_pairwise(good, diagrams=True)
    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        sliced_wasserstein_pairwise([np.zeros((3, 3))], p=1, diagrams=True)
    with pytest.raises(ValueError, match="essential"):
        sliced_wasserstein_pairwise([[[0.0, np.inf]]], p=1, diagrams=True)
    with pytest.raises(ValueError, match="non-empty list"):
        sliced_wasserstein_pairwise(np.zeros((3, 2)), p=1, diagrams=True)


def test_extreme_magnitudes_stay_finite(rng):
    assert wasserstein_1d([1e300, -1e300], [0.0, 0.0], p=2) == pytest.approx(1e300)
    tiny = wasserstein_1d([1e-200, 0.0], [0.0, 0.0], p=3)
    assert tiny == pytest.approx(0.5 ** (1 / 3) * 1e-200, rel=1e-12)
    X = rng.normal(size=(5, 2)) * 1e300
    value = sliced_wasserstein(X, np.zeros((3, 2)), random_state=0)
    assert np.isfinite(value) and value > 1e299
    D = sliced_wasserstein_pairwise([X, np.zeros((3, 2))], random_state=0)
    assert np.all(np.isfinite(D)) and D[0, 1] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("p", [1, 2])
def test_power_of_two_scaling_is_exact(rng, p):
    x = rng.normal(size=9)
    y = rng.normal(size=7)
    a = rng.random(9)
    base = wasserstein_1d(x, y, a, p=p)
    for k in (-600, -60, 3, 70, 600):  # +-600: the data gets rescaled
        assert wasserstein_1d(x * 2.0**k, y * 2.0**k, a, p=p) == base * 2.0**k
    X = rng.normal(size=(6, 2))
    Y = rng.normal(size=(4, 2))
    base = sliced_wasserstein(X, Y, p=p, n_projections=5, random_state=0)
    scaled = sliced_wasserstein(X * 2.0**500, Y * 2.0**500, p=p, n_projections=5,
                                random_state=0)
    assert scaled == base * 2.0**500
