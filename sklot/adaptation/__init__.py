"""Domain adapters, the Gaussian Monge mapper and domain-adaptation meta-estimators."""

from ..utils._label_shift import LabelShiftWarning, estimate_target_proportions
from ._gaussian import GaussianMongeMapper
from ._meta import DomainAdaptationClassifier, DomainAdaptationRegressor
from ._multi_source import MultiSourceAdapter
from ._ot_adapter import OTDomainAdapter
from ._pipeline import TargetMarkerWarning, make_da_pipeline
from ._reweight import ImportanceReweighter
from ._search import NegativeTransferGuard
from ._subspace import SubspaceAligner
from ._tca import TransferComponentAnalysis
from ._transport_cache import transport_cache

__all__ = [
    "DomainAdaptationClassifier",
    "DomainAdaptationRegressor",
    "GaussianMongeMapper",
    "ImportanceReweighter",
    "LabelShiftWarning",
    "MultiSourceAdapter",
    "NegativeTransferGuard",
    "OTDomainAdapter",
    "TargetMarkerWarning",
    "TransferComponentAnalysis",
    "make_da_pipeline",
    "transport_cache",
    "SubspaceAligner",
    "estimate_target_proportions",
]
