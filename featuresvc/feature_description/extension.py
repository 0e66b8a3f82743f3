"""``extensions.description`` in feature JSON (spec 3.1, 3.3): a sanitised HTML string or
null; null on write deletes it. Descriptions go with their features (write-path events)
and their layer (the resource section's delete hook)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ..feature_layer.model import IFEATURE_LAYER, Layer
from ..resource.classes import ResourceClass
from ..resource.sections import HooksOnly
from ..resource.store import Resource
from . import service, store


class DescriptionExtension:
    identity = "description"

    def load(self, value: Any) -> str | None:
        return service.load(value)

    def read(self, conn: Connection, layer: Layer, fids: list[int]) -> dict[int, Any]:
        return service.read(conn, layer, fids)

    def write(self, conn: Connection, layer: Layer, items: list[tuple[int, Any]]) -> None:
        service.write(conn, layer, items)

    def forget(self, conn: Connection, layer: Layer, fids: list[int] | None) -> None:
        service.forget_features(conn, layer, fids)


class DescriptionSection(HooksOnly):
    """Descriptions are written with features; the section only cleans up."""

    identity = "feature_description"

    def applies(self, rcls: ResourceClass) -> bool:
        return IFEATURE_LAYER in rcls.interfaces

    def delete(self, conn: Connection, resources: list[Resource]) -> None:
        store.delete_layers(conn, [r.id for r in resources])
