"""Distances, kernels and domain-adaptation scorers."""

__all__ = []
