"""Sliced-Wasserstein kernel and embedding transformers."""

from ._sliced import SlicedWassersteinEmbedding, SlicedWassersteinKernel

__all__ = ["SlicedWassersteinEmbedding", "SlicedWassersteinKernel"]
