"""Upload bytes on disk: ``<data_dir>/files/upload/<id>``.

The size of the file *is* the tus offset, so a worker killed in the middle of a PATCH leaves a
consistent state: the bytes it wrote are there and HEAD reports them. One writer at a time is
enforced with ``flock`` on the file, which the kernel releases when a process dies.

sha256 is computed while bytes arrive. hashlib state cannot be persisted, so each worker keeps
the running hash of uploads it wrote last; a PATCH that lands on another worker (or after a
crash) first re-reads the bytes already on disk.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import Settings
from ..file_storage.local import FileWriter, ensure_dir, fsync_dir
from ..file_storage.service import files_root

READ_CHUNK = 1024 * 1024
_HASH_CACHE_SIZE = 64


def new_upload_id() -> str:
    """32 hex characters, time-ordered like NGW's ULIDs (48-bit ms time + 80 random bits)."""
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(10)}"


def valid_id(value: object) -> bool:
    return (isinstance(value, str) and len(value) == 32
            and all(c in "0123456789abcdef" for c in value))


class UploadArea:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._hashes: OrderedDict[str, tuple[int, object]] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, upload_id: str) -> Path:
        if not valid_id(upload_id):
            raise ValueError(f"Invalid upload id {upload_id!r}.")
        return self.root / upload_id

    def writer(self, upload_id: str, max_size: int | None) -> FileWriter:
        return FileWriter(self.path(upload_id), max_size=max_size)

    def create_empty(self, upload_id: str) -> None:
        ensure_dir(self.root)
        fd = os.open(self.path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        fsync_dir(self.root)

    def size(self, upload_id: str) -> int | None:
        try:
            return self.path(upload_id).stat().st_size
        except FileNotFoundError:
            return None

    @contextmanager
    def appender(self, upload_id: str) -> Iterator[int | None]:
        """An append-only fd under an exclusive lock; None if another request holds it.
        Raises FileNotFoundError when the upload's file is gone."""
        fd = os.open(self.path(upload_id), os.O_WRONLY | os.O_APPEND)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None
                return
            yield fd
        finally:
            os.close(fd)

    def is_busy(self, upload_id: str) -> bool:
        """True while a request is writing the upload (cleanup must leave it alone)."""
        try:
            fd = os.open(self.path(upload_id), os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def head(self, upload_id: str, size: int = 512) -> bytes:
        with open(self.path(upload_id), "rb") as fh:
            return fh.read(size)

    def remove(self, upload_id: str) -> None:
        self.path(upload_id).unlink(missing_ok=True)
        with self._lock:
            self._hashes.pop(upload_id, None)

    def scan(self) -> Iterator[tuple[str, float]]:
        if not self.root.is_dir():
            return
        for entry in os.scandir(self.root):
            if entry.is_file() and valid_id(entry.name):
                yield entry.name, entry.stat().st_mtime

    # -- running sha256 of tus uploads -----------------------------------------------------

    def resume_hash(self, upload_id: str, offset: int):
        """A sha256 object fed with the first ``offset`` bytes of the upload."""
        with self._lock:
            cached = self._hashes.pop(upload_id, None)
        if cached is not None and cached[0] == offset:
            return cached[1]
        hasher = hashlib.sha256()
        with open(self.path(upload_id), "rb") as fh:
            remaining = offset
            while remaining > 0:
                chunk = fh.read(min(READ_CHUNK, remaining))
                if not chunk:
                    break
                hasher.update(chunk)
                remaining -= len(chunk)
        return hasher

    def keep_hash(self, upload_id: str, offset: int, hasher) -> None:
        with self._lock:
            self._hashes[upload_id] = (offset, hasher)
            while len(self._hashes) > _HASH_CACHE_SIZE:
                self._hashes.popitem(last=False)


_areas: dict[Path, UploadArea] = {}


def get_area(settings: Settings) -> UploadArea:
    root = files_root(settings) / "upload"
    if root not in _areas:
        _areas[root] = UploadArea(root)
    return _areas[root]
