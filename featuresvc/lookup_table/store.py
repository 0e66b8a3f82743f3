"""All SQL of the lookup_table component."""

from __future__ import annotations

import orjson
from sqlalchemy import Connection, text

Pairs = list[tuple[str, str]]


def create(conn: Connection, resource_id: int) -> None:
    conn.execute(text("INSERT INTO lookup_table (resource_id) VALUES (:id) "
                      "ON CONFLICT DO NOTHING"), {"id": resource_id})


def get_many(conn: Connection, ids: list[int]) -> dict[int, tuple[str, Pairs]]:
    rows = conn.execute(text("SELECT resource_id, sort, items::text FROM lookup_table "
                             "WHERE resource_id = ANY(:ids)"), {"ids": ids})
    return {rid: (sort, [tuple(p) for p in orjson.loads(items)]) for rid, sort, items in rows}


def save(conn: Connection, resource_id: int, sort: str, pairs: Pairs) -> None:
    conn.execute(text("UPDATE lookup_table SET sort = :sort, items = CAST(:items AS jsonb) "
                      "WHERE resource_id = :id"),
                 {"id": resource_id, "sort": sort, "items": orjson.dumps(pairs).decode()})
