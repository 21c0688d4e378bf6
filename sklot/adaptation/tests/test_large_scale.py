"""OTDomainAdapter at scale: subsampled solves and chunked parallel mapping."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklot.adaptation import (
    DomainAdaptationClassifier,
    OTDomainAdapter,
    _large_scale,
    _ot_adapter,
    transport_cache,
)
from sklot.adaptation._large_scale import map_in_chunks
from sklot.datasets import make_domain_shift


@pytest.fixture
def data():
    return make_domain_shift(
        "covariate", n_samples_source=300, n_samples_target=240, n_features=4,
        shift=3.0, random_state=0,
    )


@pytest.mark.parametrize("params", [
    {"reg": 0.1}, {"reg": None}, {"reg": 0.1, "out_of_sample": "nearest"},
    {"out_of_sample": "linear"},
])
def test_subsampled_fit_maps_every_source_row(data, params):
    X, y = data
    adapter = OTDomainAdapter(max_samples=100, random_state=0, **params)
    out = adapter.fit_transform(X, y)
    source = y != -1
    assert out.shape == X.shape
    assert adapter.X_source_.shape == (100, 4)
    assert adapter.X_target_.shape == (100, 4)
    assert adapter.coupling_.shape == (100, 100)
    np.testing.assert_array_equal(out[~source], X[~source])
    # the mapped source lands on the target cloud (shift 3 along the plane)
    gap = np.abs(out[source].mean(0) - X[~source].mean(0)).max()
    assert gap < 0.3, gap
    # rows that were solved keep their in-sample (barycentric) images
    solved = np.flatnonzero(
        (X[source][:, None, :] == adapter.X_source_[None]).all(-1).any(1)
    )
    assert solved.shape[0] == 100
    np.testing.assert_allclose(
        out[source][solved].mean(0), adapter.X_target_.mean(0), atol=1e-4
    )


def test_subsample_is_reproducible_and_covers_all_rows_when_large(data):
    X, y = data
    with transport_cache(enabled=False):  # fits from scratch, bit for bit
        _check_reproducible(X, y)


def _check_reproducible(X, y):
    a = OTDomainAdapter(reg=0.1, max_samples=0.5, random_state=3).fit_transform(X, y)
    b = OTDomainAdapter(reg=0.1, max_samples=0.5, random_state=3).fit_transform(X, y)
    np.testing.assert_array_equal(a, b)
    full = OTDomainAdapter(reg=0.1).fit(X, y)
    everything = OTDomainAdapter(reg=0.1, max_samples=1000).fit(X, y)
    np.testing.assert_array_equal(everything.coupling_, full.coupling_)
    np.testing.assert_array_equal(
        everything.fit_transform(X, y), full.fit_transform(X, y)
    )


def test_subsampled_map_approximates_the_full_one(data):
    X, y = data
    source = y != -1
    full = OTDomainAdapter(reg=0.1).fit_transform(X, y)[source]
    sub = OTDomainAdapter(reg=0.1, max_samples=150, random_state=0).fit_transform(
        X, y
    )[source]
    moved = np.linalg.norm(full - X[source], axis=1).mean()
    err = np.linalg.norm(sub - full, axis=1).mean()
    assert err < 0.25 * moved, (err, moved)


@pytest.mark.parametrize("max_samples", [0, -1, 1.5, 0.0])
def test_bad_max_samples_is_rejected(data, max_samples):
    X, y = data
    with pytest.raises(ValueError, match="max_samples"):
        OTDomainAdapter(max_samples=max_samples).fit(X, y)


@pytest.mark.parametrize("oos", ["entropic", "nearest"])
def test_parallel_chunks_give_the_same_rows(data, oos):
    X, y = data
    rng = np.random.default_rng(0)
    X_new = rng.normal(size=(9000, 4))
    serial = OTDomainAdapter(reg=0.1, out_of_sample=oos).fit(X, y)
    parallel = OTDomainAdapter(reg=0.1, out_of_sample=oos, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(
        parallel.transform(X_new), serial.transform(X_new), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        parallel.inverse_transform(X_new), serial.inverse_transform(X_new),
        rtol=1e-12, atol=1e-12,
    )


def test_map_in_chunks_splits_and_keeps_order():
    X = np.arange(20000.0).reshape(-1, 2)
    calls = []

    def func(block):
        calls.append(block.shape[0])
        return block * 2

    np.testing.assert_array_equal(map_in_chunks(func, X, 2), X * 2)
    assert len(calls) > 1 and sum(calls) == X.shape[0]
    calls.clear()
    np.testing.assert_array_equal(map_in_chunks(func, X, None), X * 2)
    assert calls == [X.shape[0]]


def test_a_plan_larger_than_memory_is_refused_with_the_fix(data, monkeypatch):
    X, y = data
    n_s, n_t = int((y != -1).sum()), int((y == -1).sum())
    # a machine whose memory holds the matrices of 100 rows, not of all rows
    monkeypatch.setattr(_large_scale, "physical_memory", lambda: 16 * 100**2)
    expected = rf"{n_s} source and {n_t} target.*max_samples=5000"
    with pytest.raises(MemoryError, match=expected):
        OTDomainAdapter().fit(X, y)
    OTDomainAdapter(max_samples=100, random_state=0).fit(X, y)


def test_an_allocation_failure_names_the_fix(data, monkeypatch):
    X, y = data

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate")

    monkeypatch.setattr(_ot_adapter.solvers, "cost_matrix", no_memory)
    with transport_cache(enabled=False), pytest.raises(
        MemoryError, match="max_samples=5000"
    ) as info:
        OTDomainAdapter().fit(X, y)
    assert isinstance(info.value.__cause__, MemoryError)


def test_auto_max_samples_caps_each_domain(data, monkeypatch):
    X, y = data
    full = OTDomainAdapter(max_samples=None).fit(X, y)
    auto = OTDomainAdapter().fit(X, y)  # below the cap: every row
    np.testing.assert_array_equal(auto.coupling_, full.coupling_)
    monkeypatch.setattr(_ot_adapter, "_AUTO_MAX_SAMPLES", 100)
    capped = OTDomainAdapter(random_state=0).fit(X, y)
    assert capped.X_source_.shape[0] == capped.X_target_.shape[0] == 100
    assert capped.fit_transform(X, y).shape == X.shape


def test_subsampled_label_shift_weights_every_source_row():
    X, y = make_domain_shift("target", n_samples_source=300, n_samples_target=240,
                             random_state=0)
    source = y != -1
    adapter = OTDomainAdapter(max_samples=100, target_proportions="estimate",
                              random_state=0)
    clf = DomainAdaptationClassifier(LogisticRegression(), adapter).fit(X, y)
    weight = clf.adapter_.source_weight_
    assert weight.shape == (int(source.sum()),)
    assert weight.mean() == pytest.approx(1.0)
    # one weight per class: the target share over the share among all rows
    ys = y[source]
    for label, share in zip(np.unique(ys), clf.adapter_.target_proportions_):
        np.testing.assert_allclose(weight[ys == label],
                                   share / np.mean(ys == label), rtol=1e-12)
