"""Feature reads: a :class:`FeatureQuery` -> SQLAlchemy Core, run on a connection.

Operators map to SQL in one table (:data:`_OPS`); values are bound parameters; columns come
from the layer's table. Geometry output is done by PostGIS (ST_Transform, ST_AsText,
ST_AsGeoJSON); long reads stream from a server-side cursor on their own connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..loader import gc_paused
from ..model import Field, Layer
from ..query import Condition, FeatureQuery, Logical, Node

_TEXT = ("STRING",)
#: Reads limited to this many rows are fetched in one go instead of through a cursor.
BUFFERED_MAX = 20000


def _as_text(column: Any, field: Field | None) -> Any:
    return column if field is not None and field.datatype in _TEXT else sa.cast(column, sa.Text)


def _isnull(col: Any, value: bool, field: Field | None) -> Any:
    return col.is_(None) if value else col.is_not(None)


_OPS: dict[str, Callable[[Any, Any, Field | None], Any]] = {
    "eq": lambda c, v, f: c == v,
    "ne": lambda c, v, f: c != v,
    "gt": lambda c, v, f: c > v,
    "lt": lambda c, v, f: c < v,
    "ge": lambda c, v, f: c >= v,
    "le": lambda c, v, f: c <= v,
    "like": lambda c, v, f: _as_text(c, f).like(v),
    "ilike": lambda c, v, f: _as_text(c, f).ilike(v),
    "notlike": lambda c, v, f: _as_text(c, f).not_like(v),
    "notilike": lambda c, v, f: _as_text(c, f).not_ilike(v),
    "in": lambda c, v, f: c.in_(v) if v else sa.false(),
    "notin": lambda c, v, f: c.not_in(v) if v else sa.true(),
    "isnull": _isnull,
    "startswith": lambda c, v, f: _as_text(c, f).startswith(v, autoescape=True),
}


def _column(layer: Layer, field: Field | None) -> Any:
    return layer.id_column if field is None else layer.column(field)


def _clause(layer: Layer, node: Node) -> Any:
    if isinstance(node, Logical):
        parts = [_clause(layer, item) for item in node.items]
        if not parts:
            return sa.true()
        return sa.and_(*parts) if node.op == "all" else sa.or_(*parts)
    cond: Condition = node
    return _OPS[cond.op](_column(layer, cond.field), cond.value, cond.field)


def where(layer: Layer, query: FeatureQuery) -> list[Any]:
    clauses = [_clause(layer, c) for c in query.conditions]
    if query.expression is not None:
        clauses.append(_clause(layer, query.expression))
    for name in ("like", "ilike"):
        pattern = getattr(query, name)
        if pattern is not None:
            texts = [_as_text(layer.column(f), f) for f in layer.fields if f.text_search]
            matches = [getattr(t, name)(f"%{pattern}%") for t in texts]
            clauses.append(sa.or_(*matches) if matches else sa.false())
    if query.intersects is not None:
        clauses.append(sa.func.ST_Intersects(
            layer.geom_column, sa.func.ST_GeomFromEWKB(sa.literal(query.intersects,
                                                                  sa.LargeBinary))))
    return clauses


def _geom_output(layer: Layer, query: FeatureQuery) -> Any:
    geom: Any = layer.geom_column
    if query.srs_id is not None and query.srs_id != layer.srs_id:
        geom = sa.func.ST_Transform(geom, query.srs_id)
    if query.geom_format == "geojson":
        return sa.func.ST_AsGeoJSON(geom, 15, 0)  # no "crs" member
    return sa.func.ST_AsText(geom)


def output_fields(layer: Layer, query: FeatureQuery) -> list[Field]:
    return list(layer.fields) if query.fields is None else query.fields


def select(layer: Layer, query: FeatureQuery, *, with_geom: bool) -> sa.Select:
    """Columns: id, [geom], output fields..., [label field]."""
    columns: list[Any] = [layer.id_column]
    if with_geom:
        columns.append(_geom_output(layer, query))
    columns += [layer.column(f) for f in output_fields(layer, query)]
    label = layer.label_field if query.label else None
    if label is not None:
        columns.append(layer.column(label))
    stmt = sa.select(*columns).where(*where(layer, query))
    order = [(_column(layer, f).desc() if desc else _column(layer, f).asc())
             for f, desc in query.order_by]
    stmt = stmt.order_by(*order, layer.id_column.asc())
    if query.limit is not None:
        stmt = stmt.limit(query.limit).offset(query.offset)
    return stmt


def fetch_one(conn: Connection, layer: Layer, query: FeatureQuery, fid: int,
              *, with_geom: bool) -> Any | None:
    stmt = select(layer, query, with_geom=with_geom).where(layer.id_column == fid)
    return conn.execute(stmt).first()


def fetch_all(conn: Connection, layer: Layer, query: FeatureQuery, *, with_geom: bool
              ) -> list[Any]:
    """Every row at once, for reads known to be small (identify's per-layer limit)."""
    return list(conn.execute(select(layer, query, with_geom=with_geom)).all())


class Stream:
    """Rows in chunks, on a connection of its own (``conn``, which extensions may use for
    their per-chunk reads); closed when iteration ends.

    Pages up to :data:`BUFFERED_MAX` rows are fetched at once (one round trip); longer or
    unlimited reads come from a server-side cursor, ``chunk`` rows per fetch, so memory
    stays bounded. The statement runs and the first rows are fetched on creation, so SQL
    errors surface while the view can still answer with an error envelope.
    """

    def __init__(self, engine: Engine, stmt: sa.Select, chunk: int, limit: int | None):
        self.conn = engine.connect()
        self.chunk = chunk
        self.buffered = limit is not None and limit <= BUFFERED_MAX
        try:
            options = {} if self.buffered else {"stream_results": True, "yield_per": chunk}
            self.result = self.conn.execution_options(**options).execute(stmt)
            with gc_paused():
                self.first = self.result.fetchall() if self.buffered \
                    else self.result.fetchmany(chunk)
        except BaseException:
            self.conn.close()
            raise

    def __iter__(self) -> Iterator[list[Any]]:
        try:
            rows = self.first
            if self.buffered:
                for start in range(0, len(rows), self.chunk):
                    yield rows[start:start + self.chunk]
                return
            if rows:
                yield rows
            while len(rows) == self.chunk:
                with gc_paused():
                    rows = self.result.fetchmany(self.chunk)
                if rows:
                    yield rows
        finally:
            self.close()

    def close(self) -> None:
        """Idempotent; also registered with the response, for a stream never iterated."""
        if not self.conn.closed:
            self.result.close()
            self.conn.close()


def count(conn: Connection, layer: Layer, query: FeatureQuery | None = None) -> int:
    stmt = sa.select(sa.func.count()).select_from(layer.table)
    if query is not None:
        stmt = stmt.where(*where(layer, query))
    return conn.execute(stmt).scalar_one()


def extent(conn: Connection, layer: Layer, query: FeatureQuery | None = None,
           fid: int | None = None, srs_id: int = 4326) -> tuple[float, ...] | None:
    """(minx, miny, maxx, maxy) of the matching geometries in ``srs_id``; None if empty."""
    geom: Any = layer.geom_column
    if layer.srs_id != srs_id:
        geom = sa.func.ST_Transform(geom, srs_id)
    box = sa.func.ST_Extent(geom)
    stmt = sa.select(sa.func.ST_XMin(box), sa.func.ST_YMin(box), sa.func.ST_XMax(box),
                     sa.func.ST_YMax(box)).select_from(layer.table)
    if query is not None:
        stmt = stmt.where(*where(layer, query))
    if fid is not None:
        stmt = stmt.where(layer.id_column == fid)
    row = conn.execute(stmt).first()
    return None if row is None or row[0] is None else tuple(row)


def exists(conn: Connection, layer: Layer, fid: int) -> bool:
    stmt = sa.select(layer.id_column).where(layer.id_column == fid)
    return conn.execute(stmt).first() is not None


def geometry_wkb(conn: Connection, layer: Layer, fid: int, srs_id: int) -> tuple[bool, Any]:
    """(feature exists, its geometry as WKB in ``srs_id`` or None)."""
    geom: Any = layer.geom_column
    if layer.srs_id != srs_id:
        geom = sa.func.ST_Transform(geom, srs_id)
    row = conn.execute(sa.select(sa.func.ST_AsBinary(geom))
                       .where(layer.id_column == fid)).first()
    return (False, None) if row is None else (True, row[0])
