"""Shared pytest fixtures.

Tests draw randomness from the ``rng`` fixture (a seeded
``numpy.random.Generator``), never from ``np.random.seed``.
"""

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# scikit-learn's check_array_api_input (one per estimator in
# tests/test_common.py) skips unless scipy was imported with SCIPY_ARRAY_API=1;
# set here, before any test module imports scipy, so that it runs.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.fixture
def seed(request):
    """A per-test seed, stable across runs and independent of test order."""
    return _stable_seed(request.node.nodeid)


def _stable_seed(text):
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % (2**31 - 1)
    return value


@pytest.fixture
def rng(seed):
    """A seeded random generator for the current test."""
    return np.random.default_rng(seed)
