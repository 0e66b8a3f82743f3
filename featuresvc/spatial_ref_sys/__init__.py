"""Spatial reference systems (NGW ``spatial_ref_sys``); public helpers live in ``service``."""

from .exceptions import SRSNotFound
from .service import Srs, get_srs, require_srs, transform, transformer

__all__ = ["SRSNotFound", "Srs", "get_srs", "require_srs", "transform", "transformer"]
