"""Export parameters (spec 3.4) -> :class:`ExportOptions`, from a query string (HTTP) or the
command line alike.

Feature selection goes through the feature API's own parser
(:func:`featuresvc.feature_layer.filters.parse_filters`): ``fld_*``, ``id``, ``like``,
``ilike``, ``intersects``, ``filter``. Only ``srs`` differs: here it is the output SRS, and
the ``intersects`` geometry's SRS is ``intersects_srs`` (default: the layer's).
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass, fields

from sqlalchemy import Connection
from werkzeug.datastructures import MultiDict

from ..errors import ValidationError
from ..feature_layer import filters
from ..feature_layer.model import Field, Layer
from ..feature_layer.query import FeatureQuery
from ..spatial_ref_sys import service as srs_service
from .formats import FORMATS, Format

LONLAT = 4326


def _invalid(message: str, param: str) -> ValidationError:
    return ValidationError(message, data={"location": ["query", param]})


@dataclass
class Column:
    """One attribute column of the output: a layer field under its output name."""

    name: str
    field: Field


@dataclass(frozen=True)
class CommonOptions:
    """What does not depend on a layer (multi-layer export parses this once)."""

    format: Format
    #: Output SRS id (None: the layer's).
    srs_id: int | None
    zipped: bool
    fid: str | None
    field_names: list[str] | None
    display_name: bool
    encoding: str


@dataclass(frozen=True)
class ExportOptions(CommonOptions):
    """The common options checked against one layer, plus its feature filters."""

    query: FeatureQuery
    #: Unknown names in ``fields`` are an error (one layer) or skipped (several layers).
    strict_fields: bool = True


def parse_format(value: str | None) -> Format:
    if value in (None, ""):
        raise _invalid("Query parameter 'format' is required; expected one of "
                       f"{', '.join(FORMATS)}.", "format")
    fmt = FORMATS.get(value)
    if fmt is None:
        raise _invalid(f"Unknown export format '{value}'; expected one of "
                       f"{', '.join(FORMATS)}.", "format")
    return fmt


def parse_common(conn: Connection, args: Mapping[str, str]) -> CommonOptions:
    fmt = parse_format(args.get("format"))
    srs_id = filters.parse_srs(conn, args)
    if fmt.lonlat == "only" or (fmt.lonlat == "prefer" and srs_id is None):
        srs_id = LONLAT
    fid = args.get("fid") or None
    encoding = args.get("encoding") or "UTF-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise _invalid(f"Unknown encoding '{encoding}'.", "encoding") from None
    names = args.get("fields")
    return CommonOptions(
        format=fmt, srs_id=srs_id, zipped=filters.flag(args, "zipped", True), fid=fid,
        field_names=None if names is None else [n for n in names.split(",") if n],
        display_name=filters.flag(args, "display_name", False), encoding=encoding)


def _filter_args(args: Mapping[str, str]) -> MultiDict:
    """The export's parameters as the feature filter parser reads them."""
    result = MultiDict(args.items(multi=True) if isinstance(args, MultiDict) else args.items())
    result.pop("srs", None)
    if args.get("intersects_srs") not in (None, ""):
        result["srs"] = args["intersects_srs"]
    return result


def for_layer(conn: Connection, layer: Layer, common: CommonOptions,
              args: Mapping[str, str], body: object = None, *,
              strict_fields: bool = True) -> ExportOptions:
    """Check the common options against a layer and parse its feature filters."""
    fmt = common.format
    if fmt.geometry_types is not None and layer.geometry_type not in fmt.geometry_types:
        raise _invalid(f"Format {fmt.name} does not support geometry type "
                       f"{layer.geometry_type} (layer id = {layer.resource_id}); it takes "
                       f"{', '.join(fmt.geometry_types)}.", "format")
    if fmt.needs_geometry and not layer.has_geometry:
        raise _invalid(f"Format {fmt.name} needs geometries; layer id = "
                       f"{layer.resource_id} has none.", "format")
    try:
        query = filters.parse_filters(conn, layer, _filter_args(args), body)
    except ValidationError as exc:
        location = exc.data.get("location")
        if location == ["query", "srs"]:
            exc.data["location"] = ["query", "intersects_srs"]
        raise
    return ExportOptions(**{f.name: getattr(common, f.name) for f in fields(common)},
                         query=query, strict_fields=strict_fields)


def parse(conn: Connection, layer: Layer, args: Mapping[str, str],
          body: object = None) -> ExportOptions:
    return for_layer(conn, layer, parse_common(conn, args), args, body)


def columns(layer: Layer, options: ExportOptions) -> list[Column]:
    """Output attribute columns: all fields in layer order, or those of ``fields=`` in the
    order given (NGW); named by keyname or, with ``display_name=true``, display name."""
    if not options.format.attributes:
        return []
    if options.field_names is None:
        chosen = list(layer.fields)
    else:
        chosen = []
        for name in dict.fromkeys(options.field_names):
            fld = layer.by_keyname.get(name)
            if fld is None and not options.strict_fields:
                continue
            if fld is None:
                raise _invalid(f"Unknown field '{name}' in 'fields' (layer id = "
                               f"{layer.resource_id}).", "fields")
            chosen.append(fld)
    result = [Column(f.display_name if options.display_name else f.keyname, f) for f in chosen]
    if options.fid is not None and options.fid in {c.name for c in result}:
        raise _invalid(f"Couldn't add FID field '{options.fid}': such a field already "
                       "exists.", "fid")
    return result


def srs_definition(conn: Connection, srs_id: int) -> str:
    """The CRS as GDAL should record it: ``EPSG:n`` when it is one, else its WKT."""
    srs = srs_service.get_srs(conn, srs_id)
    if srs is None:  # the layer's own SRS always exists; a requested one was checked
        raise ValidationError(f"Coordinate system id = {srs_id} was not found.")
    if srs.auth_name == "EPSG" and srs.auth_srid:
        return f"EPSG:{srs.auth_srid}"
    return srs.wkt
