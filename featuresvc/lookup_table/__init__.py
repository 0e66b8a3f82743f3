"""Lookup tables (NGW ``lookup_table``): key → label dictionaries for form fields."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    from .section import LOOKUP_TABLE, LookupTableSection

    registry.add_resource_class(LOOKUP_TABLE)
    registry.add_section(LookupTableSection())
