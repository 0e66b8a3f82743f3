"""The one write path: every feature create, update and delete goes through here.

Single POST/PUT/DELETE, PATCH batches, DELETE of a list or of everything, the vector_layer
``delete_all_features`` switch and the filtered ``patch-all`` update all call these
functions, so versioning, ETags or audit hook in one place: a component's ``setup`` adds a
listener to the registry, called after each write with what changed, inside the same
transaction.

Everything is set-based (store.write) and runs in the caller's transaction: on any error
nothing is written (spec Decision 8). Multi-row writers to one layer take its batch lock
first (:func:`_lock`), so overlapping concurrent batches queue rather than deadlock; a
deadlock that still happens elsewhere answers 503 with Retry-After (routing.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from .. import registry
from . import extension
from .exceptions import FeatureNotFound
from .loader import CHUNK, MISSING, ChangeSet, FeatureLoader, Rows, Touched
from .model import Layer
from .query import FeatureQuery
from .store import read as read_store
from .store import write as store


@dataclass
class WriteEvent:
    """What one write changed. ``all_deleted``: the layer was emptied; ``filtered``: a
    patch-all touched ``updated_count`` features matching ``query``."""

    layer: Layer
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    all_deleted: bool = False
    query: FeatureQuery | None = None
    updated_count: int = 0


Listener = Callable[[Connection, WriteEvent], None]


def _notify(conn: Connection, event: WriteEvent) -> None:
    if event.all_deleted or event.deleted:
        extension.forget_deleted(conn, event.layer, None if event.all_deleted else event.deleted)
    for listener in registry.current.write_listeners:
        listener(conn, event)


def _write_extensions(conn: Connection, layer: Layer, rows: Rows, ids: list[int]) -> None:
    by_name: dict[str, list[tuple[int, Any]]] = {}
    for at, ext in rows.extensions.items():
        fid = ids[at]
        for name, value in ext.items():
            by_name.setdefault(name, []).append((fid, value))
    for name, items in by_name.items():
        ext = extension.get(name)
        if ext is not None:
            ext.write(conn, layer, items)


def _not_found(conn: Connection, layer: Layer, ids: list[int]) -> FeatureNotFound:
    missing = store.missing_ids(conn, layer, ids)
    return FeatureNotFound(layer.resource_id, missing[0] if missing else ids[0])


def _lock(conn: Connection, layer: Layer, *id_lists: list[int]) -> None:
    """Before a request updates or deletes several existing features, queue behind the
    layer's other multi-row writers (store.lock_batches). Missing ids are 404s when the
    rows are written (their counts are checked there)."""
    if len({i for ids in id_lists for i in ids}) > 1:
        store.lock_batches(conn, layer)


def apply(conn: Connection, layer: Layer, changes: ChangeSet, *,
          created: list[int] | None = None, updated: list[int] | None = None) -> list[int]:
    """Apply updates, deletes, then creates; returns the feature id of every request item
    in request order. A missing id for an update or delete is a 404 (nothing written).
    ``created`` / ``updated``: ids already streamed by :func:`load_and_apply` (``updated``
    ones are already locked, with this request's other ids)."""
    event = WriteEvent(layer, updated=list(updated or []))
    if updated is None:
        _lock(conn, layer, changes.updates.ids, changes.deletes)
    if changes.updates.ids:
        ids = changes.updates.ids
        found = store.update_rows(conn, layer, changes.updates)
        if found != len(ids):
            raise _not_found(conn, layer, ids)
        _write_extensions(conn, layer, changes.updates, ids)
        event.updated += ids
    if changes.deletes:
        wanted = list(dict.fromkeys(changes.deletes))
        gone = store.delete_rows(conn, layer, wanted)
        if len(gone) != len(wanted):
            missing = next(i for i in wanted if i not in gone)
            raise FeatureNotFound(layer.resource_id, missing)
        event.deleted = wanted
    if created is None:
        created = []
        if len(changes.creates) == 1:
            created = [store.insert_one(conn, layer, changes.creates)]
        elif len(changes.creates):
            created = store.allocate_ids(conn, layer, len(changes.creates))
            store.insert_rows(conn, layer, created, changes.creates)
        _write_extensions(conn, layer, changes.creates, created)
    event.created = created
    _notify(conn, event)
    return [created[ref] if kind == "create" else ref for kind, ref in changes.order]


#: Below this many creates (updates) a batch is loaded first and written afterwards.
STREAM_MIN = 2 * CHUNK


class _Collected(Rows):
    """Ids and extension values of rows already streamed, for the checks and hooks."""

    def take(self, rows: Rows, ids: list[int]) -> None:
        for at, ext in rows.extensions.items():
            self.extensions[len(self.ids) + at] = ext
        self.ids.extend(ids)


def load_and_apply(conn: Connection, layer: Layer, loader: FeatureLoader, items: Any
                   ) -> list[int]:
    """A PATCH list: validate and write. In large batches the new (or else the updated)
    features stream to PostgreSQL chunk by chunk while later items are still being
    validated, so both sides work at once; an error anywhere still rolls everything back."""
    creates = loader.count_creates(items)
    survey = loader.survey_updates(items)
    updates = survey.count if survey is not None else 0
    if creates >= STREAM_MIN and creates >= updates:
        return _stream_creates(conn, layer, loader, items, creates)
    if updates >= STREAM_MIN and not survey.touched.empty:
        return _stream_updates(conn, layer, loader, items, survey.touched)
    return apply(conn, layer, loader.load(items))


def _stream_creates(conn: Connection, layer: Layer, loader: FeatureLoader, items: Any,
                    count: int) -> list[int]:
    ids = store.allocate_ids(conn, layer, count)
    done = _Collected()

    def sink(rows: Rows) -> None:
        chunk_ids = ids[len(done.ids):len(done.ids) + len(rows)]
        writer.write(chunk_ids, rows)
        done.take(rows, chunk_ids)

    with store.RowWriter(conn, layer) as writer:
        changes = loader.load(items, creates_sink=sink)
    _write_extensions(conn, layer, done, done.ids)
    return apply(conn, layer, changes, created=ids)


def _stream_updates(conn: Connection, layer: Layer, loader: FeatureLoader, items: Any,
                    touched: Touched) -> list[int]:
    done = _Collected()

    def sink(rows: Rows) -> None:
        stage.write(rows)
        done.take(rows, rows.ids)

    with store.UpdateStage(conn, layer, touched) as stage:
        changes = loader.load(items, updates_sink=sink)
    _lock(conn, layer, done.ids, changes.updates.ids, changes.deletes)
    if stage.apply() != len(done.ids):
        raise _not_found(conn, layer, done.ids)
    _write_extensions(conn, layer, done, done.ids)
    return apply(conn, layer, changes, updated=done.ids)


def bulk_create(conn: Connection, layer: Layer, batches: Iterable[Rows], *,
                ids_given: bool = False) -> int:
    """Stream new features in batches (file imports, import sessions): each batch takes ids
    from the layer's sequence, or brings its own (``ids_given``; the sequence then moves
    past them), goes in with one binary COPY and is announced to the listeners. Memory is
    one batch, whatever the total; returns how many features were created."""
    total = 0
    for rows in batches:
        if not len(rows):
            continue
        ids = list(rows.ids) if ids_given else store.allocate_ids(conn, layer, len(rows))
        store.insert_rows(conn, layer, ids, rows)
        _write_extensions(conn, layer, rows, ids)
        _notify(conn, WriteEvent(layer, created=ids))
        total += len(rows)
    if ids_given:
        store.sync_sequence(conn, layer)
    return total


def delete(conn: Connection, layer: Layer, ids: list[int]) -> list[int]:
    """Delete listed features (404 aborts everything); returns the ids as sent."""
    if not ids:
        return []
    changes = ChangeSet(deletes=list(ids), order=[("delete", i) for i in ids])
    return apply(conn, layer, changes)


def delete_all(conn: Connection, layer: Layer) -> None:
    store.delete_all(conn, layer)
    _notify(conn, WriteEvent(layer, all_deleted=True))


def patch_all(conn: Connection, layer: Layer, query: FeatureQuery, changes: ChangeSet) -> int:
    """One UPDATE of every feature the query selects, with the values of one loaded feature
    (``changes.updates`` holds exactly one row); returns how many features matched."""
    rows = changes.updates
    values = {fld.column_name: value
              for fld, value in zip(layer.fields, rows.values[0], strict=True)
              if value is not MISSING}
    geom = rows.geoms[0] if layer.has_geometry else MISSING
    store.lock_batches(conn, layer)
    count = store.update_where(conn, layer, read_store.where(layer, query), values, geom)
    _notify(conn, WriteEvent(layer, query=query, updated_count=count))
    return count
