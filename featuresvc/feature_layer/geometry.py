"""Geometry input, vectorised over a whole batch with shapely 2 (spec 3.3, Decision 2).

Accepted: WKT as PostGIS writes it (``POINT(1 2)``, ``POINT Z (1 2 3)``), old OGC 3D without
the Z keyword (``POINT (1 2 3)``, what GDAL sends), QGIS style (``Point (1 2)``), and GeoJSON
with ``geom_format=geojson``. The type must be the layer's (no automatic multi), coordinates
must be finite.

Dimensions: 2D input into a Z layer gets Z = 0 (field apps send 2D points to any layer);
3D input into a 2D layer is refused with a 422 rather than silently dropping the Z values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import shapely
from sqlalchemy import Connection

from .. import geometry_input
from ..errors import ValidationError
from ..spatial_ref_sys import service as srs_service
from .model import Layer, has_z

TYPE_IDS = {"POINT": 0, "LINESTRING": 1, "POLYGON": 3, "MULTIPOINT": 4, "MULTILINESTRING": 5,
            "MULTIPOLYGON": 6}
TYPE_NAMES = {0: "POINT", 1: "LINESTRING", 2: "LINEARRING", 3: "POLYGON", 4: "MULTIPOINT",
              5: "MULTILINESTRING", 6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION"}


def _fail(label: str, message: str) -> ValidationError:
    return ValidationError(f"{label}{message}")


def parse(values: Sequence[Any], labels: Sequence[str], geom_format: str) -> np.ndarray:
    """Parse non-null WKT strings / GeoJSON values; 422 naming the first bad one."""
    if geom_format == "geojson":
        texts = []
        for value, label in zip(values, labels, strict=True):
            if isinstance(value, dict):
                texts.append(orjson.dumps(value))
            elif isinstance(value, str):
                texts.append(value)
            else:
                raise _fail(label, "geometry is not valid: expected a GeoJSON geometry object.")
        what = "GeoJSON"
    else:
        for value, label in zip(values, labels, strict=True):
            if type(value) is not str:
                raise _fail(label, "geometry is not valid: expected a WKT string.")
        texts, what = values, "WKT"
    try:
        return geometry_input.read(texts, geom_format)
    except geometry_input.BadGeometry as exc:
        value = values[exc.index]
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
        raise _fail(labels[exc.index], f"geometry is not valid ({what}): "
                                       f"{geometry_input.describe(exc, text)}.") from None


def conform(conn: Connection, geoms: np.ndarray, labels: Sequence[str], layer: Layer,
            input_srs: int | None) -> np.ndarray:
    """Check type and dimensions for the layer, reproject, check finiteness."""
    expected = TYPE_IDS[layer.geometry_type.removesuffix("Z")]
    type_ids = shapely.get_type_id(geoms)
    wrong = np.flatnonzero(type_ids != expected)
    if wrong.size:
        got = TYPE_NAMES.get(int(type_ids[wrong[0]]), "UNKNOWN")
        raise _fail(labels[wrong[0]], f"geometry type {got} does not match the layer "
                                      f"geometry type {layer.geometry_type}.")
    z = shapely.has_z(geoms)
    if layer.has_z:
        flat = ~z
        if flat.any():
            geoms = geoms.copy()
            geoms[flat] = shapely.force_3d(geoms[flat], 0.0)
    elif z.any():
        first = int(np.flatnonzero(z)[0])
        raise _fail(labels[first], f"geometry has Z coordinates but the layer geometry type "
                                   f"{layer.geometry_type} is 2D.")
    if input_srs is not None and input_srs != layer.srs_id:
        geoms = srs_service.transform(geoms, input_srs, layer.srs_id, conn=conn)
    coords, index = shapely.get_coordinates(geoms, include_z=layer.has_z, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    if bad.any():
        raise _fail(labels[int(index[np.flatnonzero(bad)[0]])],
                    "geometry has non-finite coordinates.")
    return geoms


def to_ewkb(geoms: np.ndarray, layer: Layer) -> list[bytes]:
    """EWKB with the layer SRID: PostGIS's own binary form (binary COPY, ST_GeomFromEWKB)."""
    geoms = shapely.set_srid(geoms, layer.srs_id)
    return shapely.to_wkb(geoms, include_srid=True,
                          output_dimension=3 if has_z(layer.geometry_type) else 2).tolist()


def load(conn: Connection, values: Sequence[Any], labels: Sequence[str], layer: Layer,
         geom_format: str, input_srs: int | None) -> list[bytes]:
    """Non-null input geometries -> EWKB ready for the layer's column."""
    if not values:
        return []
    if not layer.has_geometry:
        raise _fail(labels[0], "the layer has no geometry (geometry_type NONE).")
    geoms = conform(conn, parse(values, labels, geom_format), labels, layer, input_srs)
    return to_ewkb(geoms, layer)


def parse_filter_geometry(conn: Connection, wkt: Any, layer: Layer, input_srs: int | None,
                          name: str = "intersects") -> bytes:
    """The ``intersects`` geometry (any type) as EWKB in the layer SRS."""
    if not isinstance(wkt, str):
        raise ValidationError(f"Parameter '{name}' geometry is not valid.")
    try:
        geoms = geometry_input.read([wkt])
    except geometry_input.BadGeometry as exc:
        raise ValidationError(f"Parameter '{name}' geometry is not valid: "
                              f"{geometry_input.describe(exc, wkt)}.",
                              data={"location": ["query", name]}) from None
    if input_srs is not None and input_srs != layer.srs_id:
        geoms = srs_service.transform(geoms, input_srs, layer.srs_id, conn=conn)
    if not np.isfinite(shapely.get_coordinates(geoms, include_z=True)[:, :2]).all():
        raise ValidationError(f"Parameter '{name}' geometry has non-finite coordinates.",
                              data={"location": ["query", name]})
    return shapely.to_wkb(shapely.set_srid(geoms[0], layer.srs_id), include_srid=True,
                          output_dimension=2)
