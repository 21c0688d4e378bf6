"""Clustering of distribution-valued data."""

__all__ = []
