"""All SQL of the export: the feature rows to write, streamed from a server-side cursor.

Geometry comes out of PostGIS as WKB, already in the output SRS (``ST_Transform``), so
Python never parses it: it is handed to GDAL as is. TIME is sent as text (NGW's types for
desktop clients: TIME is a string field), everything else in its own type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from ..feature_layer.loader import gc_paused
from ..feature_layer.model import Field, Layer
from ..feature_layer.query import FeatureQuery
from ..feature_layer.store import read

#: Rows per fetch from the server-side cursor (and per batch handed to GDAL).
CHUNK = 5000


def _value(layer: Layer, fld: Field) -> Any:
    column = layer.column(fld)
    return sa.cast(column, sa.Text) if fld.datatype == "TIME" else column


def select(layer: Layer, query: FeatureQuery, fields: list[Field], srs_id: int | None, *,
           with_geom: bool, needs_geometry: bool) -> sa.Select:
    """Columns: id, [geometry WKB], fields... in id order."""
    columns: list[Any] = [layer.id_column]
    if with_geom:
        geom: Any = layer.geom_column
        if srs_id is not None and srs_id != layer.srs_id:
            geom = sa.func.ST_Transform(geom, srs_id)
        columns.append(sa.func.ST_AsBinary(geom))
    columns += [_value(layer, f) for f in fields]
    stmt = sa.select(*columns).where(*read.where(layer, query))
    if needs_geometry:
        stmt = stmt.where(layer.geom_column.is_not(None))
    return stmt.order_by(layer.id_column)


def count(conn: Connection, layer: Layer, query: FeatureQuery, *, needs_geometry: bool) -> int:
    stmt = sa.select(sa.func.count()).select_from(layer.table).where(*read.where(layer, query))
    if needs_geometry:
        stmt = stmt.where(layer.geom_column.is_not(None))
    return conn.execute(stmt).scalar_one()


def stream(conn: Connection, stmt: sa.Select, chunk: int = CHUNK,
           on_chunk: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    """Rows in chunks from a server-side cursor on ``conn`` (inside its transaction)."""
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(stmt)
    try:
        while True:
            with gc_paused():
                rows = result.fetchmany(chunk)
            if not rows:
                return
            yield rows
            if on_chunk is not None:
                on_chunk(len(rows))
    finally:
        result.close()
