"""Set-based feature writes: COPY into the layer table or a staging table, then one statement.

COPY uses the binary format: geometries go as EWKB bytes (PostGIS's binary input) and
values need no text formatting, which keeps the Python side of a batch small.

All statements run on the request's connection, inside its transaction (psycopg 3 reached
through SQLAlchemy), so a batch is all or nothing. Identifiers come from the layer's table
(built from ids) and are quoted by psycopg; values are COPY data or bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import sql
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.types import TypeInfo
from sqlalchemy import Connection, text

from ..loader import MISSING, Rows, Touched
from ..model import Layer

STAGING = "featuresvc_feature_staging"

#: Binary COPY types of field values (as loaded by values.py).
COPY_TYPES = {"INTEGER": "int4", "BIGINT": "int8", "REAL": "float8", "STRING": "text",
              "DATE": "date", "TIME": "time", "DATETIME": "timestamp", "BOOLEAN": "bool"}
#: The geometry type's OID and its EWKB dumper class, looked up once per process.
_geometry: dict[str, Any] = {}


def _binary_copy(cur: psycopg.Cursor, table: sql.Composable, columns: list[str],
                 types: list[str]) -> Any:
    """``COPY table (columns) FROM STDIN (FORMAT BINARY)`` with typed columns; the type
    "geometry" takes EWKB ``bytes``."""
    if "geometry" in types:
        if not _geometry:
            oid = TypeInfo.fetch(cur.connection, "geometry").oid
            _geometry["dumper"] = type("EWKBDumper", (_EWKBDumper,), {"oid": oid})
            _geometry["oid"] = oid
        cur.adapters.register_dumper(bytes, _geometry["dumper"])
        types = [_geometry["oid"] if t == "geometry" else t for t in types]
    copy = cur.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        table, sql.SQL(", ").join(map(sql.Identifier, columns))))
    return _TypedCopy(copy, types)


class _EWKBDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj: bytes) -> bytes:
        return obj


class _TypedCopy:
    """Context manager around psycopg's Copy that sets the column types on entry."""

    def __init__(self, copy_cm: Any, types: list[Any]):
        self._cm, self._types = copy_cm, types

    def __enter__(self) -> psycopg.Copy:
        copy = self._cm.__enter__()
        copy.set_types(self._types)
        return copy

    def __exit__(self, *exc: Any) -> Any:
        return self._cm.__exit__(*exc)


def _field_types(layer: Layer) -> list[str]:
    return [COPY_TYPES[f.datatype] for f in layer.fields]


def _raw(conn: Connection) -> psycopg.Connection:
    return conn.connection.driver_connection


def _table(layer: Layer) -> sql.Composable:
    return sql.Identifier(layer.table.schema, layer.table.name) if layer.table.schema \
        else sql.Identifier(layer.table.name)


def allocate_ids(conn: Connection, layer: Layer, count: int) -> list[int]:
    """Take ``count`` ids from the layer's sequence in one statement (ascending)."""
    with _raw(conn).cursor() as cur:
        cur.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                    (layer.id_sequence, count))
        return [r[0] for r in cur.fetchall()]


def sync_sequence(conn: Connection, layer: Layer) -> None:
    """After rows came with their own ids: the next id allocated is past the largest."""
    with _raw(conn).cursor() as cur:
        cur.execute(sql.SQL("SELECT setval(%s::regclass, coalesce((SELECT max(id) FROM {}), 0) "
                            "+ 1, false)").format(_table(layer)), (layer.id_sequence,))


class RowWriter:
    """COPY of new features (ids pre-allocated) straight into the layer table, fed in
    several pieces: PostgreSQL ingests each piece while the caller prepares the next."""

    def __init__(self, conn: Connection, layer: Layer):
        self.layer = layer
        geom = ["geom"] if layer.has_geometry else []
        self._columns = ["id", *geom, *(f.column_name for f in layer.fields)]
        self._types = ["int4", *(["geometry"] if geom else []), *_field_types(layer)]
        self._cursor = _raw(conn).cursor()

    def __enter__(self) -> RowWriter:
        self._copy_cm = _binary_copy(self._cursor, _table(self.layer), self._columns,
                                     self._types)
        self._copy = self._copy_cm.__enter__()
        return self

    def write(self, ids: list[int], rows: Rows) -> None:
        write = self._copy.write_row
        if self.layer.has_geometry:
            for fid, geom, values in zip(ids, rows.geoms, rows.values, strict=True):
                write((fid, geom, *values))
        else:
            for fid, values in zip(ids, rows.values, strict=True):
                write((fid, *values))

    def __exit__(self, *exc: Any) -> None:
        try:
            self._copy_cm.__exit__(*exc)
        finally:
            self._cursor.close()


