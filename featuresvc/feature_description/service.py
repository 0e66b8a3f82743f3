"""Description values: HTML sanitised on every write (nh3, an ammonia binding: scripts,
event handler attributes and ``javascript:`` links are removed), so what clients render
later cannot run code in a viewer's session."""

from __future__ import annotations

from typing import Any

import nh3
from sqlalchemy import Connection

from ..feature_layer.model import Layer
from ..text import text_problem
from . import store


def sanitize(value: str) -> str:
    return nh3.clean(value)


def load(value: Any) -> str | None:
    """A value sent in ``extensions.description``: a string (sanitised) or null (delete)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("'description' must be a string or null")
    problem = text_problem(value, None)
    if problem:
        raise ValueError(f"'description' {problem}")
    return sanitize(value)


def write(conn: Connection, layer: Layer, items: list[tuple[int, str | None]]) -> None:
    """Set (string) or delete (None) descriptions; a feature sent twice: the last wins."""
    final = dict(items)
    store.delete_features(conn, layer.resource_id,
                          [fid for fid, value in final.items() if value is None])
    store.put_many(conn, layer.resource_id,
                   {fid: value for fid, value in final.items() if value is not None})


def read(conn: Connection, layer: Layer, fids: list[int]) -> dict[int, str]:
    return store.for_features(conn, layer.resource_id, fids)


def forget_features(conn: Connection, layer: Layer, fids: list[int] | None) -> None:
    store.delete_features(conn, layer.resource_id, fids)
