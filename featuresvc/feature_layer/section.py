"""The ``feature_layer`` section of every feature layer's resource document (spec 2.1, 2.3):
fields with stable ids, srs, geometry_type and versioning."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ..errors import ValidationError
from ..resource.classes import ResourceClass
from ..resource.sections import Context
from ..resource.store import Resource
from . import layers
from .model import IFEATURE_LAYER, Field
from .structure import change_fields


def srs_ref(srs_id: int | None) -> dict | None:
    return None if srs_id is None else {"id": srs_id}


def fields_json(fields: list[Field]) -> list[dict]:
    return [f.to_json() for f in fields]


class FeatureLayerSection:
    identity = "feature_layer"

    def applies(self, rcls: ResourceClass) -> bool:
        return IFEATURE_LAYER in rcls.interfaces

    def read(self, ctx: Context, resources: list[Resource]) -> dict[int, Any]:
        result: dict[int, Any] = {}
        by_class: dict[str, list[int]] = {}
        for res in resources:
            by_class.setdefault(res.cls, []).append(res.id)
        for cls_id, ids in by_class.items():
            prov = layers.provider(cls_id)
            if prov is None:
                continue
            for rid, (srs_id, geometry_type, flds) in prov.describe_many(ctx.conn, ids).items():
                result[rid] = {"srs": srs_ref(srs_id), "geometry_type": geometry_type,
                               "fields": fields_json(flds), "versioning": {"enabled": False}}
        return result

    def write(self, ctx: Context, resource: Resource, data: Any, *, creating: bool) -> None:
        if data is None:
            return
        if not isinstance(data, dict):
            raise ValidationError("Expected an object - at `$.feature_layer`.")
        versioning = data.get("versioning")
        if versioning is not None and not isinstance(versioning, dict):
            raise ValidationError("Expected an object - at `$.feature_layer.versioning`.")
        if data.get("fields") is not None:
            ctx.require_attr(resource, self.identity, "fields", "resource.update")
            change_fields(ctx, resource, data["fields"], location="$.feature_layer.fields")

    def delete(self, conn: Connection, resources: list[Resource]) -> None:
        """Field rows go with the resource (ON DELETE CASCADE)."""
