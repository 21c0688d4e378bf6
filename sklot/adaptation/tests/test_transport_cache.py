"""Reuse of transport work between adapter fits (warm-started tuning)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklot.adaptation import (
    DomainAdaptationClassifier,
    OTDomainAdapter,
    transport_cache,
)
from sklot.adaptation._transport_cache import _CACHE
from sklot.datasets import make_domain_shift


@pytest.fixture
def data():
    return make_domain_shift(
        "conditional", n_samples_source=90, n_samples_target=90, n_features=5,
        n_classes=3, random_state=0,
    )


def _fit(adapter, X, y, **kwargs):
    return clone(adapter).fit(X, y, **kwargs)


@pytest.mark.parametrize("regs", [[1.0, 0.3, 0.1, 0.03, 0.01], [0.01, 0.1, 1.0]])
def test_reg_path_matches_fits_from_scratch(data, regs):
    X, y = data
    with transport_cache(enabled=False):
        scratch = [_fit(OTDomainAdapter(reg=r, tol=1e-9), X, y) for r in regs]
    with transport_cache(clear=True):
        reused = [_fit(OTDomainAdapter(reg=r, tol=1e-9), X, y) for r in regs]
        assert _CACHE.hits > 0, "fits on the same rows reused nothing"
    for r, s, w in zip(regs, scratch, reused):
        assert w.cost_scale_ == s.cost_scale_
        np.testing.assert_allclose(
            w.coupling_, s.coupling_, rtol=1e-4, atol=1e-9 / len(y),
            err_msg=f"reg={r}",
        )
        np.testing.assert_allclose(
            w.transform(X[:20]), s.transform(X[:20]), rtol=1e-6, atol=1e-7
        )


@pytest.mark.parametrize("params", [
    {"reg": None},
    {"reg": 0.1, "reg_class": 1.0},
    {"reg": 0.1, "reg_marginals": 1.0},
    {"reg": 0.1, "cost_scale": "max"},
    {"reg": 0.1, "metric": "cityblock"},
    {"out_of_sample": "linear"},
])
def test_flavours_sharing_the_cost_match_fits_from_scratch(data, params):
    X, y = data
    with transport_cache(enabled=False):
        scratch = _fit(OTDomainAdapter(**params), X, y)
    with transport_cache(clear=True):
        _fit(OTDomainAdapter(reg=0.3), X, y)
        _fit(OTDomainAdapter(reg=0.3, cost_scale="max"), X, y)
        reused = _fit(OTDomainAdapter(**params), X, y)
        reused_again = _fit(OTDomainAdapter(**params), X, y)
    for fitted in (reused, reused_again):
        np.testing.assert_allclose(
            fitted.coupling_, scratch.coupling_, rtol=1e-4, atol=1e-9 / len(y)
        )


def test_semi_supervised_fit_does_not_touch_the_cached_cost(data):
    X, y = data
    domain = np.where(y == -1, -1, 0)
    y_semi = y.copy()
    y_semi[-10:] = 0  # labelled target rows
    with transport_cache(clear=True):
        plain = _fit(OTDomainAdapter(reg=0.1, tol=1e-9), X, y_semi,
                     sample_domain=domain)
        semi = _fit(OTDomainAdapter(reg=0.1, tol=1e-9), X, y_semi,
                    sample_domain=domain)
        after = _fit(OTDomainAdapter(reg=0.1, tol=1e-9), X, y)
    with transport_cache(enabled=False):
        expected = _fit(OTDomainAdapter(reg=0.1, tol=1e-9), X, y)
    np.testing.assert_allclose(semi.coupling_, plain.coupling_, atol=1e-12)
    np.testing.assert_allclose(after.coupling_, expected.coupling_, atol=1e-10)


def test_other_data_never_hits_an_entry(data):
    X, y = data
    X2 = X.copy()
    X2[0, 0] += 1e-9  # one entry differs: another fold, another key
    with transport_cache(clear=True):
        _fit(OTDomainAdapter(reg=0.1), X, y)
        hits = _CACHE.hits
        other = _fit(OTDomainAdapter(reg=0.1, tol=1e-9), X2, y)
        assert _CACHE.hits == hits
    with transport_cache(enabled=False):
        expected = _fit(OTDomainAdapter(reg=0.1, tol=1e-9), X2, y)
    np.testing.assert_array_equal(other.coupling_, expected.coupling_)


def test_memory_budget_is_respected(data):
    X, y = data
    with transport_cache(clear=True, max_bytes=0):
        _fit(OTDomainAdapter(reg=0.1), X, y)
        assert sum(e.nbytes for e in _CACHE._entries.values()) == 0
    with transport_cache(clear=True, max_bytes=10**6):
        for shift in range(5):
            _fit(OTDomainAdapter(reg=0.1), X + shift, y)
        assert sum(e.nbytes for e in _CACHE._entries.values()) <= 10**6


def test_a_budget_for_the_cost_alone_still_shares_the_cost(data):
    X, y = data
    with transport_cache(enabled=False):
        expected = _fit(OTDomainAdapter(reg=0.1), X, y)
    n_source = int((y != -1).sum())
    cost_bytes = n_source * (len(y) - n_source) * 8
    # room for the raw matrix, not for the scaled one next to it
    with transport_cache(clear=True, max_bytes=2 * cost_bytes + 1000):
        first = _fit(OTDomainAdapter(reg=0.1), X, y)
        (entry,) = _CACHE._entries.values()
        assert entry.cost is not None and not entry.scaled
        hits = _CACHE.hits
        again = _fit(OTDomainAdapter(reg=0.1), X, y)
        assert _CACHE.hits == hits + 2  # the cost and its scale
    for fitted in (first, again):
        np.testing.assert_array_equal(fitted.coupling_, expected.coupling_)


def test_grid_search_scores_equal_with_and_without_reuse(data):
    X, y = data
    model = DomainAdaptationClassifier(
        LogisticRegression(), OTDomainAdapter(tol=1e-9)
    )
    grid = {"adapter__reg": [1.0, 0.3, 0.1, 0.03], "adapter__reg_class": [None, 1.0]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)

    def run():
        return GridSearchCV(clone(model), grid, cv=cv, error_score="raise").fit(
            X, y
        ).cv_results_

    with transport_cache(enabled=False):
        scratch = run()
    with transport_cache(clear=True):
        reused = run()
        assert _CACHE.hits > 0
    np.testing.assert_allclose(
        reused["split0_test_score"], scratch["split0_test_score"], atol=1e-6
    )
    np.testing.assert_allclose(
        reused["mean_test_score"], scratch["mean_test_score"], atol=1e-6
    )


def test_cloned_adapter_is_unchanged_by_the_cache(data):
    X, y = data
    adapter = OTDomainAdapter(reg=0.1)
    params = adapter.get_params()
    fitted = clone(adapter).fit(X, y)
    assert clone(fitted).get_params() == params
    assert not hasattr(clone(fitted), "coupling_")


def test_transport_cache_rejects_bad_arguments():
    with pytest.raises(TypeError, match="enabled"):
        with transport_cache(enabled="no"):
            pass
    with pytest.raises(ValueError, match="max_bytes"):
        with transport_cache(max_bytes=-1):
            pass


def test_context_restores_the_previous_state():
    before = (_CACHE.enabled, _CACHE.max_bytes)
    with transport_cache(enabled=False, max_bytes=123):
        assert not _CACHE.enabled and _CACHE.max_bytes == 123
    assert (_CACHE.enabled, _CACHE.max_bytes) == before


def test_warm_start_reuses_potentials_of_a_nearby_reg(data):
    X, y = data
    with transport_cache(clear=True):
        _fit(OTDomainAdapter(reg=0.2, tol=1e-9), X, y)
        (entry,) = _CACHE._entries.values()
        assert [r for _, r in entry.potentials] == [0.2]
        hits = _CACHE.hits
        warm = _fit(OTDomainAdapter(reg=0.1, tol=1e-9), X, y)
        # cost, scale and the potentials of reg=0.2 were reused
        assert _CACHE.hits == hits + 3
        far = _fit(OTDomainAdapter(reg=0.01, tol=1e-9), X, y)
        # 0.01 is more than a factor 4 from 0.1 and 0.2: no warm start
        assert _CACHE.hits == hits + 5
        assert sorted(r for _, r in entry.potentials) == [0.01, 0.1, 0.2]
    with transport_cache(enabled=False):
        for fitted, reg in ((warm, 0.1), (far, 0.01)):
            scratch = _fit(OTDomainAdapter(reg=reg, tol=1e-9), X, y)
            np.testing.assert_allclose(
                fitted.coupling_, scratch.coupling_, rtol=1e-4,
                atol=1e-9 / len(y),
            )


def test_warm_start_is_keyed_by_marginals_and_bounded(data):
    from sklot.adaptation import _transport_cache as tc

    X, y = data
    with transport_cache(clear=True):
        _fit(OTDomainAdapter(reg=0.2), X, y)
        hits = _CACHE.hits
        # other source weights: same cost matrix, other problem
        _fit(OTDomainAdapter(reg=0.2, target_proportions="estimate"), X, y)
        assert _CACHE.hits == hits + 2
        (entry,) = _CACHE._entries.values()
        assert len({tag for tag, _ in entry.potentials}) == 2
        for reg in np.geomspace(1.0, 0.01, tc._MAX_POTENTIALS + 4):
            _fit(OTDomainAdapter(reg=float(reg)), X, y)
        assert len(entry.potentials) == tc._MAX_POTENTIALS


def test_refit_of_a_solved_reg_is_bitwise_the_fit_from_scratch(data):
    X, y = data
    with transport_cache(clear=True):
        first = _fit(OTDomainAdapter(reg=0.1), X, y)
        _fit(OTDomainAdapter(reg=0.2), X, y)
        again = _fit(OTDomainAdapter(reg=0.1), X, y)
    np.testing.assert_array_equal(again.coupling_, first.coupling_)


def test_fits_on_the_shared_scaled_cost_are_bitwise_the_fits_without_reuse(data):
    from sklot.utils._validation import cost_spread

    X, y = data
    with transport_cache(enabled=False):
        expected = _fit(OTDomainAdapter(reg=0.1), X, y)
    with transport_cache(clear=True):
        first = _fit(OTDomainAdapter(reg=0.1), X, y)
        _fit(OTDomainAdapter(reg=0.2), X, y)
        again = _fit(OTDomainAdapter(reg=0.1), X, y)
        (entry,) = _CACHE._entries.values()
        # one scaled matrix, read only, with its spread, for all candidates
        C = entry.scaled["median"]
        assert not C.flags.writeable
        assert entry.spreads["median"] == cost_spread(C)
        np.testing.assert_array_equal(C, entry.cost / first.cost_scale_)
    for fitted in (first, again):
        np.testing.assert_array_equal(fitted.coupling_, expected.coupling_)
        np.testing.assert_array_equal(
            fitted._fitted_images, expected._fitted_images
        )
        np.testing.assert_array_equal(fitted.transform(X), expected.transform(X))
