"""Derived feature-layer endpoints (spec 3.4): counts, extents, geometry_info, the GeoJSON
download and identify."""

from __future__ import annotations

from typing import Any

import shapely
from flask import Response, request, stream_with_context
from flask_smorest import Blueprint

from .. import db, security
from ..errors import ValidationError
from ..http import JSON_MIME, json_body, json_response
from ..resource import store as resource_store
from ..resource.api_access import resolver
from ..resource.require import readable_permissions
from ..routing import query_param, route
from ..security import CheckedInView
from ..spatial_ref_sys import service as srs_service
from . import filters, layers
from . import geometry as geometry_io
from .access import OnFeatureLayer, current_layer
from .api import CHUNK, get_body
from .dumper import FeatureDumper, GeoJSONDumper
from .exceptions import FeatureNotFound
from .model import Layer
from .query import FeatureQuery
from .store import read

bp = Blueprint("feature_layer_derived", __name__, description="Feature layer summaries")

IDENTIFY_LIMIT = 100


def _lonlat(box: tuple[float, ...] | None) -> dict[str, float | None]:
    minx, miny, maxx, maxy = box or (None, None, None, None)
    return {"minLon": minx, "minLat": miny, "maxLon": maxx, "maxLat": maxy}


def _extent(layer: Layer, query: FeatureQuery | None = None) -> tuple[float, ...] | None:
    if not layer.has_geometry:
        return None
    return read.extent(db.connection(), layer, query)


@route(bp, "/api/resource/<int:id>/feature_count", methods=["GET"],
       access=OnFeatureLayer("data.read"), name="feature_layer.feature.count",
       summary="Total (and filtered) feature count")
def feature_count(id: int):
    conn = db.connection()
    layer = current_layer(id)
    query = filters.parse_filters(conn, layer, request.args, get_body())
    result = {"total_count": read.count(conn, layer)}
    if query.filtered:
        result["filtered_count"] = read.count(conn, layer, query)
    return json_response(result)


@route(bp, "/api/resource/<int:id>/feature_extent", methods=["GET"],
       access=OnFeatureLayer("data.read"), name="feature_layer.feature.extent",
       summary="EPSG:4326 extent of the (filtered) features")
def feature_extent(id: int):
    layer = current_layer(id)
    query = filters.parse_filters(db.connection(), layer, request.args, get_body())
    return json_response(_lonlat(_extent(layer, query)))


@route(bp, "/api/resource/<int:id>/extent", methods=["GET"], access=OnFeatureLayer("data.read"),
       name="layer.extent", summary="EPSG:4326 extent of the layer")
def layer_extent(id: int):
    return json_response({"extent": _lonlat(_extent(current_layer(id)))})


def _require_feature(layer: Layer, fid: int) -> None:
    if not read.exists(db.connection(), layer, fid):
        raise FeatureNotFound(layer.resource_id, fid)


@route(bp, "/api/resource/<int:id>/feature/<int:fid>/extent", methods=["GET"],
       access=OnFeatureLayer("data.read"), name="feature_layer.feature.item_extent",
       summary="EPSG:4326 extent of one feature")
def item_extent(id: int, fid: int):
    layer = current_layer(id)
    _require_feature(layer, fid)
    box = read.extent(db.connection(), layer, fid=fid) if layer.has_geometry else None
    return json_response({"extent": None if box is None else _lonlat(box)})


@route(bp, "/api/resource/<int:id>/feature/<int:fid>/geometry_info", methods=["GET"],
       access=OnFeatureLayer("data.read"), name="feature_layer.feature.geometry_info",
       summary="Type, geodesic area and length, extent of one feature's geometry",
       params=[query_param("srs", "integer", "SRS of the extent (default 3857)")])
def geometry_info(id: int, fid: int):
    conn = db.connection()
    layer = current_layer(id)
    srs = srs_service.require_srs(conn, filters.parse_srs(conn, request.args) or 3857,
                                  location="query.srs")
    found, wkb = read.geometry_wkb(conn, layer, fid, srs.id) if layer.has_geometry \
        else (read.exists(conn, layer, fid), None)
    if not found:
        raise FeatureNotFound(id, fid)
    if wkb is None:
        return json_response({"type": None, "area": None, "length": None, "extent": None})
    geom = shapely.from_wkb(bytes(wkb))
    kind = geom.geom_type
    minx, miny, maxx, maxy = geom.bounds
    area = length = None
    if "Point" not in kind and not geom.is_empty:
        length = srs_service.measure(conn, geom, srs, "length")
        if "Polygon" in kind:
            area = srs_service.measure(conn, geom, srs, "area")
    return json_response({"type": kind, "area": area, "length": length,
                          "extent": {"minX": minx, "minY": miny, "maxX": maxx, "maxY": maxy}})


