"""Keeps ``feature_layer_stamp`` in step with feature writes (tile ETags depend on it).

Every write through :mod:`featuresvc.feature_layer.write` bumps its layer's counter in the
same transaction, so a reader sees the counter and the data change together. Concurrent
writers of one layer serialise on the counter row for the rest of their transaction (the
bump is the write path's last step, so that is the commit).
"""

from __future__ import annotations

from sqlalchemy import Connection

from ..feature_layer import write
from . import store


def on_write(conn: Connection, event: write.WriteEvent) -> None:
    if not (event.created or event.updated or event.deleted or event.all_deleted
            or event.query is not None):
        return
    store.bump(conn, event.layer.resource_id)
