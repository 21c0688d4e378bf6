"""The internal solver names that estimators use are a contract."""

import ast
import pathlib

import sklot
from sklot.solvers import _api

EXPECTED = {
    "METRICS",
    "MomentAccumulator",
    "RCOND",
    "_bures_squared",
    "_check_diagrams",
    "_eigh_psd",
    "_emd_valid",
    "_empirical_moments",
    "_entropic_costs",
    "_exact_fixed_support",
    "_from_eig",
    "_ibp",
    "_merge_levels",
    "_monge_matrix",
    "_quantiles_at",
    "_sinkhorn_checked",
    "_sorted_cdf",
    "_sqeuclidean",
    "apply_lut",
    "build_lut",
    "cost_median",
    "grid_palette",
    "pairwise_median",
    "palette_bandwidth",
    "projected_cdfs",
    "random_rotations",
    "single_threaded",
    "sliced_transfer",
    "smooth_displacement",
    "transfer_1d",
}

ESTIMATOR_PACKAGES = ("adaptation", "cluster", "color", "kernels", "linear_model",
                      "metrics", "preprocessing", "datasets")


def test_internal_api_names_are_pinned():
    assert set(_api.__all__) == EXPECTED
    for name in _api.__all__:
        assert getattr(_api, name) is not None


def _solver_imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = "." * node.level + node.module
            if "solvers" in module:
                yield module, [alias.name for alias in node.names]


def test_estimators_use_only_the_documented_internal_module():
    root = pathlib.Path(sklot.__file__).parent
    used = set()
    for package in ESTIMATOR_PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "tests" in path.parts:
                continue
            for module, names in _solver_imports(path):
                assert module.endswith(("solvers", "solvers._api")), (path, module)
                if module.endswith("_api"):
                    used.update(names)
    # every name of the contract is used by some estimator, so it can shrink
    # when an estimator stops needing one
    assert used == EXPECTED, EXPECTED ^ used
