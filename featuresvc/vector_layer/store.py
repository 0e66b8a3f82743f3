"""All SQL of the vector_layer component: layer and field metadata, and the per-layer table.

Each layer's features live in ``vector_layer.layer_<resource id>``: ``id`` (identity, primary
key), ``geom geometry(<TYPE>, <srid>)`` with a GiST index (absent for NONE) and one typed
column ``fld_<field id>`` per field. Names come from ids only, so renaming a field rewrites
nothing; DDL runs in the caller's transaction, next to the metadata it matches.
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.types import UserDefinedType

from ..feature_layer.model import Field, Layer, base_type, has_z, is_multi

SCHEMA = "vector_layer"

SQL_TYPES: dict[str, type | sa.types.TypeEngine] = {
    "INTEGER": sa.Integer(), "BIGINT": sa.BigInteger(), "REAL": pg.DOUBLE_PRECISION(),
    "STRING": sa.Text(), "DATE": sa.Date(), "TIME": sa.Time(), "DATETIME": sa.DateTime(),
    "BOOLEAN": sa.Boolean(),
}


class GeometryType(UserDefinedType):
    """``geometry(TYPE, srid)`` without geoalchemy's implicit conversions: the feature store
    chooses ST_AsText / ST_AsGeoJSON / EWKB itself."""

    cache_ok = True

    def __init__(self, geometry_type: str | None = None, srid: int | None = None):
        self.geometry_type = geometry_type
        self.srid = srid

    def get_col_spec(self, **kw) -> str:
        if self.geometry_type is None:
            return "geometry"
        return f"geometry({self.geometry_type},{int(self.srid)})"


def table_name(resource_id: int) -> str:
    return f"layer_{int(resource_id)}"


def layer_table(resource_id: int, geometry_type: str, srid: int | None,
                fields: list[Field] | tuple[Field, ...]) -> sa.Table:
    columns = [sa.Column("id", sa.Integer, sa.Identity(), primary_key=True)]
    if geometry_type != "NONE":
        columns.append(sa.Column("geom", GeometryType(geometry_type, srid)))
    columns += [sa.Column(f.column_name, SQL_TYPES[f.datatype]) for f in fields]
    return sa.Table(table_name(resource_id), sa.MetaData(), *columns, schema=SCHEMA)


def _geom_index(table: sa.Table) -> sa.Index:
    return sa.Index(f"{table.name}_geom_idx", table.c.geom, postgresql_using="gist")


def _qualified(conn: Connection, resource_id: int) -> str:
    prep = conn.dialect.identifier_preparer
    return f"{prep.quote_schema(SCHEMA)}.{prep.quote(table_name(resource_id))}"


# -- metadata ----------------------------------------------------------------------------------

def get_meta(conn: Connection, resource_id: int) -> tuple[int | None, str] | None:
    row = conn.execute(text("SELECT srs_id, geometry_type FROM vector_layer "
                            "WHERE resource_id = :id"), {"id": resource_id}).first()
    return None if row is None else (row[0], row[1])


def get_meta_many(conn: Connection, ids: list[int]) -> dict[int, tuple[int | None, str]]:
    rows = conn.execute(text("SELECT resource_id, srs_id, geometry_type FROM vector_layer "
                             "WHERE resource_id = ANY(:ids)"), {"ids": ids})
    return {r[0]: (r[1], r[2]) for r in rows}


def lock_meta(conn: Connection, resource_id: int) -> None:
    """Exclusive lock for structure changes; feature writes hold a share lock (load_layer)."""
    conn.execute(text("SELECT 1 FROM vector_layer WHERE resource_id = :id FOR UPDATE"),
                 {"id": resource_id})


_FIELD_COLUMNS = ("id, keyname, display_name, datatype, position, label_field, "
                  "grid_visibility, text_search, required, lookup_table_id")


def fields_many(conn: Connection, ids: list[int]) -> dict[int, list[Field]]:
    rows = conn.execute(text(
        f"SELECT resource_id, {_FIELD_COLUMNS} FROM layer_field "
        "WHERE resource_id = ANY(:ids) ORDER BY resource_id, position, id"), {"ids": ids})
    result: dict[int, list[Field]] = {i: [] for i in ids}
    for row in rows:
        result[row[0]].append(Field(*row[1:]))
    return result


_LAYER_SQL = (
    "SELECT l.srs_id, l.geometry_type, f.id, f.keyname, f.display_name, f.datatype, "
    "f.position, f.label_field, f.grid_visibility, f.text_search, f.required, "
    "f.lookup_table_id FROM vector_layer l LEFT JOIN layer_field f "
    "ON f.resource_id = l.resource_id WHERE l.resource_id = :id ORDER BY f.position, f.id")

#: Layers built in this process, by resource id: reusing the same Table object lets
#: SQLAlchemy reuse its compiled statements. An entry is used only while the stored
#: metadata is unchanged, so it never outlives a structure change.
_layers: dict[int, Layer] = {}
_LAYERS_MAX = 512


def load_layer(conn: Connection, resource_id: int, cls: str, *, lock: bool = False
               ) -> Layer | None:
    """The layer in one query (``lock``: share-lock its metadata row for a write)."""
    sql = _LAYER_SQL + (" FOR SHARE OF l" if lock else "")
    rows = conn.execute(text(sql), {"id": resource_id}).all()
    if not rows:
        return None
    srs_id, geometry_type = rows[0][0], rows[0][1]
    fields = tuple(Field(*row[2:]) for row in rows if row[2] is not None)
    cached = _layers.get(resource_id)
    if cached is not None and (cached.srs_id, cached.geometry_type, cached.fields) == (
            srs_id, geometry_type, fields):
        return cached
    table = layer_table(resource_id, geometry_type, srs_id, fields)
    layer = Layer(resource_id=resource_id, cls=cls, srs_id=srs_id, geometry_type=geometry_type,
                  fields=fields, table=table,
                  id_sequence=f"{SCHEMA}.{table_name(resource_id)}_id_seq")
    if len(_layers) >= _LAYERS_MAX:
        _layers.clear()
    _layers[resource_id] = layer
    return layer


def insert_meta(conn: Connection, resource_id: int, srs_id: int | None,
                geometry_type: str) -> None:
    conn.execute(text("INSERT INTO vector_layer (resource_id, srs_id, geometry_type) "
                      "VALUES (:id, :srs, :gt)"),
                 {"id": resource_id, "srs": srs_id, "gt": geometry_type})


def update_meta(conn: Connection, resource_id: int, srs_id: int | None,
                geometry_type: str) -> None:
    conn.execute(text("UPDATE vector_layer SET srs_id = :srs, geometry_type = :gt "
                      "WHERE resource_id = :id"),
                 {"id": resource_id, "srs": srs_id, "gt": geometry_type})


def _insert_fields(conn: Connection, resource_id: int, fields: list[Field]) -> list[Field]:
    if not fields:
        return []
    rows = conn.execute(text(
        "INSERT INTO layer_field (resource_id, position, keyname, display_name, datatype, "
        "label_field, grid_visibility, text_search, required, lookup_table_id) "
        "SELECT :rid, u.* FROM unnest(CAST(:pos AS int[]), CAST(:kn AS text[]), "
        "CAST(:dn AS text[]), CAST(:dt AS text[]), CAST(:lf AS bool[]), CAST(:gv AS bool[]), "
        "CAST(:ts AS bool[]), CAST(:rq AS bool[]), CAST(:lt AS int[])) AS u "
        "RETURNING keyname, id"), {
            "rid": resource_id, "pos": [f.position for f in fields],
            "kn": [f.keyname for f in fields], "dn": [f.display_name for f in fields],
            "dt": [f.datatype for f in fields], "lf": [f.label_field for f in fields],
            "gv": [f.grid_visibility for f in fields], "ts": [f.text_search for f in fields],
            "rq": [f.required for f in fields], "lt": [f.lookup_table_id for f in fields],
        }).all()
    ids = dict(rows)
    return [replace(f, id=ids[f.keyname]) for f in fields]


def _update_fields(conn: Connection, fields: list[Field]) -> None:
    if not fields:
        return
    conn.execute(text(
        "UPDATE layer_field SET position = :position, keyname = :keyname, "
        "display_name = :display_name, label_field = :label_field, "
        "grid_visibility = :grid_visibility, text_search = :text_search, "
        "required = :required, lookup_table_id = :lookup_table_id WHERE id = :id"),
        [{"id": f.id, "position": f.position, "keyname": f.keyname,
          "display_name": f.display_name, "label_field": f.label_field,
          "grid_visibility": f.grid_visibility, "text_search": f.text_search,
          "required": f.required, "lookup_table_id": f.lookup_table_id} for f in fields])


# -- per-layer table DDL -------------------------------------------------------------------------

def create_table(conn: Connection, resource_id: int, geometry_type: str,
                 srid: int | None, *, index: bool = True) -> None:
    """The layer's table; ``index=False`` leaves the GiST index to :func:`create_geom_index`
    (a bulk load builds it once at the end, several times faster than row by row)."""
    table = layer_table(resource_id, geometry_type, srid, [])
    conn.execute(CreateTable(table))
    if geometry_type != "NONE" and index:
        conn.execute(CreateIndex(_geom_index(table)))


def create_geom_index(conn: Connection, resource_id: int) -> None:
    table = layer_table(resource_id, "POINT", 4326, [])
    conn.execute(CreateIndex(_geom_index(table)))


def analyze(conn: Connection, resource_id: int) -> None:
    """Fresh planner statistics after a bulk load."""
    conn.execute(text(f"ANALYZE {_qualified(conn, resource_id)}"))


def delete_fields(conn: Connection, resource_id: int) -> None:
    """Every field row of a layer (its table is being rebuilt from a new source)."""
    conn.execute(text("DELETE FROM layer_field WHERE resource_id = :id"), {"id": resource_id})


def drop_tables(conn: Connection, resource_ids: list[int]) -> None:
    for rid in resource_ids:
        conn.execute(text(f"DROP TABLE IF EXISTS {_qualified(conn, rid)}"))


def apply_fields(conn: Connection, layer: Layer, new_fields: list[Field],
                 deleted: list[int]) -> None:
    """Store a field plan (the caller holds :func:`lock_meta`): metadata rows and
    ADD/DROP COLUMN in one go."""
    table = _qualified(conn, layer.resource_id)
    prep = conn.dialect.identifier_preparer
    if deleted:
        conn.execute(text("DELETE FROM layer_field WHERE id = ANY(:ids)"), {"ids": deleted})
        drops = ", ".join(f"DROP COLUMN IF EXISTS {prep.quote(f'fld_{int(i)}')}"
                          for i in deleted)
        conn.execute(text(f"ALTER TABLE {table} {drops}"))
    _update_fields(conn, [f for f in new_fields if f.id != 0])
    created = _insert_fields(conn, layer.resource_id, [f for f in new_fields if f.id == 0])
    if created:
        adds = ", ".join(
            f"ADD COLUMN {prep.quote(f.column_name)} "
            f"{SQL_TYPES[f.datatype].compile(dialect=conn.dialect)}" for f in created)
        conn.execute(text(f"ALTER TABLE {table} {adds}"))


def multi_part_feature(conn: Connection, resource_id: int) -> int | None:
    """A feature whose geometry has several parts (blocks a MULTI -> single type change)."""
    return conn.execute(text(
        f"SELECT id FROM {_qualified(conn, resource_id)} "
        "WHERE ST_NumGeometries(geom) > 1 ORDER BY id LIMIT 1")).scalar()


def alter_geometry(conn: Connection, resource_id: int, old_type: str, new_type: str,
                   old_srid: int, new_srid: int) -> None:
    """Change the geometry column's type (same base type) and/or SRID, converting data."""
    expr = "geom"
    if is_multi(new_type) and not is_multi(old_type):
        expr = f"ST_Multi({expr})"
    elif is_multi(old_type) and not is_multi(new_type):
        expr = f"ST_GeometryN({expr}, 1)"
    if has_z(new_type) != has_z(old_type):
        expr = f"ST_Force3DZ({expr})" if has_z(new_type) else f"ST_Force2D({expr})"
    if new_srid != old_srid:
        expr = f"ST_Transform({expr}, {int(new_srid)})"
    assert base_type(old_type) == base_type(new_type)
    spec = GeometryType(new_type, new_srid).get_col_spec()
    conn.execute(text(f"ALTER TABLE {_qualified(conn, resource_id)} ALTER COLUMN geom "
                      f"TYPE {spec} USING {expr}"))


def table_size(conn: Connection, resource_id: int) -> int:
    return conn.execute(text("SELECT coalesce(pg_total_relation_size(to_regclass(:t)), 0)"),
                        {"t": f"{SCHEMA}.{table_name(resource_id)}"}).scalar_one()


def layers_using_srs(conn: Connection, srs_id: int) -> list[int]:
    """Layers stored in an SRS (for the SRS component: refuse deleting one in use)."""
    return list(conn.execute(text("SELECT resource_id FROM vector_layer WHERE srs_id = :s "
                                  "ORDER BY resource_id"), {"s": srs_id}).scalars())
