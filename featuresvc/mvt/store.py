"""All SQL of vector tiles: the per-layer change counter and one tile layer by ``ST_AsMVT``.

A tile layer is built in one statement: features whose bounding box meets the padded tile
(in the layer's SRS, so the GiST index is used), clipped there first when the layer is not
in Web Mercator (a polygon reaching the pole cannot be projected whole), simplified in
tile-pixel units, then snapped to the tile grid by ``ST_AsMVTGeom``. Properties are the
fields by keyname; dates and times as ISO text; the feature id is the MVT feature id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text

from ..feature_layer.model import Layer

MERCATOR = 3857
_ISO = {"DATE": "YYYY-MM-DD", "TIME": "HH24:MI:SS", "DATETIME": 'YYYY-MM-DD"T"HH24:MI:SS'}


def bump(conn: Connection, resource_id: int) -> None:
    conn.execute(text(
        "INSERT INTO feature_layer_stamp (resource_id, stamp) VALUES (:id, 1) "
        "ON CONFLICT (resource_id) DO UPDATE SET stamp = feature_layer_stamp.stamp + 1"),
        {"id": resource_id})


def stamps(conn: Connection, ids: list[int]) -> dict[int, int]:
    rows = conn.execute(text("SELECT resource_id, stamp FROM feature_layer_stamp "
                             "WHERE resource_id = ANY(:ids)"), {"ids": ids})
    return dict(rows.all())


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int
    extent: int
    simplification: float
    padding: float

    @property
    def size(self) -> float:
        """Tile width in metres (Web Mercator)."""
        return 2 * 20037508.342789244 / (1 << self.z)


def _property(layer: Layer, fld: Any) -> Any:
    column = layer.column(fld)
    if fld.datatype in _ISO:
        column = sa.func.to_char(column, _ISO[fld.datatype])
    return column.label(fld.keyname)


def tile_layer(conn: Connection, layer: Layer, tile: Tile) -> bytes:
    """The layer's MVT layer ``ngw:{id}`` for the tile (empty bytes when no feature)."""
    envelope = sa.func.ST_TileEnvelope(tile.z, tile.x, tile.y)
    padded: Any = sa.func.ST_TileEnvelope(tile.z, tile.x, tile.y, sa.literal_column(
        "margin => " + repr(float(tile.padding))))
    geom: Any = layer.geom_column
    if layer.srs_id != MERCATOR:
        if layer.srs_id != 4326:  # a curved frame in other projections
            padded = sa.func.ST_Segmentize(padded, tile.size / 16)
        padded = sa.func.ST_Transform(padded, layer.srs_id)
        geom = sa.func.ST_Transform(sa.func.ST_ClipByBox2D(geom, padded), MERCATOR)
    if tile.simplification > 0 and "POINT" not in layer.geometry_type:
        geom = sa.func.ST_Simplify(geom, tile.size / tile.extent * tile.simplification, True)
    buffer = round(tile.extent * tile.padding)
    mvt_geom = sa.func.ST_AsMVTGeom(geom, envelope, tile.extent, buffer, True).label("geom")
    inner = sa.select(layer.id_column.label("id"), mvt_geom,
                      *[_property(layer, f) for f in layer.fields]) \
        .where(layer.geom_column.op("&&")(padded)).subquery("t")
    stmt = sa.select(sa.func.ST_AsMVT(sa.literal_column("t"), f"ngw:{layer.resource_id}",
                                      tile.extent, "geom", "id")) \
        .select_from(inner).where(inner.c.geom.is_not(None))
    result = conn.execute(stmt).scalar()
    return bytes(result) if result else b""
