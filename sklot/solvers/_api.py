"""The solver internals that estimators may use: the one documented door.

Estimator packages (``adaptation``, ``cluster``, ``color``, ``kernels``)
import ``sklot.solvers`` public names, or the names listed here, and
nothing else from the solver layer. The import-linter contract in
``pyproject.toml`` enforces it, and ``sklot/solvers/tests/test_api.py`` pins
this list, so changing a name here is a deliberate change of the contract.

They are internal because they skip validation (inner loops call them
thousands of times on inputs already checked) or because they serve one
estimator family (the colour transfer engine, the Gaussian moments).
"""

from .._kernels._config import single_threaded
from ._barycenter._fixed_support import _exact_fixed_support, _ibp
from ._barycenter._one_d import _merge_levels, _quantiles_at, _sorted_cdf
from ._cost import METRICS, _sqeuclidean, cost_median, pairwise_median
from ._entropic._batched import _entropic_costs
from ._entropic._sinkhorn import _sinkhorn_checked
from ._exact._emd import _emd_valid
from ._gaussian._linalg import (
    RCOND,
    _bures_squared,
    _eigh_psd,
    _empirical_moments,
    _from_eig,
    _monge_matrix,
)
from ._sliced._pairwise import _check_diagrams
from ._sliced._transfer import (
    MomentAccumulator,
    apply_lut,
    build_lut,
    grid_palette,
    palette_bandwidth,
    projected_cdfs,
    random_rotations,
    sliced_transfer,
    smooth_displacement,
    transfer_1d,
)

__all__ = [
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
]
