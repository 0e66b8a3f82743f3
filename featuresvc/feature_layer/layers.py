"""Layer providers: each feature-layer resource class says how to load its :class:`Layer`
and how to apply field changes to its storage. vector_layer's ``setup`` adds one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from .. import registry
from ..resource import classes
from ..resource.exceptions import ResourceNotFound
from .model import IFEATURE_LAYER, IWRITABLE_FEATURE_LAYER, Field, Layer


@dataclass
class FieldPlan:
    """The outcome of a field change (spec 2.3), to be stored by the provider.

    ``fields`` is the full new list in order; items with ``id == 0`` are new. ``deleted``
    are the ids of dropped fields.
    """

    fields: list[Field]
    deleted: list[int]

    @property
    def changed(self) -> bool:
        return bool(self.deleted) or any(f.id == 0 for f in self.fields)


class Provider(Protocol):
    def load(self, conn: Connection, resource_id: int, *, lock: bool = False) -> Layer | None:
        """The layer, or None if the resource has no layer row. ``lock`` takes a share lock
        on its metadata so a concurrent field change cannot alter the table meanwhile."""

    def lock_structure(self, conn: Connection, resource_id: int) -> None:
        """Exclusive lock against concurrent structure changes and feature writes, taken
        before a structure change reads the current state."""

    def describe_many(self, conn: Connection, ids: list[int]
                      ) -> dict[int, tuple[int | None, str, list[Field]]]:
        """(srs id, geometry type, fields) of many layers at once, for resource documents."""

    def apply_fields(self, conn: Connection, layer: Layer, plan: FieldPlan) -> None:
        """Store the new field list (metadata and table columns) in this transaction."""


def provider(cls_identity: str) -> Provider | None:
    return registry.current.layer_providers.get(cls_identity)


def provides(cls_identity: str, interface: str = IFEATURE_LAYER) -> bool:
    rcls = classes.get(cls_identity)
    return rcls is not None and interface in rcls.interfaces


def load(conn: Connection, resource_id: int, cls_identity: str, *,
         lock: bool = False) -> Layer:
    """The layer of a resource known to be readable; 404 if it is not a feature layer."""
    prov = registry.current.layer_providers.get(cls_identity)
    layer = prov.load(conn, resource_id, lock=lock) if prov else None
    if layer is None:
        raise ResourceNotFound(resource_id)
    return layer


def load_writable(conn: Connection, resource_id: int, cls_identity: str) -> Layer:
    if not provides(cls_identity, IWRITABLE_FEATURE_LAYER):
        raise ResourceNotFound(resource_id)
    return load(conn, resource_id, cls_identity, lock=True)
