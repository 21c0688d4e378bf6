"""Domain adapters, the Gaussian Monge mapper and domain-adaptation meta-estimators."""

__all__ = []
