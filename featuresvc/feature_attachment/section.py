"""The attachment component's hooks on feature-layer resources: no document section of its
own, but deleting a layer removes its attachments (rows now, files after the commit), and
their bytes count in the layer's volume."""

from __future__ import annotations

from sqlalchemy import Connection

from ..feature_layer.model import IFEATURE_LAYER
from ..resource.classes import ResourceClass
from ..resource.sections import HooksOnly
from ..resource.store import Resource
from . import service, store


class AttachmentSection(HooksOnly):
    """Attachments have their own API; the section only cleans up and measures."""

    identity = "feature_attachment"

    def applies(self, rcls: ResourceClass) -> bool:
        return IFEATURE_LAYER in rcls.interfaces

    def delete(self, conn: Connection, resources: list[Resource]) -> None:
        service.forget_layers(conn, [r.id for r in resources])

    def volume(self, conn: Connection, resource: Resource) -> int:
        return store.total_size(conn, resource.id)
