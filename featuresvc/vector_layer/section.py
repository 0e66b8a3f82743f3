"""The ``vector_layer`` resource class, its document section and its layer provider.

Section (spec 2.1): read ``{"srs": {"id"}, "geometry_type"}``; write ``srs`` and
``geometry_type`` (create, or a change within the same base type / a reprojection later),
``fields`` (GDAL <= 3.10's form: on create, and on PUT matched by keyname),
``delete_all_features``, and ``source`` (an upload, with ``source_layer``, ``fix_errors``
and the other load options: builds schema and data from a GIS file, on PUT replacing both;
the work is :mod:`featuresvc.layer_import`'s, this section only prepares the table).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ..errors import ValidationError
from ..feature_layer import layers, write
from ..feature_layer.layers import FieldPlan
from ..feature_layer.model import (
    GEOMETRY_TYPES,
    IBBOX_LAYER,
    IFEATURE_LAYER,
    IWRITABLE_FEATURE_LAYER,
    Field,
    Layer,
    base_type,
)
from ..feature_layer.structure import change_fields
from ..resource.classes import ResourceClass
from ..resource.sections import Context
from ..resource.store import Resource
from ..spatial_ref_sys import service as srs_service
from . import store

IDENTITY = "vector_layer"

VECTOR_LAYER = ResourceClass(
    identity=IDENTITY, label="Vector layer", scopes=("resource", "data"),
    interfaces=(IFEATURE_LAYER, IWRITABLE_FEATURE_LAYER, IBBOX_LAYER), order=60,
    category="vector_layer", base_classes=("resource", "layer", "feature_layer"),
)

#: NGW's copy of another layer (``vector_layer.feature_layer``) is not supported here.
UNSUPPORTED = ("feature_layer",)
#: Layers loaded from a file without ``srs`` are stored in Web Mercator, as in NGW.
DEFAULT_SRS = 3857


class VectorLayerProvider:
    def load(self, conn: Connection, resource_id: int, *, lock: bool = False) -> Layer | None:
        return store.load_layer(conn, resource_id, IDENTITY, lock=lock)

    def lock_structure(self, conn: Connection, resource_id: int) -> None:
        store.lock_meta(conn, resource_id)

    def describe_many(self, conn: Connection, ids: list[int]
                      ) -> dict[int, tuple[int | None, str, list[Field]]]:
        metas = store.get_meta_many(conn, ids)
        fields = store.fields_many(conn, list(metas))
        return {rid: (srs_id, gtype, fields[rid]) for rid, (srs_id, gtype) in metas.items()}

    def apply_fields(self, conn: Connection, layer: Layer, plan: FieldPlan) -> None:
        store.apply_fields(conn, layer, plan.fields, plan.deleted)


def srs_in_use(conn: Connection, srs_id: int) -> str | None:
    used = store.layers_using_srs(conn, srs_id)
    return f"Coordinate system is used by vector layer id = {used[0]}." if used else None


def _geometry_type(data: dict) -> str:
    value = data.get("geometry_type")
    if not isinstance(value, str) or value.upper() not in GEOMETRY_TYPES:
        raise ValidationError(
            f"Invalid geometry type {value!r}; expected one of {', '.join(GEOMETRY_TYPES)} "
            "- at `$.vector_layer.geometry_type`." if value is not None else
            "Missing required field - at `$.vector_layer.geometry_type`.")
    return value.upper()


def _srs_id(ctx: Context, data: dict) -> int:
    ref = data.get("srs")
    srs_id = ref.get("id") if isinstance(ref, dict) else None
    if srs_id is None:
        raise ValidationError("Missing required field - at `$.vector_layer.srs.id`.",
                              data={"location": ["body", "vector_layer", "srs", "id"]})
    return srs_service.require_srs(ctx.conn, srs_id, location="body.vector_layer.srs.id",
                                   register=True).id


class VectorLayerSection:
    identity = IDENTITY

    def applies(self, rcls: ResourceClass) -> bool:
        return rcls.identity == IDENTITY

    def read(self, ctx: Context, resources: list[Resource]) -> dict[int, Any]:
        metas = store.get_meta_many(ctx.conn, [r.id for r in resources])
        return {rid: {"srs": None if srs_id is None else {"id": srs_id},
                      "geometry_type": gtype} for rid, (srs_id, gtype) in metas.items()}

    def write(self, ctx: Context, resource: Resource, data: Any, *, creating: bool) -> None:
        if data is None and not creating:
            return
        if not isinstance(data, dict):
            raise ValidationError("Expected an object - at `$.vector_layer`." if data is not None
                                  else "Missing required section - at `$.vector_layer`.")
        for key in UNSUPPORTED:
            if data.get(key) is not None:
                raise ValidationError(f"Creating a vector layer from '{key}' is not "
                                      f"supported - at `$.vector_layer.{key}`.")
        if data.get("source") is not None:
            self._load(ctx, resource, data, creating=creating)
        elif creating:
            self._create(ctx, resource, data)
        else:
            self._update(ctx, resource, data)
        if data.get("fields") is not None:
            ctx.require_attr(resource, self.identity, "fields", "resource.update")
            change_fields(ctx, resource, data["fields"], location="$.vector_layer.fields",
                          by_keyname=True)

    def _create(self, ctx: Context, resource: Resource, data: dict) -> None:
        geometry_type = _geometry_type(data)
        srs_id = None if geometry_type == "NONE" else _srs_id(ctx, data)
        store.insert_meta(ctx.conn, resource.id, srs_id, geometry_type)
        store.create_table(ctx.conn, resource.id, geometry_type, srs_id)

    def _load(self, ctx: Context, resource: Resource, data: dict, *, creating: bool) -> None:
        ctx.require_attr(resource, self.identity, "source", "data.write")
        if data.get("fields") is not None:
            raise ValidationError("Keys 'source' and 'fields' can't be used together: the "
                                  "fields come from the source - at `$.vector_layer.fields`.")
        if creating:
            srs_id = _srs_id(ctx, data) if data.get("srs") is not None else \
                srs_service.require_srs(ctx.conn, DEFAULT_SRS).id
        else:
            store.lock_meta(ctx.conn, resource.id)
            old_srs = store.get_meta(ctx.conn, resource.id)[0]
            if data.get("srs") is not None:
                ctx.require_attr(resource, self.identity, "srs", "resource.update")
            srs_id = _srs_id(ctx, data) if data.get("srs") is not None else \
                old_srs or srs_service.require_srs(ctx.conn, DEFAULT_SRS).id
            write.delete_all(ctx.conn, layers.load(ctx.conn, resource.id, IDENTITY))
            store.drop_tables(ctx.conn, [resource.id])
            store.delete_fields(ctx.conn, resource.id)
        from ..layer_import import service as layer_import  # heavy: loaded on first use

        layer_import.load(ctx.conn, data["source"], data,
                          _SourceTarget(resource.id, srs_id, creating))

    def _update(self, ctx: Context, resource: Resource, data: dict) -> None:
        store.lock_meta(ctx.conn, resource.id)
        old_srs, old_type = store.get_meta(ctx.conn, resource.id)
        new_type = _geometry_type(data) if "geometry_type" in data else old_type
        new_srs = old_srs
        if "srs" in data and new_type != "NONE":
            new_srs = _srs_id(ctx, data)
        for key in ("geometry_type", "srs"):
            if key in data:
                ctx.require_attr(resource, self.identity, key, "resource.update")
        if (new_type, new_srs) != (old_type, old_srs):
            self._restructure(ctx, resource, old_type, new_type, old_srs, new_srs)
        if data.get("delete_all_features") is True:
            ctx.require_attr(resource, self.identity, "delete_all_features", "data.write")
            write.delete_all(ctx.conn, layers.load(ctx.conn, resource.id, IDENTITY, lock=True))

    def _restructure(self, ctx: Context, resource: Resource, old_type: str, new_type: str,
                     old_srs: int | None, new_srs: int | None) -> None:
        if "NONE" in (old_type, new_type) or base_type(old_type) != base_type(new_type):
            raise ValidationError(f"Geometry type can only change within the same base type "
                                  f"({old_type} to {new_type} is not possible).")
        if old_type.startswith("MULTI") and not new_type.startswith("MULTI"):
            fid = store.multi_part_feature(ctx.conn, resource.id)
            if fid is not None:
                raise ValidationError(f"Geometry type can't be changed to {new_type}: feature "
                                      f"id = {fid} has a geometry of several parts.")
        store.alter_geometry(ctx.conn, resource.id, old_type, new_type, old_srs, new_srs)
        store.update_meta(ctx.conn, resource.id, new_srs, new_type)

    def delete(self, conn: Connection, resources: list[Resource]) -> None:
        """Drop the feature tables; metadata rows go with the resource (CASCADE)."""
        store.drop_tables(conn, [r.id for r in resources])

    def volume(self, conn: Connection, resource: Resource) -> int:
        return store.table_size(conn, resource.id)


class _SourceTarget:
    """The table a file is loaded into: created without its GiST index, which is built
    once after the bulk load (several times faster than maintaining it row by row)."""

    def __init__(self, resource_id: int, srs_id: int, creating: bool):
        self.resource_id, self.srs_id, self.creating = resource_id, srs_id, creating

    def prepare(self, conn: Connection, geometry_type: str, fields: list[Field]) -> Layer:
        srs_id = None if geometry_type == "NONE" else self.srs_id
        (store.insert_meta if self.creating else store.update_meta)(
            conn, self.resource_id, srs_id, geometry_type)
        store.create_table(conn, self.resource_id, geometry_type, srs_id, index=False)
        empty = store.load_layer(conn, self.resource_id, IDENTITY)
        store.apply_fields(conn, empty, fields, [])
        return store.load_layer(conn, self.resource_id, IDENTITY)

    def finish(self, conn: Connection, layer: Layer) -> None:
        if layer.has_geometry:
            store.create_geom_index(conn, self.resource_id)
        store.analyze(conn, self.resource_id)