@route(bp, "/api/resource/<int:id>/geojson", methods=["GET"], access=OnFeatureLayer("data.read"),
       name="feature_layer.geojson", summary="GeoJSON FeatureCollection in EPSG:4326 (streamed)")
def geojson(id: int):
    layer = current_layer(id)
    query = filters.parse_filters(db.connection(), layer, request.args, get_body())
    query.srs_id, query.geom_format, query.dt_format = 4326, "geojson", "iso"
    query.bigint_format = "number"
    dumper = GeoJSONDumper(layer, query)
    stream = read.Stream(db.engine(), read.select(layer, query, with_geom=dumper.with_geom),
                         CHUNK, query.limit)
    resp = Response(stream_with_context(dumper.collection(stream)), status=200)
    resp.headers["Content-Type"] = JSON_MIME
    resp.headers["Content-Disposition"] = f"attachment; filename={id}.geojson"
    resp.call_on_close(stream.close)
    return resp


def _identify_body() -> tuple[str, int, list[int]]:
    body = json_body()
    if not isinstance(body, dict):
        raise ValidationError("Request body must be a JSON object - at `$`.")
    geom, srs, ids = body.get("geom"), body.get("srs"), body.get("layers")
    if not isinstance(geom, str):
        raise ValidationError("Expected a WKT string - at `$.geom`.")
    if not isinstance(ids, list) or not all(type(i) is int for i in ids):
        raise ValidationError("Expected an array of integers - at `$.layers`.")
    srs_id = srs_service.require_srs(db.connection(), srs, location="body.srs").id
    return geom, srs_id, ids


def _identify_layer(resource_id: int, wkt: str, srs_id: int) -> dict[str, Any] | None:
    perms = readable_permissions(resolver(), resource_id)
    if perms is None:
        return None  # as if it did not exist (Decision 1)
    node = resolver().nodes[resource_id]
    if not layers.provides(node.cls):
        return {"error": "Not implemented"}
    if "data.read" not in perms:
        return {"error": "Forbidden"}
    conn = db.connection()
    layer = layers.load(conn, resource_id, node.cls)
    if not layer.has_geometry:
        return {"features": [], "featureCount": 0}
    query = FeatureQuery(geom=False, dt_format="iso", label=True, limit=IDENTIFY_LIMIT,
                         extensions=[])
    query.intersects = geometry_io.parse_filter_geometry(conn, wkt, layer, srs_id,
                                                         name="geom")
    dumper = FeatureDumper(layer, query)
    rows = read.fetch_all(conn, layer, query, with_geom=False)
    parent = resource_store.get(conn, node.parent_id) if node.parent_id is not None else None
    parent_name = parent.display_name if parent is not None and readable_permissions(
        resolver(), parent.id) is not None else None
    features = []
    for row in rows:
        item = dumper.feature(row)
        feature = {"id": item["id"], "layerId": resource_id, "label": item["label"],
                   "fields": item["fields"]}
        if parent_name is not None:
            feature["parent"] = parent_name
        features.append(feature)
    return {"features": features, "featureCount": len(features)}


@route(bp, "/api/feature_layer/identify", methods=["POST"],
       access=CheckedInView("'data.read' on each listed layer (others are reported or "
                            "skipped)."),
       name="feature_layer.identify", summary="Features of several layers intersecting a "
                                              "geometry (at most 100 per layer)")
def identify():
    wkt, srs_id, ids = _identify_body()
    result: dict[str, Any] = {}
    total = 0
    for rid in dict.fromkeys(ids):
        found = _identify_layer(rid, wkt, srs_id)
        if found is None:
            continue
        result[str(rid)] = found
        total += found.get("featureCount", 0)
    result["featureCount"] = total
    security.mark_checked()
    return json_response(result)
