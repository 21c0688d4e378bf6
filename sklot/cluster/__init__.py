"""Clustering of distribution-valued data."""

from ._wasserstein_kmeans import WassersteinKMeans

__all__ = ["WassersteinKMeans"]
