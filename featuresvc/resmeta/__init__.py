"""Resource metadata: typed key/value items on every resource (spec section 7)."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    from .section import ResmetaSection

    registry.add_section(ResmetaSection())
