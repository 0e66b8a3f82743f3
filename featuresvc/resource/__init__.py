"""The resource tree: classes, documents, ACLs, search and the resource API."""

from __future__ import annotations

from ..registry import Registry


def setup(registry: Registry) -> None:
    """The group class every tree starts from (its root)."""
    from .classes import RESOURCE_GROUP

    registry.add_resource_class(RESOURCE_GROUP)
