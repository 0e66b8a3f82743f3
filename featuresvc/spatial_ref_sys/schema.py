"""Marshmallow schemas of the spatial_ref_sys API (validation and OpenAPI)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..text import Name
from .service import CONVERT_FORMATS


class _Body(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class SrsOut(ma.Schema):
    id = fields.Integer()
    display_name = fields.String()
    auth_name = fields.String(allow_none=True)
    auth_srid = fields.Integer(allow_none=True)
    wkt = fields.String()
    catalog_id = fields.Integer(allow_none=True)
    system = fields.Boolean()
    protected = fields.Boolean()
    geographic = fields.Boolean()


class SrsCreate(_Body):
    display_name = fields.String(required=True, validate=Name(min_length=1))
    wkt = fields.String(required=True, validate=validate.Length(min=1),
                        metadata={"description": "OGC WKT or a PROJ string"})


class SrsUpdate(_Body):
    display_name = fields.String(validate=Name(min_length=1))
    wkt = fields.String(validate=validate.Length(min=1))


class IdOut(ma.Schema):
    id = fields.Integer()


class Convert(_Body):
    format = fields.String(required=True, validate=validate.OneOf(CONVERT_FORMATS))
    projStr = fields.String(required=True, validate=validate.Length(min=1))  # noqa: N815


class WktOut(ma.Schema):
    wkt = fields.String()


class GeomTransform(_Body):
    srs = fields.Integer(required=True, metadata={"description": "SRS id of `geom`"})
    geom = fields.String(required=True, metadata={"description": "WKT"})


class GeomOut(ma.Schema):
    geom = fields.String()


class GeomMeasure(_Body):
    geom = fields.Raw(required=True, metadata={"description": "WKT, or GeoJSON geometry"})
    geom_format = fields.String(load_default="wkt", validate=validate.OneOf(["wkt", "geojson"]))
    srs = fields.Integer(metadata={"description": "SRS id of `geom`; default: the path id"})


class ValueOut(ma.Schema):
    value = fields.Float()
