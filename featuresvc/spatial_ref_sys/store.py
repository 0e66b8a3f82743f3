"""All SQL of the spatial_ref_sys component: our ``srs`` catalogue and PostGIS's own
``spatial_ref_sys`` (kept in sync for custom SRS, read for EPSG auto-registration)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from .exceptions import SRSNotUnique

_COLUMNS = "id, display_name, auth_name, auth_srid, wkt, catalog_id, system, geographic"


def get(conn: Connection, srs_id: int) -> Any:
    return conn.execute(text(f"SELECT {_COLUMNS} FROM srs WHERE id = :id"),
                        {"id": srs_id}).first()


def list_all(conn: Connection) -> list[Any]:
    # NGW lists EPSG:4326 first.
    return list(conn.execute(text(f"SELECT {_COLUMNS} FROM srs ORDER BY id <> 4326, id")))


def wkt(conn: Connection, srs_id: int) -> str | None:
    return conn.execute(text("SELECT wkt FROM srs WHERE id = :id"), {"id": srs_id}).scalar()


def postgis_epsg(conn: Connection, code: int) -> str | None:
    """PostGIS's WKT for an EPSG code whose srid equals the code, or None."""
    return conn.execute(
        text("SELECT srtext FROM spatial_ref_sys "
             "WHERE srid = :code AND auth_name = 'EPSG' AND auth_srid = :code"),
        {"code": code},
    ).scalar()


def name_taken(conn: Connection, display_name: str) -> bool:
    return conn.execute(text("SELECT EXISTS (SELECT 1 FROM srs WHERE display_name = :n)"),
                        {"n": display_name}).scalar_one()


def insert_epsg(conn: Connection, code: int, display_name: str, wkt_: str,
                geographic: bool) -> None:
    """Register an EPSG code; a concurrent registration (or a name clash) is a no-op."""
    conn.execute(
        text("INSERT INTO srs (id, display_name, auth_name, auth_srid, wkt, geographic) "
             "VALUES (:id, :name, 'EPSG', :id, :wkt, :geo) ON CONFLICT DO NOTHING"),
        {"id": code, "name": display_name, "wkt": wkt_, "geo": geographic},
    )


def _guard_unique(conn: Connection, sql: str, params: dict[str, Any]) -> Any:
    try:
        with conn.begin_nested():
            return conn.execute(text(sql), params)
    except IntegrityError as exc:
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if name == "srs_display_name_key":
            raise SRSNotUnique() from None
        raise


def insert_custom(conn: Connection, display_name: str, wkt_: str, geographic: bool) -> int:
    return _guard_unique(
        conn,
        "INSERT INTO srs (display_name, wkt, geographic) VALUES (:name, :wkt, :geo) "
        "RETURNING id",
        {"name": display_name, "wkt": wkt_, "geo": geographic},
    ).scalar_one()


def update(conn: Connection, srs_id: int, display_name: str, wkt_: str,
           geographic: bool) -> None:
    _guard_unique(
        conn,
        "UPDATE srs SET display_name = :name, wkt = :wkt, geographic = :geo WHERE id = :id",
        {"id": srs_id, "name": display_name, "wkt": wkt_, "geo": geographic},
    )


def delete(conn: Connection, srs_id: int) -> None:
    conn.execute(text("DELETE FROM srs WHERE id = :id"), {"id": srs_id})


def postgis_upsert(conn: Connection, srid: int, srtext: str, proj4text: str) -> None:
    """A custom SRS's row in PostGIS's catalogue (no auth: PostGIS then uses srtext)."""
    conn.execute(
        text("INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
             "VALUES (:srid, NULL, NULL, :srtext, :proj4) "
             "ON CONFLICT (srid) DO UPDATE SET auth_name = NULL, auth_srid = NULL, "
             "srtext = EXCLUDED.srtext, proj4text = EXCLUDED.proj4text"),
        {"srid": srid, "srtext": srtext, "proj4": proj4text},
    )


def postgis_delete(conn: Connection, srid: int) -> None:
    conn.execute(text("DELETE FROM spatial_ref_sys WHERE srid = :srid"), {"srid": srid})


def bump_generation(conn: Connection) -> None:
    conn.execute(text("SELECT nextval('srs_definition_generation')"))


def generation_dbapi(dbapi_conn: Any) -> int:
    """The definition generation, on a raw DBAPI connection (pool events have no other)."""
    cur = dbapi_conn.cursor()
    try:
        cur.execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                    "FROM srs_definition_generation")
        return int(cur.fetchone()[0])
    except Exception:  # noqa: BLE001 - before the migration: nothing to guard yet
        return 0
    finally:
        cur.close()
        dbapi_conn.rollback()
