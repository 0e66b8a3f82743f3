"""All SQL of the resmeta component."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, text


def items(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = conn.execute(text("SELECT resource_id, key, value::text FROM resmeta_item "
                             "WHERE resource_id = ANY(:ids) ORDER BY resource_id, key"),
                        {"ids": ids})
    result: dict[int, dict[str, Any]] = {}
    for rid, key, value in rows:
        result.setdefault(rid, {})[key] = None if value is None else orjson.loads(value)
    return result


def replace(conn: Connection, resource_id: int, new_items: dict[str, Any]) -> None:
    conn.execute(text("DELETE FROM resmeta_item WHERE resource_id = :id"), {"id": resource_id})
    if new_items:
        conn.execute(
            text("INSERT INTO resmeta_item (resource_id, key, value) "
                 "VALUES (:id, :key, CAST(:value AS jsonb))"),
            [{"id": resource_id, "key": k, "value": orjson.dumps(v).decode()}
             for k, v in new_items.items()],
        )
