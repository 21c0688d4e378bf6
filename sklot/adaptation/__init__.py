"""Domain adapters, the Gaussian Monge mapper and domain-adaptation meta-estimators."""

from ._gaussian import GaussianMongeMapper
from ._meta import DomainAdaptationClassifier, DomainAdaptationRegressor
from ._ot_adapter import OTDomainAdapter
from ._pipeline import TargetMarkerWarning, make_da_pipeline
from ._transport_cache import transport_cache

__all__ = [
    "DomainAdaptationClassifier",
    "DomainAdaptationRegressor",
    "GaussianMongeMapper",
    "OTDomainAdapter",
    "TargetMarkerWarning",
    "make_da_pipeline",
    "transport_cache",
]
