"""Domain adapters, the Gaussian Monge mapper and domain-adaptation meta-estimators."""

from ._gaussian import GaussianMongeMapper

__all__ = [
    "GaussianMongeMapper",
]
