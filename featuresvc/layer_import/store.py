"""All SQL of import sessions (tables ``layer_import_session`` and ``layer_import_issue``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from .session_rows import Issue

#: A running apply whose progress has not moved for this long was interrupted (a killed
#: worker): it may be applied again and reads as failed.
STALE_SECONDS = 300

_COLUMNS = ("id, owner_user_id, resource_id, upload_id, source_layer, columns, preview, "
            "row_count, mapping, state, progress_done, progress_total, result, validated, "
            "invalid_rows, created, updated, "
            f"(state = 'running' AND updated < (now() AT TIME ZONE 'utc') - "
            f"interval '{STALE_SECONDS} seconds') AS stale")


@dataclass(frozen=True)
class Session:
    id: str
    owner_user_id: int
    resource_id: int
    upload_id: str
    source_layer: str
    columns: list[dict]
    preview: list[dict]
    row_count: int | None
    mapping: dict
    state: str
    progress_done: int
    progress_total: int | None
    result: dict | None
    validated: bool
    invalid_rows: int | None
    created: datetime
    updated: datetime
    stale: bool


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def insert(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(text(
        "INSERT INTO layer_import_session (id, owner_user_id, resource_id, upload_id, "
        "source_layer, columns, preview, row_count, mapping, progress_total) VALUES "
        "(:id, :owner, :rid, :upload, :layer, CAST(:columns AS jsonb), "
        "CAST(:preview AS jsonb), :rows, CAST(:mapping AS jsonb), :rows)"), {
            "id": values["id"], "owner": values["owner_user_id"],
            "rid": values["resource_id"], "upload": values["upload_id"],
            "layer": values["source_layer"], "columns": _json(values["columns"]),
            "preview": _json(values["preview"]), "rows": values["row_count"],
            "mapping": _json(values["mapping"])})


def get(conn: Connection, session_id: str, owner_user_id: int, *,
        lock: bool = False) -> Session | None:
    row = conn.execute(text(
        f"SELECT {_COLUMNS} FROM layer_import_session WHERE id = :id AND owner_user_id = :u"
        + (" FOR UPDATE" if lock else "")), {"id": session_id, "u": owner_user_id}).first()
    return None if row is None else Session(*row)


def set_mapping(conn: Connection, session_id: str, mapping: dict) -> None:
    """A new mapping: the stored validation no longer applies."""
    conn.execute(text("DELETE FROM layer_import_issue WHERE session_id = :id"),
                 {"id": session_id})
    conn.execute(text(
        "UPDATE layer_import_session SET mapping = CAST(:m AS jsonb), validated = false, "
        "invalid_rows = NULL, updated = now() AT TIME ZONE 'utc' WHERE id = :id"),
        {"id": session_id, "m": _json(mapping)})


def delete(conn: Connection, session_id: str) -> None:
    conn.execute(text("DELETE FROM layer_import_session WHERE id = :id"), {"id": session_id})


def save_issues(conn: Connection, session_id: str, issues: list[Issue],
                invalid_rows: int, row_count: int) -> None:
    conn.execute(text("DELETE FROM layer_import_issue WHERE session_id = :id"),
                 {"id": session_id})
    if issues:
        conn.execute(text(
            "INSERT INTO layer_import_issue (session_id, row_no, column_name, field, reason) "
            "SELECT :id, u.* FROM unnest(CAST(:rows AS int[]), CAST(:cols AS text[]), "
            "CAST(:flds AS text[]), CAST(:reasons AS text[])) AS u"), {
                "id": session_id, "rows": [i.row for i in issues],
                "cols": [i.column for i in issues], "flds": [i.field for i in issues],
                "reasons": [i.reason for i in issues]})
    conn.execute(text(
        "UPDATE layer_import_session SET validated = true, invalid_rows = :bad, "
        "row_count = :rows WHERE id = :id"),
        {"id": session_id, "bad": invalid_rows, "rows": row_count})


def issues(conn: Connection, session_id: str, offset: int, limit: int) -> tuple[int, list]:
    total = conn.execute(text("SELECT count(*) FROM layer_import_issue WHERE session_id = :id"),
                         {"id": session_id}).scalar_one()
    rows = conn.execute(text(
        "SELECT row_no, column_name, field, reason FROM layer_import_issue "
        "WHERE session_id = :id ORDER BY row_no, column_name NULLS FIRST "
        "OFFSET :o LIMIT :l"), {"id": session_id, "o": offset, "l": limit}).all()
    return total, [{"row": r[0], "column": r[1], "field": r[2], "reason": r[3]} for r in rows]


# -- state changes, on their own connection (committed at once, seen by other requests) -----

def claim(conn: Connection, session_id: str, total: int | None) -> bool:
    """ready/failed (or an interrupted run) -> running; False if another apply runs or the
    session was applied already."""
    row = conn.execute(text(
        "UPDATE layer_import_session SET state = 'running', progress_done = 0, "
        "progress_total = :total, result = NULL, updated = now() AT TIME ZONE 'utc' "
        "WHERE id = :id AND (state IN ('ready', 'failed') OR (state = 'running' AND "
        f"updated < (now() AT TIME ZONE 'utc') - interval '{STALE_SECONDS} seconds')) "
        "RETURNING id"), {"id": session_id, "total": total}).first()
    return row is not None


def progress(conn: Connection, session_id: str, done: int) -> None:
    conn.execute(text(
        "UPDATE layer_import_session SET progress_done = :done, "
        "updated = now() AT TIME ZONE 'utc' WHERE id = :id AND state = 'running'"),
        {"id": session_id, "done": done})


def finish(conn: Connection, session_id: str, state: str, result: dict,
           done: int | None = None) -> None:
    conn.execute(text(
        "UPDATE layer_import_session SET state = :state, result = CAST(:r AS jsonb), "
        "progress_done = coalesce(:done, progress_done), updated = now() AT TIME ZONE 'utc' "
        "WHERE id = :id"), {"id": session_id, "state": state, "r": _json(result),
                            "done": done})
