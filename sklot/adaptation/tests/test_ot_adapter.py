import pickle
import warnings

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.adaptation import DomainAdaptationClassifier, OTDomainAdapter, _ot_adapter
from sklot.datasets import make_domain_shift
from sklot.solvers import cost_matrix
from sklot.utils import NoTargetWarning


def stacked(Xs, Xt, ys=None):
    ys = np.zeros(len(Xs), dtype=int) if ys is None else ys
    return np.vstack([Xs, Xt]), np.r_[ys, -np.ones(len(Xt), dtype=int)]


@pytest.fixture
def clouds(rng):
    Xs = rng.normal(size=(40, 3))
    Xt = rng.normal(size=(40, 3)) * 1.5 + np.array([3.0, -1.0, 0.5])
    ys = (Xs[:, 0] > 0).astype(int)
    return Xs, Xt, ys


# -- exact transport ---------------------------------------------------------


def test_exact_plan_is_the_optimal_assignment(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter().fit(X, y)
    M = cost_matrix(Xs, Xt)
    rows, cols = linear_sum_assignment(M)
    optimum = M[rows, cols].mean()
    assert np.sum(adapter.coupling_ * M) == pytest.approx(optimum, rel=1e-9)
    # n_s == n_t with uniform weights: each source row lands on one target row.
    mapped = adapter.fit_transform(X, y)
    np.testing.assert_allclose(mapped[:40][rows], Xt[cols], atol=1e-12)
    np.testing.assert_array_equal(mapped[40:], Xt)


def test_translation_is_recovered(rng):
    Xs = rng.normal(size=(30, 2))
    shift = np.array([4.0, -2.0])
    X, y = stacked(Xs, Xs[rng.permutation(30)] + shift)
    mapped = OTDomainAdapter().fit_transform(X, y)
    np.testing.assert_allclose(mapped[:30], Xs + shift, atol=1e-12)


def test_transform_of_fitted_rows_matches_fit_transform(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter()
    mapped = adapter.fit_transform(X, y)
    np.testing.assert_allclose(adapter.transform(Xs), mapped[:40])


def test_nearest_out_of_sample_moves_with_the_nearest_source_row(clouds, rng):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter(out_of_sample="nearest")
    mapped = adapter.fit_transform(X, y)[:40]
    new = rng.normal(size=(25, 3))
    nearest = cost_matrix(new, Xs).argmin(axis=1)
    expected = new + mapped[nearest] - Xs[nearest]
    np.testing.assert_allclose(adapter.transform(new), expected)


def test_inverse_transform_maps_target_back(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter().fit(X, y)
    rows, cols = linear_sum_assignment(cost_matrix(Xs, Xt))
    back = adapter.inverse_transform(Xt)
    np.testing.assert_allclose(back[cols], Xs[rows], atol=1e-12)


def test_unequal_sizes_barycentric_images(rng):
    Xs = rng.normal(size=(12, 2))
    Xt = rng.normal(size=(30, 2)) + 2
    X, y = stacked(Xs, Xt)
    adapter = OTDomainAdapter().fit(X, y)
    P = adapter.coupling_
    np.testing.assert_allclose(P.sum(1), 1 / 12)
    np.testing.assert_allclose(P.sum(0), 1 / 30)
    expected = (P @ Xt) * 12
    np.testing.assert_allclose(adapter.fit_transform(X, y)[:12], expected)


# -- cost scale ----------------------------------------------------------------


@pytest.mark.parametrize("scale", [None, "median", "max"])
def test_cost_scale_is_stored_not_written_into_parameters(clouds, scale):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter(cost_scale=scale).fit(X, y)
    M = cost_matrix(Xs, Xt)
    expected = {None: 1.0, "median": np.median(M), "max": M.max()}[scale]
    assert adapter.cost_scale_ == pytest.approx(expected)
    assert adapter.cost_scale == scale
    # The exact plan does not depend on the scale of the cost.
    reference = OTDomainAdapter(cost_scale=None).fit(X, y)
    np.testing.assert_allclose(adapter.coupling_, reference.coupling_)


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean", "cityblock", "cosine"])
def test_metrics(clouds, metric):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter(metric=metric).fit(X, y)
    M = cost_matrix(Xs, Xt, metric=metric)
    rows, cols = linear_sum_assignment(M)
    optimum = M[rows, cols].mean()
    assert np.sum(adapter.coupling_ * M) == pytest.approx(optimum, rel=1e-9)
    assert np.isfinite(adapter.transform(Xs + 0.1)).all()


# -- labels ------------------------------------------------------------------


def test_transform_labels_propagates_source_labels(rng):
    Xs = rng.normal(size=(20, 2))
    ys = np.array([0, 1, 2, 3] * 5)
    perm = rng.permutation(20)
    X, y = stacked(Xs, Xs[perm] + 10, ys)
    adapter = OTDomainAdapter().fit(X, y)
    soft = adapter.transform_labels()
    assert soft.shape == (20, 4)
    np.testing.assert_allclose(soft.sum(1), 1)
    # Target row k is source row perm[k] translated.
    np.testing.assert_array_equal(soft.argmax(1), ys[perm])
    values = adapter.transform_labels(ys.astype(float) * 0.5)
    assert values.shape == (20, 4)  # float labels of a classification fit


def test_transform_labels_regression(rng):
    Xs = rng.normal(size=(20, 2))
    ys = Xs[:, 0] * 2.0
    perm = rng.permutation(20)
    X = np.vstack([Xs, Xs[perm] + 5])
    y = np.r_[ys, np.full(20, np.nan)]
    adapter = OTDomainAdapter().fit(X, y)
    np.testing.assert_allclose(adapter.transform_labels(), ys[perm])


def test_semi_supervised_labels_forbid_mismatched_pairs(rng):
    # Source classes at x < 0 and x > 0; the target is mirrored, so plain
    # transport swaps the classes. Labels on a few target rows fix it.
    Xs = np.r_[rng.normal(-2, 0.3, (20, 1)), rng.normal(2, 0.3, (20, 1))]
    ys = np.r_[np.zeros(20, int), np.ones(20, int)]
    Xt = np.r_[rng.normal(2.5, 0.3, (20, 1)), rng.normal(-2.5, 0.3, (20, 1))]
    yt = np.r_[np.zeros(20, int), np.ones(20, int)]
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(40, int), -np.ones(40, int)]
    y_semi = np.r_[ys, yt]
    plain = OTDomainAdapter().fit(X, np.r_[ys, -np.ones(40, int)])
    semi = OTDomainAdapter().fit(X, y_semi, sample_domain=sd)
    mismatch = ys[:, None] != yt[None, :]
    assert plain.coupling_[mismatch].sum() > 0.9
    assert semi.coupling_[mismatch].sum() == 0
    assert semi.reg is None and semi.cost_scale == "median"


def test_regression_target_rows(rng):
    X, y = make_domain_shift(
        "conditional", task="regression", n_samples_source=30,
        n_samples_target=25, random_state=0,
    )
    adapter = OTDomainAdapter().fit(X, y)
    assert adapter.coupling_.shape == (30, 25)
    with pytest.raises(ValueError, match="reg_class"):
        OTDomainAdapter(reg=0.1, reg_class=1.0).fit(X, y)


# -- identity and errors -------------------------------------------------------


def test_no_target_rows_is_the_identity(clouds):
    Xs, _, ys = clouds
    with pytest.warns(NoTargetWarning):
        adapter = OTDomainAdapter().fit(Xs, ys)
    np.testing.assert_array_equal(adapter.transform(Xs), Xs)
    np.testing.assert_array_equal(adapter.inverse_transform(Xs), Xs)
    assert adapter.coupling_ is None and adapter.n_iter_ == 0
    with pytest.raises(ValueError, match="target rows"):
        adapter.transform_labels()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"reg_marginals": 1.0}, "reg_marginals"),
        ({"out_of_sample": "entropic"}, "entropic"),
        ({"reg": 0.1, "reg_class": 1.0, "out_of_sample": "entropic"}, "entropic"),
        ({"reg": 0.1, "reg_class": 1.0, "out_of_sample": "linear"}, "linear"),
        ({"reg": -1.0}, "reg"),
        ({"metric": "hamming"}, "metric"),
        ({"cost_scale": "mean"}, "cost_scale"),
    ],
)
def test_bad_options(clouds, params, match):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    with pytest.raises(ValueError, match=match):
        OTDomainAdapter(**params).fit(X, y)


