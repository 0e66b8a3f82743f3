"""Access declaration of the feature API: the resource must be a readable feature layer
(else 404 ResourceNotFound, spec 3 and Decision 1), then the data permission applies."""

from __future__ import annotations

from dataclasses import dataclass

from .. import db
from ..errors import ValidationError
from ..resource.acl import Node
from ..resource.api_access import OnResource, resolver
from ..resource.require import require, visible
from . import layers
from .model import IFEATURE_LAYER, IWRITABLE_FEATURE_LAYER, Layer


@dataclass
class OnFeatureLayer(OnResource):
    """``data.read`` / ``data.write`` on a feature layer given by the path argument ``id``."""

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"Permission '{self.permission}' on the feature layer given by path '{self.arg}'."

    def enforce(self) -> None:
        interface = IWRITABLE_FEATURE_LAYER if self.permission == "data.write" \
            else IFEATURE_LAYER
        resource_id = self.resource_id()
        require(resolver(), resource_id, self.permission,
                kind=lambda cls: layers.provides(cls, interface))


def listed_layer_node(rid: int) -> Node:
    """A layer named in a multi-resource request (multi-export, MVT): unreadable -> 404,
    not a feature layer -> 422, no ``data.read`` -> 403 (401 anonymous). Returns its node."""
    if not layers.provides(visible(resolver(), rid).cls):
        raise ValidationError(f"Resource id = {rid} is not a feature layer.",
                              data={"resource_id": rid})
    return require(resolver(), rid, "data.read")


def current_layer(resource_id: int, *, write: bool = False) -> Layer:
    """The layer the route's access check has already approved."""
    node = resolver().nodes[resource_id]
    if write:
        return layers.load_writable(db.connection(), resource_id, node.cls)
    return layers.load(db.connection(), resource_id, node.cls)
