"""Wasserstein distributionally robust linear models."""

__all__ = []
