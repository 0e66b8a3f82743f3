"""spatial_ref_sys API (spec section 8): the SRS catalogue, custom SRS management for
administrators, and the convert / geom_transform / geom_length / geom_area helpers."""

from __future__ import annotations

from typing import Any

import orjson
import shapely
from flask_smorest import Blueprint

from .. import db, geometry_input
from ..errors import ValidationError
from ..http import json_response, parse_body
from ..routing import route
from ..security import Administrator, Public
from . import service
from .exceptions import SRSItemNotFound
from .schema import (
    Convert,
    GeomMeasure,
    GeomOut,
    GeomTransform,
    IdOut,
    SrsCreate,
    SrsOut,
    SrsUpdate,
    ValueOut,
    WktOut,
)
from .service import Srs

bp = Blueprint("spatial_ref_sys", __name__, description="Spatial reference systems")

BASE = "/api/component/spatial_ref_sys"


def dump(srs: Srs) -> dict[str, Any]:
    return {"id": srs.id, "display_name": srs.display_name, "auth_name": srs.auth_name,
            "auth_srid": srs.auth_srid, "wkt": srs.wkt, "catalog_id": None,
            "system": srs.system, "protected": srs.protected, "geographic": srs.geographic}


def _item(srs_id: int) -> Srs:
    srs = service.get_srs(db.connection(), srs_id)
    if srs is None:
        raise SRSItemNotFound(srs_id)
    return srs


def _geom(value: Any, fmt: str = "wkt") -> shapely.Geometry:
    """A request geometry; bad WKT/GeoJSON or non-finite coordinates are a 422 on `geom`."""
    if fmt == "geojson" and isinstance(value, dict):
        value = orjson.dumps(value).decode()
    if not isinstance(value, str):
        raise ValidationError(f"Expected a {fmt.upper()} string - at `$.geom`.",
                              data={"location": ["body", "geom"]})
    try:
        geom = geometry_input.read([value], fmt)[0]
    except geometry_input.BadGeometry as exc:
        raise ValidationError(f"Invalid {fmt.upper()} geometry - at `$.geom`: "
                              f"{geometry_input.describe(exc, value)}.",
                              data={"location": ["body", "geom"]}) from None
    if geom is None or not service.all_finite(geom):
        raise ValidationError("Geometry has non-finite coordinates - at `$.geom`.",
                              data={"location": ["body", "geom"]})
    return geom


@route(bp, f"{BASE}/", methods=["GET"], name="spatial_ref_sys.collection", access=Public(),
       response=SrsOut(many=True), summary="All SRS in the catalogue (EPSG:4326 first)")
def srs_collection():
    return json_response([dump(s) for s in service.list_srs(db.connection())])


@route(bp, f"{BASE}/", methods=["POST"], name="spatial_ref_sys.collection",
       access=Administrator(), body=SrsCreate, response=IdOut, status=201,
       summary="Create a custom SRS from OGC WKT or a PROJ string")
def srs_create():
    body = parse_body(SrsCreate())
    srs_id = service.create_srs(db.connection(), body["display_name"], body["wkt"])
    return json_response({"id": srs_id}, status=201)


@route(bp, f"{BASE}/<int:id>", methods=["GET"], name="spatial_ref_sys.item", access=Public(),
       response=SrsOut, summary="One SRS; an EPSG code known to PostGIS is registered")
def srs_get(id: int):  # noqa: A002
    return json_response(dump(_item(id)))


@route(bp, f"{BASE}/<int:id>", methods=["PUT"], name="spatial_ref_sys.item",
       access=Administrator(), body=SrsUpdate, response=IdOut,
       summary="Rename an SRS or change a custom SRS's definition")
def srs_update(id: int):  # noqa: A002
    body = parse_body(SrsUpdate())
    srs = _item(id)
    service.update_srs(db.connection(), srs, display_name=body.get("display_name"),
                       wkt=body.get("wkt"))
    return json_response({"id": srs.id})


@route(bp, f"{BASE}/<int:id>", methods=["DELETE"], name="spatial_ref_sys.item",
       access=Administrator(), summary="Delete a custom SRS (not one in use)")
def srs_delete(id: int):  # noqa: A002
    service.delete_srs(db.connection(), _item(id))
    return json_response({})


@route(bp, f"{BASE}/convert", methods=["POST"], name="spatial_ref_sys.convert",
       access=Public(), body=Convert, response=WktOut,
       summary="Convert a proj4 / EPSG / ESRI / MapInfo / WKT definition to OGC WKT")
def srs_convert():
    body = parse_body(Convert())
    return json_response({"wkt": service.convert_to_wkt(body["format"], body["projStr"])})


@route(bp, f"{BASE}/<int:id>/geom_transform", methods=["POST"],
       name="spatial_ref_sys.geom_transform", access=Public(), body=GeomTransform,
       response=GeomOut, summary="Reproject a WKT geometry from `srs` into this SRS")
def geom_transform(id: int):  # noqa: A002
    body = parse_body(GeomTransform())
    conn = db.connection()
    target = _item(id)
    source = service.require_srs(conn, body["srs"], location="body.srs")
    geom = service.transform(_geom(body["geom"]), source.id, target.id, conn=conn)
    if not service.all_finite(geom):
        raise ValidationError(
            f"Geometry cannot be transformed to SRS id = {target.id} (outside its area).",
            data={"location": ["body", "geom"]})
    return json_response({"geom": shapely.to_wkt(geom, rounding_precision=-1)})


def _measure(srs_id: int, what: str):
    body = parse_body(GeomMeasure())
    conn = db.connection()
    target = _item(srs_id)
    geom = _geom(body["geom"], body["geom_format"])
    if body.get("srs") is not None and body["srs"] != target.id:
        source = service.require_srs(conn, body["srs"], location="body.srs")
        geom = service.transform(geom, source.id, target.id, conn=conn)
    value = service.measure(conn, geom, target, what)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError("Geometry cannot be measured in this SRS (outside its area).",
                              data={"location": ["body", "geom"]})
    return json_response({"value": value})


@route(bp, f"{BASE}/<int:id>/geom_length", methods=["POST"],
       name="spatial_ref_sys.geom_length", access=Public(), body=GeomMeasure,
       response=ValueOut, summary="Geodesic length in metres on the SRS's ellipsoid")
def geom_length(id: int):  # noqa: A002
    return _measure(id, "length")


@route(bp, f"{BASE}/<int:id>/geom_area", methods=["POST"], name="spatial_ref_sys.geom_area",
       access=Public(), body=GeomMeasure, response=ValueOut,
       summary="Geodesic area in square metres on the SRS's ellipsoid")
def geom_area(id: int):  # noqa: A002
    return _measure(id, "area")
