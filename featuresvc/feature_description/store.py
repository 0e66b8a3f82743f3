"""All SQL of the feature_description component (table ``feature_description``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text

from ..feature_attachment.store import fid_condition
from ..feature_layer.model import Layer


def for_features(conn: Connection, resource_id: int, fids: list[int]) -> dict[int, str]:
    """Descriptions of these features (one query for a whole page of a read)."""
    if not fids:
        return {}
    cond, params = fid_condition(fids)
    rows = conn.execute(text(
        f"SELECT feature_id, value FROM feature_description WHERE resource_id = :rid "
        f"AND {cond}"), {"rid": resource_id, **params}).all()
    if "lo" not in params:
        return dict(rows)
    wanted = set(fids)
    return {fid: value for fid, value in rows if fid in wanted}


def of_layer(conn: Connection, resource_id: int) -> Any:
    """(feature id, value) of a whole layer by feature id, as a streamed result."""
    return conn.execution_options(stream_results=True, yield_per=1000).execute(text(
        "SELECT feature_id, value FROM feature_description WHERE resource_id = :rid "
        "ORDER BY feature_id"), {"rid": resource_id})


def existing(conn: Connection, resource_id: int, fids: list[int]) -> set[int]:
    rows = conn.execute(text(
        "SELECT feature_id FROM feature_description WHERE resource_id = :rid "
        "AND feature_id = ANY(:fids)"), {"rid": resource_id, "fids": fids})
    return {r[0] for r in rows}


def put_many(conn: Connection, resource_id: int, values: dict[int, str]) -> None:
    """Insert or replace descriptions in one statement."""
    if not values:
        return
    conn.execute(text(
        "INSERT INTO feature_description (resource_id, feature_id, value) "
        "SELECT :rid, u.fid, u.value FROM unnest(CAST(:fids AS integer[]), "
        "CAST(:values AS text[])) AS u(fid, value) "
        "ON CONFLICT (resource_id, feature_id) DO UPDATE SET value = EXCLUDED.value"),
        {"rid": resource_id, "fids": list(values), "values": list(values.values())})


def delete_features(conn: Connection, resource_id: int, fids: list[int] | None) -> None:
    """Delete the descriptions of these features (``None``: of every feature)."""
    if fids is None:
        conn.execute(text("DELETE FROM feature_description WHERE resource_id = :rid"),
                     {"rid": resource_id})
    elif fids:
        conn.execute(text("DELETE FROM feature_description WHERE resource_id = :rid "
                          "AND feature_id = ANY(:fids)"), {"rid": resource_id, "fids": fids})


def delete_layers(conn: Connection, resource_ids: list[int]) -> None:
    conn.execute(text("DELETE FROM feature_description WHERE resource_id = ANY(:ids)"),
                 {"ids": resource_ids})


def existing_features(conn: Connection, layer: Layer, fids: list[int]) -> set[int]:
    """Which of these feature ids the layer has (key-share locked until the commit, so a
    concurrent delete of one waits, then removes what we wrote for it)."""
    if not fids:
        return set()
    stmt = (sa.select(layer.id_column).where(layer.id_column.in_(fids))
            .with_for_update(read=True, key_share=True))
    return {r[0] for r in conn.execute(stmt)}
