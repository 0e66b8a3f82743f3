"""All SQL of the file_storage component (table ``fileobj``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class FileRef:
    """A stored file: what other components keep (by ``id``) and hand back to read it."""

    id: int
    component: str
    key: str
    sha256: str
    size: int
    mime_type: str
    created: datetime


_COLUMNS = "id, component, key, sha256, size, mime_type, created"


def insert(conn: Connection, *, component: str, key: str, sha256: str, size: int,
           mime_type: str) -> FileRef:
    row = conn.execute(text(
        f"INSERT INTO fileobj (component, key, sha256, size, mime_type) "
        f"VALUES (:component, :key, :sha256, :size, :mime_type) RETURNING {_COLUMNS}"),
        {"component": component, "key": key, "sha256": sha256, "size": size,
         "mime_type": mime_type}).one()
    return FileRef(*row)


def get_many(conn: Connection, ids: list[int]) -> dict[int, FileRef]:
    rows = conn.execute(text(f"SELECT {_COLUMNS} FROM fileobj WHERE id = ANY(:ids)"),
                        {"ids": ids})
    return {row[0]: FileRef(*row) for row in rows}


def delete(conn: Connection, ids: list[int]) -> list[str]:
    """Delete rows; returns the keys of their files."""
    rows = conn.execute(text("DELETE FROM fileobj WHERE id = ANY(:ids) RETURNING key"),
                        {"ids": ids})
    return [r[0] for r in rows]


def existing_keys(conn: Connection, keys: list[str]) -> set[str]:
    rows = conn.execute(text("SELECT key FROM fileobj WHERE key = ANY(:keys)"), {"keys": keys})
    return {r[0] for r in rows}
