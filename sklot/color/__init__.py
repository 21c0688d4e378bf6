"""Colour transfer between images."""

__all__ = []
