"""Matcher: a tumor's molecular report in, a ranked and cited list of therapies and trials out."""

__version__ = "0.1.0"

__all__ = ["__version__"]
