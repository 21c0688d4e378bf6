"""Wasserstein distributionally robust linear models."""

from ._dro import WassersteinDROClassifier
from ._perturbation import worst_case_perturbation

__all__ = ["WassersteinDROClassifier", "worst_case_perturbation"]
