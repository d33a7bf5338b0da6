"""Processors shipped with nuthatch."""
from .timeseries import timeseries

__all__ = ["timeseries"]
