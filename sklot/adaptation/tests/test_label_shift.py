import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklot.adaptation import (
    DomainAdaptationClassifier,
    LabelShiftWarning,
    OTDomainAdapter,
    estimate_target_proportions,
)
from sklot.datasets import make_domain_shift


def _blobs(priors, n, rng, means=((0.0, 0.0), (2.5, 0.0), (0.0, 2.5))):
    labels = rng.choice(len(priors), size=n, p=priors)
    X = np.asarray(means)[labels] + rng.standard_normal((n, 2))
    return X, labels


@pytest.mark.parametrize("method", ["em", "bbse"])
@pytest.mark.parametrize(
    "target", [(0.6, 0.3, 0.1), (0.1, 0.1, 0.8), (1 / 3, 1 / 3, 1 / 3)]
)
def test_proportions_recovered_under_known_shift(method, target):
    errors = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        Xs, ys = _blobs([1 / 3] * 3, 900, rng)
        Xt, yt = _blobs(target, 900, rng)
        est = estimate_target_proportions(Xs, ys, Xt, method=method)
        assert est.shape == (3,)
        assert est.sum() == pytest.approx(1.0)
        errors.append(np.abs(est - np.bincount(yt, minlength=3) / 900).sum())
    # L1 error of a few points, far below the shift itself
    assert np.mean(errors) < 0.08


def test_em_beats_source_prior_on_binary_shift():
    rng = np.random.default_rng(0)
    Xs, ys = _blobs([0.5, 0.5], 600, rng)
    Xt, _ = _blobs([0.9, 0.1], 600, rng)
    est = estimate_target_proportions(Xs, ys, Xt)
    assert abs(est[0] - 0.9) < 0.05


def test_proportions_follow_label_order_and_strings():
    rng = np.random.default_rng(1)
    Xs, ys = _blobs([0.5, 0.5], 400, rng)
    Xt, _ = _blobs([0.8, 0.2], 400, rng)
    names = np.array(["b", "a"])[ys]  # class "a" is label 1
    est = estimate_target_proportions(Xs, names, Xt)
    assert est[0] < est[1]  # np.unique order: "a" (rare) then "b"


def test_collapsed_estimate_falls_back_to_source_proportions():
    # the classes themselves move (class 1 lands where class 0 was): EM
    # would give every target row to class 0
    rng = np.random.default_rng(0)
    Xs, ys = _blobs([0.5, 0.5], 600, rng)
    Xt = rng.standard_normal((600, 2)) + np.array([-3.0, 0.0])
    with pytest.warns(LabelShiftWarning, match="empty class 1"):
        est = estimate_target_proportions(Xs, ys, Xt)
    np.testing.assert_allclose(est, np.bincount(ys) / ys.size)
    # a strong but genuine label shift keeps its estimate, without warning
    Xt, _ = _blobs([0.95, 0.05], 600, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabelShiftWarning)
        est = estimate_target_proportions(Xs, ys, Xt)
    assert abs(est[1] - 0.05) < 0.03


def test_proportions_bad_method():
    with pytest.raises(ValueError, match="method"):
        estimate_target_proportions(np.zeros((4, 1)), [0, 1, 0, 1],
                                    np.zeros((2, 1)), method="x")


def _target_shift(seed=0):
    return make_domain_shift(
        "target", n_samples_source=200, n_samples_target=200, shift=1.5,
        return_target_labels=True, random_state=seed,
    )


def test_adapter_weights_source_mass_by_estimated_proportions():
    X, y, y_t = _target_shift()
    adapter = OTDomainAdapter(reg=0.1, target_proportions="estimate").fit(X, y)
    truth = np.bincount(y_t) / y_t.size
    assert np.abs(adapter.target_proportions_ - truth).sum() < 0.1
    w = adapter.source_weight_
    assert w.mean() == pytest.approx(1.0)
    ys = y[y != -1]
    # the plan's source marginal is the weighted mass
    np.testing.assert_allclose(adapter.coupling_.sum(axis=1), w / w.size, atol=1e-6)
    # class mass in the plan equals the target proportion
    for c in (0, 1):
        mass = adapter.coupling_[ys == c].sum()
        assert mass == pytest.approx(adapter.target_proportions_[c], abs=1e-6)


def test_adapter_given_proportions_and_none():
    X, y, _ = _target_shift()
    given = OTDomainAdapter(target_proportions=[0.25, 0.75]).fit(X, y)
    np.testing.assert_allclose(given.target_proportions_, [0.25, 0.75])
    plain = OTDomainAdapter().fit(X, y)
    assert plain.target_proportions_ is None and plain.source_weight_ is None


def test_adapter_label_shift_recovers_accuracy_lost_by_plain_ot():
    gains, losses = [], []
    for seed in range(3):
        X, y, y_t = _target_shift(seed)
        Xt = X[y == -1]
        source_only = LogisticRegression().fit(X[y != -1], y[y != -1])
        plain = DomainAdaptationClassifier(
            LogisticRegression(), OTDomainAdapter(reg=0.1)
        ).fit(X, y)
        shifted = DomainAdaptationClassifier(
            LogisticRegression(),
            OTDomainAdapter(reg=0.1, target_proportions="estimate"),
        ).fit(X, y)
        losses.append(source_only.score(Xt, y_t) - plain.score(Xt, y_t))
        gains.append(shifted.score(Xt, y_t) - plain.score(Xt, y_t))
    assert np.mean(losses) > 0  # plain OT loses under label shift
    assert np.mean(gains) >= 0.5 * np.mean(losses)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"out_of_sample": "linear"}, "target_proportions"),
        ({"target_proportions": [0.2, 0.3, 0.5]}, "one proportion per"),
        ({"target_proportions": [-1.0, 2.0]}, "non-negative"),
    ],
)
def test_adapter_label_shift_errors(kwargs, match):
    X, y, _ = _target_shift()
    kwargs = {"target_proportions": "estimate", **kwargs}
    with pytest.raises(ValueError, match=match):
        OTDomainAdapter(**kwargs).fit(X, y)


def test_adapter_label_shift_needs_classes():
    X, y = make_domain_shift("target", task="regression", n_samples_source=40,
                             n_samples_target=40, random_state=0)
    with pytest.raises(ValueError, match="class labels"):
        OTDomainAdapter(target_proportions="estimate").fit(X, y)
