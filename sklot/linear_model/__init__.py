"""Wasserstein distributionally robust linear models."""

from ._dro import WassersteinDROClassifier

__all__ = ["WassersteinDROClassifier"]
