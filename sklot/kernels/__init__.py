"""Sliced-Wasserstein kernel and embedding transformers."""

__all__ = []
