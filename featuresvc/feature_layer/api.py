"""Feature API (spec 3.2, 3.3): ``/api/resource/{id}/feature/`` and ``.../feature/{fid}``.

Views parse (filters, loader), call the store or the write path, dump. Reads of the
collection stream; every write goes through :mod:`.write`.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request, stream_with_context
from flask_smorest import Blueprint

from .. import db
from ..errors import ValidationError
from ..http import JSON_MIME, json_body, json_response
from ..routing import query_param, route
from . import filters, write
from .access import OnFeatureLayer, current_layer
from .dumper import FeatureDumper
from .exceptions import FeatureNotFound
from .loader import FeatureLoader, gc_paused
from .model import Layer
from .query import FeatureQuery
from .store import read

bp = Blueprint("feature_layer", __name__, description="Features of feature layers")

COLLECTION = "/api/resource/<int:id>/feature/"
ITEM = "/api/resource/<int:id>/feature/<int:fid>"
#: Rows per server-side cursor fetch and per JSON chunk written to the client.
CHUNK = 5000

READ_PARAMS = [query_param(n, t, d) for n, t, d in (
    ("geom", "boolean", "yes|no"), ("geom_format", "string", "wkt|geojson"),
    ("srs", "integer", "Output SRS"), ("dt_format", "string", "obj|iso"),
    ("bigint_format", "string", "compat|string|number"), ("label", "boolean", ""),
    ("fields", "string", "Comma-separated keynames"),
    ("extensions", "string", "Comma-separated; empty removes the key"),
    ("limit", "integer", ""), ("offset", "integer", ""),
    ("order_by", "string", "f1,-f2"), ("intersects", "string", "WKT"),
    ("like", "string", ""), ("ilike", "string", ""), ("filter", "string", "JSON expression"))]
WRITE_PARAMS = [query_param(n, t, d) for n, t, d in (
    ("geom_format", "string", "wkt|geojson"), ("srs", "integer", "SRS of input geometries"),
    ("dt_format", "string", "obj|iso"), ("geom_null", "boolean", "null geom clears it"))]


def stream_features(layer: Layer, query: FeatureQuery) -> Response:
    """A streamed JSON array of features; nothing held beyond one chunk."""
    dumper = FeatureDumper(layer, query)
    stream = read.Stream(db.engine(), read.select(layer, query, with_geom=dumper.with_geom),
                         CHUNK, query.limit)
    body = dumper.json_array(stream, stream.conn if dumper.extensions else None)
    if stream.buffered:  # a bounded page: one body with a Content-Length
        resp = Response(b"".join(body), status=200)
        resp.headers["Content-Type"] = JSON_MIME
        return resp
    resp = Response(stream_with_context(body), status=200)
    resp.headers["Content-Type"] = JSON_MIME
    resp.call_on_close(stream.close)
    return resp


def get_body() -> Any:
    """An optional JSON body of a GET (``{"intersects": WKT}`` for large geometries)."""
    return json_body(allow_empty=True, default=None) if request.content_length else None


@route(bp, COLLECTION, methods=["GET"], access=OnFeatureLayer("data.read"),
       name="feature_layer.feature.collection", summary="Read features (streamed array)",
       params=READ_PARAMS)
def collection_get(id: int):
    layer = current_layer(id)
    query = filters.parse_read(db.connection(), layer, request.args, get_body())
    return stream_features(layer, query)


def _object_body() -> dict:
    body = json_body()
    if not isinstance(body, dict):
        raise ValidationError("Request body must be a JSON object (a feature).")
    return body


@route(bp, COLLECTION, methods=["POST"], access=OnFeatureLayer("data.write"),
       name="feature_layer.feature.collection", summary="Create a feature",
       params=WRITE_PARAMS)
def collection_post(id: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    options = filters.parse_write(conn, request.args)
    with gc_paused():
        changes = FeatureLoader(conn, layer, options, batch=False).load(_object_body())
        return json_response({"id": write.apply(conn, layer, changes)[0]})


@route(bp, COLLECTION, methods=["PATCH"], access=OnFeatureLayer("data.write"),
       name="feature_layer.feature.collection",
       summary="Batch create/update/delete (all or nothing), or patch-all=true: update "
               "every feature matching the read filters",
       params=[*WRITE_PARAMS, query_param("patch-all", "boolean")])
def collection_patch(id: int):
    with gc_paused():
        return _patch(id)


def _patch(id: int) -> Response:
    conn = db.connection()
    layer = current_layer(id, write=True)
    options = filters.parse_write(conn, request.args)
    body = json_body(nul_check=False)  # the loader refuses NUL per feature, naming it
    if filters.flag(request.args, "patch-all", False):
        if not isinstance(body, dict):
            raise ValidationError("With patch-all=true the body must be one object: "
                                  '{"fields": {...}, "geom"?: ...}.')
        query = filters.parse_filters(conn, layer, request.args)
        changes = FeatureLoader(conn, layer, options, batch=False).load(body, fid=0)
        return json_response({"meta": {"updated": write.patch_all(conn, layer, query,
                                                                   changes)}})
    if not isinstance(body, list):
        raise ValidationError("Request body must be a JSON array of features; to update "
                              "every feature matching filters, add patch-all=true.")
    loader = FeatureLoader(conn, layer, options, batch=True)
    return json_response([{"id": fid} for fid in write.load_and_apply(conn, layer, loader,
                                                                       body)])


def _delete_ids(body: Any) -> list[int]:
    if not isinstance(body, list):
        raise ValidationError("Request body must be a JSON array of {\"id\": fid} objects.")
    ids = []
    for index, item in enumerate(body):
        fid = item.get("id") if isinstance(item, dict) else item
        if isinstance(item, dict) and fid is None:
            continue
        if type(fid) is not int:
            raise ValidationError(f"Feature #{index}: 'id' must be an integer.")
        ids.append(fid)
    return ids


@route(bp, COLLECTION, methods=["DELETE"], access=OnFeatureLayer("data.write"),
       name="feature_layer.feature.collection",
       summary="Delete listed features (all or nothing), or all with an empty body")
def collection_delete(id: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    with gc_paused():
        body = json_body(allow_empty=True, default=None)
        if body is None:
            write.delete_all(conn, layer)
            return json_response(True)
        return json_response(write.delete(conn, layer, _delete_ids(body)))


@route(bp, ITEM, methods=["GET"], access=OnFeatureLayer("data.read"),
       name="feature_layer.feature.item", summary="Read one feature", params=READ_PARAMS)
def item_get(id: int, fid: int):
    conn = db.connection()
    layer = current_layer(id)
    query = filters.parse_output(conn, layer, request.args)
    dumper = FeatureDumper(layer, query)
    row = read.fetch_one(conn, layer, query, fid, with_geom=dumper.with_geom)
    if row is None:
        raise FeatureNotFound(id, fid)
    return json_response(dumper.features(conn, [row])[0])


@route(bp, ITEM, methods=["PUT"], access=OnFeatureLayer("data.write"),
       name="feature_layer.feature.item", summary="Update one feature (partial)",
       params=WRITE_PARAMS)
def item_put(id: int, fid: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    options = filters.parse_write(conn, request.args)
    with gc_paused():
        changes = FeatureLoader(conn, layer, options, batch=False).load(_object_body(), fid=fid)
        write.apply(conn, layer, changes)
    return json_response({"id": fid})


@route(bp, ITEM, methods=["DELETE"], access=OnFeatureLayer("data.write"),
       name="feature_layer.feature.item", summary="Delete one feature")
def item_delete(id: int, fid: int):
    conn = db.connection()
    write.delete(conn, current_layer(id, write=True), [fid])
    return json_response({"id": fid})
