"""``GET /api/component/feature_layer/mvt?resource=1,2&z&x&y[&extent&simplification&padding]``
(spec 11): one MVT layer ``ngw:{id}`` per listed feature layer, 204 for an empty tile.

Every listed resource is checked (Decision 1: unreadable -> 404, no ``data.read`` -> 403 or
401, not a feature layer or no geometry -> 422). The ETag covers the tile address, the
options and, per layer, its change counter and structure (fields, geometry type, SRS), so
a client's ``If-None-Match`` gets a 304 without the tile being built again.
"""

from __future__ import annotations

import hashlib

import orjson
from flask import Response, request
from flask_smorest import Blueprint

from .. import db, security
from ..errors import ValidationError
from ..feature_layer import layers
from ..feature_layer.access import listed_layer_node
from ..feature_layer.model import Layer
from ..http import query_int, query_int_list
from ..routing import query_param, route
from . import store
from .store import Tile

bp = Blueprint("feature_layer_mvt", __name__, description="Vector tiles")

MIME = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 30
CACHE_CONTROL = "private, no-cache"  # keep it, but revalidate: edits show at once


def _invalid(message: str, param: str) -> ValidationError:
    return ValidationError(message, data={"location": ["query", param]})


def _required_int(name: str, low: int, high: int) -> int:
    value = query_int(name)
    if value is None:
        raise _invalid(f"Query parameter '{name}' is required.", name)
    if not low <= value <= high:
        raise _invalid(f"Query parameter '{name}' must be between {low} and {high}.", name)
    return value


def _float(name: str, default: float, low: float, high: float) -> float:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _invalid(f"Invalid number '{raw}' of query parameter '{name}'.", name) from None
    if not low <= value <= high:
        raise _invalid(f"Query parameter '{name}' must be between {low} and {high}.", name)
    return value


def parse_tile() -> Tile:
    z = _required_int("z", 0, MAX_ZOOM)
    x = _required_int("x", 0, (1 << z) - 1)
    y = _required_int("y", 0, (1 << z) - 1)
    extent = query_int("extent", 4096)
    if not 16 <= extent <= 65536:
        raise _invalid("Query parameter 'extent' must be between 16 and 65536.", "extent")
    return Tile(z=z, x=x, y=y, extent=extent,
                simplification=_float("simplification", extent / 512, 0, extent),
                padding=_float("padding", 0.05, 0, 0.5))


def _layer(rid: int) -> Layer:
    node = listed_layer_node(rid)
    layer = layers.load(db.connection(), rid, node.cls)
    if not layer.has_geometry:
        raise ValidationError(f"Resource id = {rid} has no geometry; vector tiles are not "
                              "available.", data={"resource_id": rid})
    return layer


def etag(tile: Tile, found: list[Layer], stamps: dict[int, int]) -> str:
    parts = [tile.z, tile.x, tile.y, tile.extent, tile.simplification, tile.padding]
    for layer in found:
        parts.append([layer.resource_id, stamps.get(layer.resource_id, 0), layer.srs_id,
                      layer.geometry_type, [(f.id, f.keyname, f.datatype)
                                            for f in layer.fields]])
    return hashlib.sha256(orjson.dumps(parts)).hexdigest()[:32]


@route(bp, "/api/component/feature_layer/mvt", methods=["GET"], name="feature_layer.mvt",
       access=security.CheckedInView("'data.read' on every listed feature layer."),
       summary="Mapbox vector tile of feature layers (ST_AsMVT); 204 when empty",
       params=[query_param(n, t, d) for n, t, d in (
           ("resource", "string", "Comma-separated feature layer ids"),
           ("z", "integer", ""), ("x", "integer", ""), ("y", "integer", ""),
           ("extent", "integer", "Tile extent (default 4096)"),
           ("simplification", "number", "Tolerance in tile units (default extent/512)"),
           ("padding", "number", "Buffer around the tile, a fraction of its size, 0..0.5"))])
def mvt():
    ids = query_int_list("resource")
    if not ids:
        raise _invalid("Query parameter 'resource' is required (a list of ids).", "resource")
    found = [_layer(rid) for rid in dict.fromkeys(ids)]
    security.mark_checked()
    tile = parse_tile()
    conn = db.connection()
    tag = etag(tile, found, store.stamps(conn, [layer.resource_id for layer in found]))
    headers = {"ETag": f'"{tag}"', "Cache-Control": CACHE_CONTROL}
    if request.if_none_match.contains_weak(tag):
        return Response(status=304, headers=headers)
    body = b"".join(store.tile_layer(conn, layer, tile) for layer in found)
    if not body:
        return Response(status=204, headers=headers)
    return Response(body, status=200, headers={**headers, "Content-Type": MIME})
