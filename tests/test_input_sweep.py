"""Every public callable against a catalogue of bad and extreme inputs.

The cases and their classification live in ``tests/_sweep.py``; this module
runs them once (about a minute on two cores) and asserts the library's
promise: no hang, no NaN or inf from finite input, no invalid
input accepted, no exception other than a ValueError/TypeError, and at most
2% of rejected calls with a message that does not name the argument.
"""

import functools
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import _sweep  # noqa: E402

FAILURES = {"hang", "nan", "silent", "crash"}


@functools.lru_cache(maxsize=1)
def _results():
    return tuple(_sweep.run_sweep())


def _summary(results):
    counts = _sweep.counts(results)
    rejected = counts["clear"] + counts["unclear"] + counts["crash"]
    return counts, rejected


def test_every_public_callable_has_a_base_call():
    missing = _sweep.undiscovered()
    assert not missing, (
        f"add a valid base call to tests/_sweep.py (BASE_CALLS or "
        f"_est_factories) for: {missing}"
    )


def test_base_calls_succeed():
    bad = [r for r in _results() if r.case.kind == "base" and r.outcome != "ok"]
    assert not bad, [(r.case.key, r.outcome, r.detail) for r in bad]


def _callables():
    names = sorted({c.callable_name.split(".")[0] for c in _sweep.all_cases()})
    return names


@pytest.mark.parametrize("name", _callables())
def test_no_hang_nan_crash_or_silent_acceptance(name):
    failed = [
        f"{r.outcome}: {r.case.key}: {r.detail[:200]}"
        for r in _results()
        if r.case.callable_name.split(".")[0] == name
        and r.outcome in FAILURES
    ]
    assert not failed, "\n".join(failed)


def test_rejections_name_the_argument():
    results = _results()
    counts, rejected = _summary(results)
    unclear = [r for r in results if r.outcome == "unclear"]
    share = len(unclear) / max(rejected, 1)
    assert share <= 0.02, "\n".join(f"{r.case.key}: {r.detail[:200]}" for r in unclear)


def test_sweep_counts(capsys):
    counts, rejected = _summary(_results())
    with capsys.disabled():
        print(
            "\ninput sweep: "
            + ", ".join(f"{k} {counts[k]}" for k in ("calls", *_sweep.OUTCOMES))
            + f"; unclear share of rejected {counts['unclear'] / max(rejected, 1):.2%}"
        )
    assert counts["calls"] > 1000