def insert_rows(conn: Connection, layer: Layer, ids: list[int], rows: Rows) -> None:
    """COPY new features (ids pre-allocated) into the layer table."""
    with RowWriter(conn, layer) as writer:
        writer.write(ids, rows)


def insert_one(conn: Connection, layer: Layer, rows: Rows) -> int:
    """One new feature with one round trip (INSERT ... RETURNING id): single POSTs."""
    columns = (["geom"] if layer.has_geometry else []) + [f.column_name for f in layer.fields]
    values = ([rows.geoms[0]] if layer.has_geometry else []) + list(rows.values[0])
    marks = [sql.Placeholder()] * len(values)
    if layer.has_geometry:
        marks[0] = sql.SQL("ST_GeomFromEWKB({})").format(sql.Placeholder())
    with _raw(conn).cursor() as cur:
        cur.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
            _table(layer), sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(marks)) if columns else
            sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING id").format(_table(layer)),
            values)
        return cur.fetchone()[0]


def touched(rows: Rows, layer: Layer) -> Touched:
    n = len(rows)
    geom_set = sum(1 for g in rows.geoms if g is not MISSING) if layer.has_geometry else 0
    geom = None if geom_set == 0 else geom_set == n
    columns = []
    for i in range(len(layer.fields)):
        count = sum(1 for v in rows.values if v[i] is not MISSING)
        if count:
            columns.append((i, count == n))
    return Touched(geom, columns)


class UpdateStage:
    """Updates staged with COPY into a temporary table (fed in one or several pieces),
    then applied by one ``UPDATE ... FROM``. A column set by only some rows gets a flag
    column, and ``CASE`` keeps the other rows' values."""

    def __init__(self, conn: Connection, layer: Layer, touched: Touched):
        self.layer = layer
        self.geom, self.columns = touched.geom, touched.columns
        self._cursor = _raw(conn).cursor()
        self._stage_cols: list[tuple[str, str]] = [("id", "int4")]
        self._sets: list[sql.Composable] = []
        if self.geom is not None:
            self._add("geom", "geometry", self.geom)
        for index, full in self.columns:
            fld = layer.fields[index]
            self._add(fld.column_name, COPY_TYPES[fld.datatype], full)

    def _add(self, name: str, sqltype: str, full: bool) -> None:
        self._stage_cols.append((name, sqltype))
        if full:
            self._sets.append(sql.SQL("{c} = s.{c}").format(c=sql.Identifier(name)))
            return
        self._stage_cols.append((f"{name}__set", "bool"))
        self._sets.append(sql.SQL("{c} = CASE WHEN s.{f} THEN s.{c} ELSE t.{c} END").format(
            c=sql.Identifier(name), f=sql.Identifier(f"{name}__set")))

    def __enter__(self) -> UpdateStage:
        cur = self._cursor
        cur.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(STAGING)))
        cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
            sql.Identifier(STAGING), sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t))
                for n, t in self._stage_cols)))
        self._copy_cm = _binary_copy(cur, sql.Identifier(STAGING),
                                     [n for n, _t in self._stage_cols],
                                     [t for _n, t in self._stage_cols])
        self._copy = self._copy_cm.__enter__()
        return self

    def write(self, rows: Rows) -> None:
        write = self._copy.write_row
        if self.geom is True and all(full for _i, full in self.columns) \
                and len(self.columns) == len(self.layer.fields):
            for fid, g, values in zip(rows.ids, rows.geoms, rows.values, strict=True):
                write((fid, g, *values))  # GDAL's case: every feature sends everything
            return
        for row in self._staged(rows):
            write(row)

    def _staged(self, rows: Rows) -> Iterator[list[Any]]:
        geom, columns = self.geom, self.columns
        for fid, g, values in zip(rows.ids, rows.geoms, rows.values, strict=True):
            row: list[Any] = [fid]
            if geom is not None:
                if geom:
                    row.append(g)
                else:
                    row += (None, False) if g is MISSING else (g, True)
            for index, full in columns:
                value = values[index]
                if full:
                    row.append(value)
                else:
                    row += (None, False) if value is MISSING else (value, True)
            yield row

    def __exit__(self, *exc: Any) -> None:
        self._copy_cm.__exit__(*exc)
        if exc[0] is not None:
            self._cursor.close()

    def apply(self) -> int:
        """Run the UPDATE; returns how many features were found."""
        with self._cursor as cur:
            cur.execute(sql.SQL("UPDATE {} AS t SET {} FROM {} AS s WHERE t.id = s.id").format(
                _table(self.layer), sql.SQL(", ").join(self._sets), sql.Identifier(STAGING)))
            found = cur.rowcount
            cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(STAGING)))
        return found


