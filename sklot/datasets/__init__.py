"""Data generators and small embedded data sets (nothing is downloaded)."""

__all__ = []
