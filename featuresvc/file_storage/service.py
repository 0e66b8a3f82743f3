"""Stored files: write, import, read, serve and delete, keeping disk and rows consistent.

Ordering rules (issue "Consistency under faults"):

* bytes are written and fsynced before the ``fileobj`` row that names them is inserted, so a
  committed row always has its file;
* a file written for a transaction that rolls back is removed by an :func:`db.after_rollback`
  hook, and a file whose row is deleted is removed by an :func:`db.after_commit` hook, never
  before the commit;
* anything a crash leaves behind (a file without a row) is removed by :func:`sweep_orphans`
  (``featuresvc cleanup``), which spares files younger than a grace period because their row
  may not be committed yet.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, Engine

from .. import db, scope
from ..config import Settings
from . import mime, store
from .local import LocalStorage, Storage, WrittenFile
from .store import FileRef

CHUNK = 1024 * 1024
#: Files younger than this are never treated as orphans: their row may be in a transaction
#: still running (a large archive import writes many files before it commits).
ORPHAN_GRACE = 24 * 3600

_storages: dict[Path, LocalStorage] = {}


def files_root(settings: Settings) -> Path:
    return settings.data_path / "files"


def get_storage(settings: Settings | None = None) -> Storage:
    """The storage of ``settings`` (default: those of the request or command at work, see
    :mod:`featuresvc.scope`)."""
    settings = settings or scope.current().settings
    root = files_root(settings) / "store"
    if root not in _storages:
        _storages[root] = LocalStorage(root)
    return _storages[root]


def _remove_on_rollback(storage: Storage, key: str) -> None:
    db.after_rollback(lambda: storage.remove(key))


def write_stream(conn: Connection, data: BinaryIO | Iterable[bytes], *, component: str,
                 mime_type: str | None = None, name: str | None = None,
                 max_size: int | None = None) -> FileRef:
    """Store bytes from a stream or an iterable of chunks (never held whole in memory).

    ``mime_type`` None means sniffed from the content and ``name``. Raises FileTooLarge
    (413) past ``max_size``.
    """
    storage = get_storage()
    key, writer = storage.new_file(max_size=max_size)
    try:
        if hasattr(data, "read"):
            writer.copy_from(data, CHUNK)  # type: ignore[arg-type]
        else:
            for chunk in data:  # type: ignore[union-attr]
                writer.write(chunk)
        written = writer.finish()
    except BaseException:
        writer.abort()
        raise
    _remove_on_rollback(storage, key)
    return _insert(conn, key, written, component, mime_type or mime.sniff(written.head, name))


def _insert(conn: Connection, key: str, written: WrittenFile, component: str,
            mime_type: str) -> FileRef:
    return store.insert(conn, component=component, key=key, sha256=written.sha256,
                        size=written.size, mime_type=mime_type)


def import_local_file(conn: Connection, path: Path, *, component: str, sha256: str, size: int,
                      mime_type: str) -> FileRef:
    """Store a finished, fsynced local file by hard link (no copy); ``path`` stays valid."""
    storage = get_storage()
    key = storage.import_file(path)
    _remove_on_rollback(storage, key)
    return store.insert(conn, component=component, key=key, sha256=sha256, size=size,
                        mime_type=mime_type)


def get(conn: Connection, fileobj_id: int) -> FileRef | None:
    return store.get_many(conn, [fileobj_id]).get(fileobj_id)


def get_many(conn: Connection, ids: Iterable[int]) -> dict[int, FileRef]:
    ids = list(dict.fromkeys(ids))
    return store.get_many(conn, ids) if ids else {}


def open_file(ref: FileRef) -> BinaryIO:
    return get_storage().open(ref.key)


def local_path(ref: FileRef) -> Path:
    """A path to read the bytes from (e.g. for Pillow or zip streaming); read-only."""
    return get_storage().local_path(ref.key)


def delete(conn: Connection, ids: Iterable[int]) -> None:
    """Delete ``fileobj`` rows now; their files go after the transaction commits."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return
    storage = get_storage()
    keys = store.delete(conn, ids)
    db.after_commit(lambda: [storage.remove(k) for k in keys])


def sweep_orphans(engine: Engine, settings: Settings, *, grace: float = ORPHAN_GRACE) -> int:
    """Remove stored files no ``fileobj`` row names (left by crashes); returns the count."""
    storage = get_storage(settings)
    cutoff = time.time() - grace
    candidates = [key for key, mtime in storage.scan() if mtime < cutoff]
    removed = 0
    for start in range(0, len(candidates), 1000):
        batch = candidates[start:start + 1000]
        with engine.connect() as conn:
            known = store.existing_keys(conn, batch)
        for key in batch:
            if key not in known:
                storage.remove(key)
                removed += 1
    return removed
