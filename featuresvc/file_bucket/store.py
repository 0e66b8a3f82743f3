"""All SQL of the file_bucket component."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class BucketFile:
    name: str
    fileobj_id: int
    size: int
    mime_type: str


def create(conn: Connection, resource_id: int) -> None:
    conn.execute(text("INSERT INTO file_bucket (resource_id) VALUES (:id) "
                      "ON CONFLICT DO NOTHING"), {"id": resource_id})


def touch(conn: Connection, resource_id: int) -> None:
    conn.execute(text("UPDATE file_bucket SET tstamp = now() AT TIME ZONE 'utc' "
                      "WHERE resource_id = :id"), {"id": resource_id})


def tstamps(conn: Connection, ids: list[int]) -> dict[int, datetime | None]:
    rows = conn.execute(text("SELECT resource_id, tstamp FROM file_bucket "
                             "WHERE resource_id = ANY(:ids)"), {"ids": ids})
    return dict(rows.all())


_FILES = ("SELECT f.resource_id, f.name, f.fileobj_id, o.size, o.mime_type "
          "FROM file_bucket_file f JOIN fileobj o ON o.id = f.fileobj_id ")


def files(conn: Connection, ids: list[int]) -> dict[int, list[BucketFile]]:
    """Files of each bucket, sorted by name."""
    rows = conn.execute(text(_FILES + "WHERE f.resource_id = ANY(:ids) ORDER BY f.name"),
                        {"ids": ids})
    result: dict[int, list[BucketFile]] = {}
    for rid, *rest in rows:
        result.setdefault(rid, []).append(BucketFile(*rest))
    return result


def find(conn: Connection, resource_id: int, name: str) -> BucketFile | None:
    row = conn.execute(text(_FILES + "WHERE f.resource_id = :id AND f.name = :name"),
                       {"id": resource_id, "name": name}).first()
    return BucketFile(*row[1:]) if row else None


def upsert(conn: Connection, resource_id: int, entries: Iterable[tuple[str, int]]) -> None:
    params = [{"id": resource_id, "name": n, "fid": f} for n, f in entries]
    if params:
        conn.execute(text(
            "INSERT INTO file_bucket_file (resource_id, name, fileobj_id) "
            "VALUES (:id, :name, :fid) "
            "ON CONFLICT (resource_id, name) DO UPDATE SET fileobj_id = EXCLUDED.fileobj_id"),
            params)


def remove(conn: Connection, resource_ids: list[int], names: list[str] | None = None
           ) -> list[int]:
    """Delete file rows (all of the buckets, or only ``names``); returns their fileobj ids."""
    sql = "DELETE FROM file_bucket_file WHERE resource_id = ANY(:ids)"
    params: dict = {"ids": resource_ids}
    if names is not None:
        sql += " AND name = ANY(:names)"
        params["names"] = names
    return [r[0] for r in conn.execute(text(sql + " RETURNING fileobj_id"), params)]


def total_size(conn: Connection, resource_id: int) -> int:
    return conn.execute(text(
        "SELECT coalesce(sum(o.size), 0)::bigint FROM file_bucket_file f "
        "JOIN fileobj o ON o.id = f.fileobj_id WHERE f.resource_id = :id"),
        {"id": resource_id}).scalar_one()