def update_rows(conn: Connection, layer: Layer, rows: Rows) -> int:
    """Stage and apply updates; returns the number of features found (the caller compares
    it with the distinct ids sent)."""
    which = touched(rows, layer)
    if which.empty:
        return count_existing(conn, layer, rows.ids)
    with UpdateStage(conn, layer, which) as stage:
        stage.write(rows)
    return stage.apply()


#: First key of the advisory locks that serialise a layer's multi-row writers.
BATCH_LOCK_SPACE = 0x46454154  # "FEAT"


def lock_batches(conn: Connection, layer: Layer) -> None:
    """Serialise the layer's multi-row writers (PATCH lists, DELETE lists, patch-all) with a
    transaction-scoped advisory lock. Their set-based UPDATE/DELETE lock rows in whatever
    order the plan visits them, so two of them overlapping could deadlock; one at a time per
    layer they cannot. Single-row writers don't take it: holding one feature row they never
    wait on another. Far cheaper than locking every listed row in id order first."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:space, :layer)"),
                 {"space": BATCH_LOCK_SPACE, "layer": layer.resource_id})


def count_existing(conn: Connection, layer: Layer, ids: list[int]) -> int:
    with _raw(conn).cursor() as cur:
        cur.execute(sql.SQL("SELECT count(*) FROM {} WHERE id = ANY(%s)").format(_table(layer)),
                    (list(set(ids)),))
        return cur.fetchone()[0]


def missing_ids(conn: Connection, layer: Layer, ids: list[int]) -> list[int]:
    """Ids (in the given order) that are not in the layer."""
    with _raw(conn).cursor() as cur:
        cur.execute(sql.SQL(
            "SELECT x FROM unnest(%s::int8[]) WITH ORDINALITY AS u(x, n) "
            "WHERE NOT EXISTS (SELECT 1 FROM {} t WHERE t.id = u.x) ORDER BY n"
        ).format(_table(layer)), (ids,))
        return [r[0] for r in cur.fetchall()]


def delete_rows(conn: Connection, layer: Layer, ids: list[int]) -> set[int]:
    """Delete the features; returns the ids that existed."""
    with _raw(conn).cursor() as cur:
        cur.execute(sql.SQL("DELETE FROM {} WHERE id = ANY(%s) RETURNING id").format(
            _table(layer)), (ids,))
        return {r[0] for r in cur.fetchall()}


def delete_all(conn: Connection, layer: Layer) -> None:
    """TRUNCATE: instant on any size; ids keep counting from where they were."""
    with _raw(conn).cursor() as cur:
        cur.execute(sql.SQL("TRUNCATE {}").format(_table(layer)))


def update_where(conn: Connection, layer: Layer, where: list[Any], values: dict[str, Any],
                 geom_ewkb: Any = MISSING) -> int:
    """One UPDATE of every feature matching ``where`` (SQLAlchemy clauses from the filter
    parser); ``values`` maps column names to typed values."""
    assignments: dict[Any, Any] = {layer.table.c[k]: v for k, v in values.items()}
    if geom_ewkb is not MISSING:
        assignments[layer.geom_column] = None if geom_ewkb is None else \
            sa.func.ST_GeomFromEWKB(sa.literal(geom_ewkb, sa.LargeBinary))
    if not assignments:
        stmt = sa.select(sa.func.count()).select_from(layer.table).where(*where)
        return conn.execute(stmt).scalar_one()
    # The matching rows are locked in id order first (a materialized CTE is read in its own
    # order), so this cannot deadlock with a single-row writer either.
    ids = layer.table.c.id
    locked = sa.select(ids).where(*where).order_by(ids).with_for_update().cte("locked") \
        .prefix_with("MATERIALIZED")
    stmt = sa.update(layer.table).where(ids.in_(sa.select(locked.c.id))).values(assignments)
    return conn.execute(stmt).rowcount
