"""All SQL of the file_upload component (table ``file_upload``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class Upload:
    id: str
    owner_user_id: int | None
    size: int
    name: str | None
    mime_type: str | None
    complete: bool
    sha256: str | None
    created: datetime
    updated: datetime

    def meta(self) -> dict[str, Any]:
        """NGW's upload meta: ``name`` and ``mime_type`` only when known."""
        out: dict[str, Any] = {"id": self.id, "size": self.size}
        if self.name:
            out["name"] = self.name
        if self.mime_type:
            out["mime_type"] = self.mime_type
        return out


_COLUMNS = "id, owner_user_id, size, name, mime_type, complete, sha256, created, updated"


def insert(conn: Connection, upload_id: str, *, owner_user_id: int | None, size: int,
           name: str | None, mime_type: str | None, complete: bool,
           sha256: str | None) -> Upload:
    row = conn.execute(text(
        f"INSERT INTO file_upload (id, owner_user_id, size, name, mime_type, complete, sha256) "
        f"VALUES (:id, :owner, :size, :name, :mime, :complete, :sha256) RETURNING {_COLUMNS}"),
        {"id": upload_id, "owner": owner_user_id, "size": size, "name": name,
         "mime": mime_type, "complete": complete, "sha256": sha256}).one()
    return Upload(*row)


def get(conn: Connection, upload_id: str, *, lock: bool = False) -> Upload | None:
    """``lock``: hold a share lock until the caller's commit, so cleanup or a tus DELETE
    cannot remove the upload while it is being consumed."""
    sql = f"SELECT {_COLUMNS} FROM file_upload WHERE id = :id"
    row = conn.execute(text(sql + (" FOR SHARE" if lock else "")), {"id": upload_id}).first()
    return Upload(*row) if row else None


def touch(conn: Connection, upload_id: str) -> None:
    conn.execute(text("UPDATE file_upload SET updated = now() AT TIME ZONE 'utc' "
                      "WHERE id = :id"), {"id": upload_id})


def complete(conn: Connection, upload_id: str, *, sha256: str, mime_type: str) -> None:
    conn.execute(text(
        "UPDATE file_upload SET complete = true, sha256 = :sha256, mime_type = :mime, "
        "updated = now() AT TIME ZONE 'utc' WHERE id = :id"),
        {"id": upload_id, "sha256": sha256, "mime": mime_type})


def delete(conn: Connection, upload_id: str) -> bool:
    result = conn.execute(text("DELETE FROM file_upload WHERE id = :id"), {"id": upload_id})
    return result.rowcount > 0


def lock_expired(conn: Connection, lifetime: int) -> list[str]:
    """Ids of uploads unused for ``lifetime`` seconds, row-locked for deletion (rows a
    consumer holds are skipped)."""
    rows = conn.execute(text(
        "SELECT id FROM file_upload WHERE updated < (now() AT TIME ZONE 'utc') "
        "- make_interval(secs => :lifetime) FOR UPDATE SKIP LOCKED"), {"lifetime": lifetime})
    return [r[0] for r in rows]


def delete_many(conn: Connection, ids: list[str]) -> None:
    conn.execute(text("DELETE FROM file_upload WHERE id = ANY(:ids)"), {"ids": ids})


def existing_ids(conn: Connection, ids: list[str]) -> set[str]:
    rows = conn.execute(text("SELECT id FROM file_upload WHERE id = ANY(:ids)"), {"ids": ids})
    return {r[0] for r in rows}