def test_class_regularization_needs_labels(clouds):
    Xs, Xt, _ = clouds
    sd = np.r_[np.zeros(40, int), -np.ones(40, int)]
    with pytest.raises(ValueError, match="labels"):
        OTDomainAdapter(reg=0.1, reg_class=1.0).fit(
            np.vstack([Xs, Xt]), None, sample_domain=sd
        )


def test_bad_input(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    with pytest.raises(ValueError, match="no source rows"):
        OTDomainAdapter().fit(Xt, -np.ones(len(Xt), dtype=int))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        OTDomainAdapter().fit(X_nan, y)
    adapter = OTDomainAdapter().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        adapter.transform(X[:, :2])
    with pytest.raises(ValueError, match="features"):
        adapter.inverse_transform(X[:, :2])


def test_float32_stays_float32(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    X = X.astype(np.float32)
    adapter = OTDomainAdapter()
    assert adapter.fit_transform(X, y).dtype == np.float32
    assert adapter.transform(X[:5]).dtype == np.float32
    assert adapter.inverse_transform(X[:5]).dtype == np.float32


def test_pickle_round_trip(clouds, rng):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter().fit(X, y)
    again = pickle.loads(pickle.dumps(adapter))
    new = rng.normal(size=(7, 3))
    np.testing.assert_array_equal(again.transform(new), adapter.transform(new))


def test_parameters_are_not_mutated(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter()
    before = adapter.get_params()
    adapter.fit(X, y)
    assert adapter.get_params() == before


# -- maps fitted jointly with the plan (Perrot et al. 2016) -------------------


def test_linear_map_recovers_an_affine_shift(rng):
    # A symmetric positive definite A makes x -> A x + b the optimal map, so
    # the plan is the matching and the regressed map is exact.
    A = np.array([[2.0, 0.3], [0.3, 0.7]])
    b = np.array([1.0, -3.0])
    Xs = rng.normal(size=(60, 2))
    Xt = (Xs @ A.T + b)[rng.permutation(60)]
    X, y = stacked(Xs, Xt)
    adapter = OTDomainAdapter(out_of_sample="linear", map_reg=1e-8).fit(X, y)
    new = rng.normal(size=(10, 2))
    np.testing.assert_allclose(adapter.transform(new), new @ A.T + b, atol=1e-5)
    np.testing.assert_allclose(adapter.inverse_transform(new @ A.T + b), new,
                               atol=1e-5)
    np.testing.assert_allclose(adapter.fit_transform(X, y)[:60], Xs @ A.T + b,
                               atol=1e-5)


@pytest.mark.parametrize("kind", ["linear", "kernel"])
def test_joint_objective_decreases(kind, clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter(out_of_sample=kind, map_reg=0.1).fit(X, y)
    history = np.array(adapter._joint.history_)
    assert len(history) >= 2
    assert np.all(np.diff(history) <= 1e-9 * np.abs(history[:-1]))
    P = adapter.coupling_
    np.testing.assert_allclose(P.sum(1), 1 / 40, atol=1e-12)
    np.testing.assert_allclose(P.sum(0), 1 / 40, atol=1e-12)


def test_map_regularization_pulls_towards_identity(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    # Linear: the linear part goes to the identity; the bias is not
    # penalized, so the map becomes the translation between the means.
    strong = OTDomainAdapter(out_of_sample="linear", map_reg=1e6).fit(X, y)
    shift = Xt.mean(0) - Xs.mean(0)
    np.testing.assert_allclose(strong.transform(Xs), Xs + shift, atol=1e-4)
    # Kernel: the displacement goes to zero.
    strong = OTDomainAdapter(out_of_sample="kernel", map_reg=1e6).fit(X, y)
    weak = OTDomainAdapter(out_of_sample="kernel", map_reg=1e-6).fit(X, y)
    moved_strong = np.abs(strong.transform(Xs) - Xs).mean()
    moved_weak = np.abs(weak.transform(Xs) - Xs).mean()
    assert moved_strong < 1e-3 * moved_weak


def test_kernel_map_fits_the_plan_images(clouds, rng):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter(out_of_sample="kernel", map_reg=1e-4).fit(X, y)
    images = 40 * adapter.coupling_ @ Xt
    mapped = adapter.transform(Xs)
    assert np.abs(mapped - images).mean() < 0.1 * np.abs(Xs - images).mean()
    # Far from the data the kernel displacement vanishes.
    far = np.full((1, 3), 1e3)
    np.testing.assert_allclose(adapter.transform(far), far)


# -- in a pipeline -------------------------------------------------------------


def test_grid_search_over_adapter_parameters():
    X, y, y_t = make_domain_shift(
        "conditional", n_samples_source=60, n_samples_target=60,
        return_target_labels=True, random_state=0,
    )
    pipe = make_pipeline(
        StandardScaler(), DomainAdaptationClassifier(adapter=OTDomainAdapter())
    )
    grid = {
        "domainadaptationclassifier__adapter__metric": ["sqeuclidean", "cityblock"],
        "domainadaptationclassifier__adapter__out_of_sample": ["nearest", "linear"],
    }
    search = GridSearchCV(
        pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0),
        error_score="raise",
    ).fit(X, y)
    assert search.best_estimator_.score(X[60:], y_t) > 0.8


# -- entropic transport ----------------------------------------------------------


def _softmax_map(X_new, Y, g, reg, scale):
    """Reference entropic map, straight from its formula."""
    logits = np.log(1 / len(Y)) + (g[None, :] - cost_matrix(X_new, Y) / scale) / reg
    w = np.exp(logits - logits.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return w @ Y


def test_entropic_fit_and_out_of_sample_maps(clouds, rng):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    adapter = OTDomainAdapter(reg=0.1, tol=1e-12, max_iter=5000)
    mapped = adapter.fit_transform(X, y)[:40]
    P = adapter.coupling_
    np.testing.assert_allclose(mapped, (P @ Xt) / P.sum(1, keepdims=True))
    # Fitted rows: the continuous map agrees with the plan's projection.
    np.testing.assert_allclose(adapter.transform(Xs), mapped, atol=1e-8)
    new = rng.normal(size=(15, 3))
    f, g = adapter.potentials_
    expected = _softmax_map(new, Xt, g, 0.1, adapter.cost_scale_)
    np.testing.assert_allclose(adapter.transform(new), expected, atol=1e-10)
    back = _softmax_map(new, Xs, f, 0.1, adapter.cost_scale_)
    np.testing.assert_allclose(adapter.inverse_transform(new), back, atol=1e-10)


@pytest.mark.parametrize("reg", [1e-4, 1e-2, 1e2, 1e4])
def test_entropic_is_finite_at_any_regularization(clouds, reg):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs * 1e3, Xt * 1e3, ys)
    adapter = OTDomainAdapter(reg=reg, cost_scale=None, max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mapped = adapter.fit_transform(X, y)
    assert np.isfinite(mapped).all()
    assert np.isfinite(adapter.transform(X[:5] + 1.0)).all()


def test_large_regularization_maps_to_the_target_mean(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    mapped = OTDomainAdapter(reg=1e4).fit_transform(X, y)[:40]
    np.testing.assert_allclose(mapped, np.tile(Xt.mean(0), (40, 1)), atol=1e-3)


def test_matrix_free_matches_dense(clouds, rng, monkeypatch):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    params = dict(reg=0.2, cost_scale="max", tol=1e-12, max_iter=5000)
    dense = OTDomainAdapter(**params)
    mapped_dense = dense.fit_transform(X, y)
    monkeypatch.setattr(_ot_adapter, "_MATRIX_FREE_PAIRS", 0)
    free = OTDomainAdapter(**params)
    mapped_free = free.fit_transform(X, y)
    assert dense.coupling_ is not None and free.coupling_ is None
    assert free.cost_scale_ == pytest.approx(dense.cost_scale_)
    np.testing.assert_allclose(mapped_free, mapped_dense, atol=1e-8)
    new = rng.normal(size=(9, 3))
    np.testing.assert_allclose(free.transform(new), dense.transform(new), atol=1e-8)
    np.testing.assert_allclose(
        free.transform_labels(), dense.transform_labels(), atol=1e-8
    )
    np.testing.assert_allclose(
        free.inverse_transform(new), dense.inverse_transform(new), atol=1e-8
    )


def test_matrix_free_median_is_estimated(clouds, monkeypatch):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    monkeypatch.setattr(_ot_adapter, "_MATRIX_FREE_PAIRS", 0)
    monkeypatch.setattr(_ot_adapter, "_MEDIAN_SAMPLE", 500)
    a = OTDomainAdapter(reg=0.2, random_state=0).fit(X, y)
    b = OTDomainAdapter(reg=0.2, random_state=0).fit(X, y)
    assert a.cost_scale_ == b.cost_scale_
    assert a.cost_scale_ == pytest.approx(np.median(cost_matrix(Xs, Xt)), rel=0.05)


def test_entropic_float32(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    X = X.astype(np.float32)
    adapter = OTDomainAdapter(reg=0.1)
    assert adapter.fit_transform(X, y).dtype == np.float32
    assert adapter.transform(X[:3]).dtype == np.float32


# -- unbalanced and class-regularized transport ------------------------------------



def test_unbalanced_tends_to_balanced(clouds):
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    balanced = OTDomainAdapter(reg=0.1, tol=1e-10, max_iter=5000).fit(X, y)
    loose = OTDomainAdapter(reg=0.1, reg_marginals=1e5, tol=1e-10,
                            max_iter=5000).fit(X, y)
    np.testing.assert_allclose(loose.coupling_, balanced.coupling_, atol=1e-5)


def test_unbalanced_follows_the_target_proportions():
    # Same classes, target proportions 80/20: balanced transport must send
    # part of the source class 1 onto target class 0; unbalanced need not.
    X, y, y_t = make_domain_shift(
        "target", n_samples_source=100, n_samples_target=100, shift=1.4,
        noise=0.5, return_target_labels=True, random_state=0,
    )
    ys = y[:100]
    mismatch = ys[:, None] != y_t[None, :]
    balanced = OTDomainAdapter(reg=0.05).fit(X, y)
    unbalanced = OTDomainAdapter(reg=0.05, reg_marginals=0.05).fit(X, y)
    wrong_b = balanced.coupling_[mismatch].sum() / balanced.coupling_.sum()
    wrong_u = unbalanced.coupling_[mismatch].sum() / unbalanced.coupling_.sum()
    assert wrong_u < 0.5 * wrong_b


def test_class_regularization_makes_columns_single_class(rng):
    X, y, y_t = make_domain_shift(
        "conditional", n_samples_source=80, n_samples_target=80, n_classes=3,
        return_target_labels=True, random_state=0,
    )
    ys = y[:80]

    def mixing(P):
        # Mass a target column receives from its dominant class, on average.
        by_class = np.stack([P[ys == c].sum(0) for c in range(3)])
        return np.mean(by_class.max(0) / by_class.sum(0))

    plain = OTDomainAdapter(reg=0.1).fit(X, y)
    grouped = OTDomainAdapter(reg=0.1, reg_class=10.0).fit(X, y)
    assert mixing(grouped.coupling_) > mixing(plain.coupling_)
    assert mixing(grouped.coupling_) > 0.95
    np.testing.assert_allclose(grouped.coupling_.sum(0), 1 / 80, atol=1e-6)


def test_exact_class_regularization_in_a_full_grid(clouds):
    # reg=None with reg_class runs exact majorization steps, so a product
    # grid over reg and reg_class has no failing combination
    Xs, Xt, ys = clouds
    X, y = stacked(Xs, Xt, ys)
    exact = OTDomainAdapter().fit(X, y)
    grouped = OTDomainAdapter(reg_class=1.0).fit(X, y)
    n_s, n_t = Xs.shape[0], Xt.shape[0]
    np.testing.assert_allclose(grouped.coupling_.sum(1), 1 / n_s, atol=1e-12)
    np.testing.assert_allclose(grouped.coupling_.sum(0), 1 / n_t, atol=1e-12)
    M = cost_matrix(Xs, Xt) / grouped.cost_scale_

    def objective(P):
        by_class = np.stack([P[ys == c].sum(0) for c in np.unique(ys)])
        return np.vdot(P, M) + 1.0 * np.sqrt(by_class).sum()

    # the exact plan is optimal for the linear part; the steps start there
    # and never increase the penalized objective
    assert np.vdot(grouped.coupling_, M) >= np.vdot(exact.coupling_, M) - 1e-12
    assert objective(grouped.coupling_) <= objective(exact.coupling_) + 1e-9
    assert np.isfinite(grouped.transform(X)).all()


def test_class_regularization_with_string_labels(clouds):
    Xs, Xt, ys = clouds
    X = np.vstack([Xs, Xt])
    names = np.array(["a", "b"])[ys]
    y = np.r_[names, names]
    sd = np.r_[np.zeros(40, int), -np.ones(40, int)]
    adapter = OTDomainAdapter(reg=0.1, reg_class=1.0).fit(X, y, sample_domain=sd)
    assert adapter.coupling_.shape == (40, 40)


@pytest.mark.parametrize("out_of_sample", ["nearest", "entropic"])
def test_reg_grid_selects_the_same_on_rescaled_data(out_of_sample):
    # reg is relative to the median cost: the same grid gives the same
    # scores and selection on X and on 1000 * X
    X, y = make_domain_shift(n_samples_source=60, n_samples_target=60,
                             random_state=0)
    grid = {"adapter__reg": [0.01, 0.1, 1.0]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    searches = [
        GridSearchCV(
            DomainAdaptationClassifier(
                # the classifier sees standardized features, so that only
                # the adapter could depend on the scale
                make_pipeline(StandardScaler(), LogisticRegression()),
                adapter=OTDomainAdapter(out_of_sample=out_of_sample),
            ),
            grid, cv=cv, error_score="raise",
        ).fit(scale * X, y)
        for scale in (1.0, 1000.0)
    ]
    assert searches[0].best_params_ == searches[1].best_params_
    np.testing.assert_allclose(searches[0].cv_results_["mean_test_score"],
                               searches[1].cv_results_["mean_test_score"])
    a, b = (s.best_estimator_.adapter_ for s in searches)
    np.testing.assert_allclose(1000 * a.transform(X), b.transform(1000 * X),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("reg", [None, 0.1])
def test_verbose_prints_progress(clouds, capsys, reg):
    Xs, Xt, ys = clouds
    X, y = np.vstack([Xs, Xt]), np.r_[ys, -np.ones(len(Xt), dtype=int)]
    OTDomainAdapter(reg=reg).fit(X, y)
    assert capsys.readouterr().out == ""
    OTDomainAdapter(reg=reg, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "40 source x 40 target rows" in out
    assert "iterations, objective" in out and out.rstrip().endswith(" s")


@pytest.mark.parametrize("shape", [(50, 40), (1, 300), (300, 1), (7, 7)])
def test_plan_operator_is_sparse_exactly_under_one_percent(rng, shape):
    from scipy import sparse

    from sklot.adaptation._ot_maps import plan_operator

    size = shape[0] * shape[1]
    for nnz in {0, 1, int(np.ceil(0.01 * size)) - 1, int(np.ceil(0.01 * size)),
                size // 2, size}:
        plan = np.zeros(size)
        plan[rng.choice(size, nnz, replace=False)] = rng.uniform(0.1, 1, nnz)
        plan = plan.reshape(shape)
        out = plan_operator(plan)
        assert sparse.issparse(out) == (nnz < 0.01 * size), nnz
        np.testing.assert_array_equal(
            out.toarray() if sparse.issparse(out) else out, plan
        )
