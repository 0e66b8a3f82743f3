"""Local-disk storage: the one implementation of :class:`Storage` for now.

Files are immutable once written: replacing content means a new key. Each new file is
written in chunks, fsynced, and its directory entry fsynced, before :meth:`FileWriter.finish`
returns, so a database row committed after that never points at bytes a crash could lose.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from .exceptions import FileTooLarge

#: Bytes kept from the start of a file for mime sniffing.
HEAD_SIZE = 512


@dataclass(frozen=True)
class WrittenFile:
    size: int
    sha256: str
    head: bytes


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(path: Path) -> None:
    """Create ``path`` (and parents), fsyncing each parent whose entries changed."""
    if path.is_dir():
        return
    ensure_dir(path.parent)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    fsync_dir(path.parent)


class FileWriter:
    """Write a new file in chunks, computing sha256 and size while the bytes arrive.

    Also usable as the container werkzeug's multipart parser writes a file part into (it
    calls ``write`` and ``seek(0)``), so uploads never land in memory or in /tmp.
    """

    def __init__(self, path: Path, *, max_size: int | None = None) -> None:
        ensure_dir(path.parent)
        self.path = path
        self.max_size = max_size
        self.size = 0
        self.head = b""
        self._hash = hashlib.sha256()
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def write(self, data: bytes) -> int:
        if self.max_size is not None and self.size + len(data) > self.max_size:
            raise FileTooLarge(self.max_size)
        if len(self.head) < HEAD_SIZE:
            self.head += bytes(data[:HEAD_SIZE - len(self.head)])
        self._hash.update(data)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.size += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.size  # werkzeug rewinds containers it hands back; we never read them

    def copy_from(self, stream: BinaryIO, chunk_size: int = 1024 * 1024) -> None:
        while chunk := stream.read(chunk_size):
            self.write(chunk)

    def finish(self) -> WrittenFile:
        """Make the file durable (data, then its directory entry) and close it."""
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = None
        fsync_dir(self.path.parent)
        return WrittenFile(self.size, self._hash.hexdigest(), self.head)

    def abort(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Called by werkzeug's FileStorage on cleanup; the owner decides finish/abort."""


class Storage(Protocol):
    """Where stored file bytes live; an object store can implement this later."""

    def new_file(self, *, max_size: int | None = None) -> tuple[str, FileWriter]: ...

    def import_file(self, path: Path) -> str: ...

    def open(self, key: str) -> BinaryIO: ...

    def local_path(self, key: str) -> Path: ...

    def remove(self, key: str) -> None: ...

    def scan(self) -> Iterator[tuple[str, float]]: ...


class LocalStorage:
    """``<root>/<k[0:2]>/<k[2:4]>/<key>`` with random hex keys."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def local_path(self, key: str) -> Path:
        if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"Invalid storage key {key!r}.")
        return self.root / key[:2] / key[2:4] / key

    def new_file(self, *, max_size: int | None = None) -> tuple[str, FileWriter]:
        key = uuid.uuid4().hex
        return key, FileWriter(self.local_path(key), max_size=max_size)

    def import_file(self, path: Path) -> str:
        """Take a finished local file without copying it (a hard link); the caller's own
        name for it stays valid until the caller removes it."""
        key = uuid.uuid4().hex
        target = self.local_path(key)
        ensure_dir(target.parent)
        try:
            os.link(path, target)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            tmp = target.with_suffix(".part")
            shutil.copyfile(path, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        # A fresh mtime protects the new name from the orphan sweep's grace period.
        now = time.time()
        os.utime(target, (now, now))
        fsync_dir(target.parent)
        return key

    def open(self, key: str) -> BinaryIO:
        return open(self.local_path(key), "rb")

    def remove(self, key: str) -> None:
        self.local_path(key).unlink(missing_ok=True)

    def scan(self) -> Iterator[tuple[str, float]]:
        """Every stored key with its mtime (for the orphan sweep)."""
        if not self.root.is_dir():
            return
        for first in os.scandir(self.root):
            if not first.is_dir():
                continue
            for second in os.scandir(first.path):
                if not second.is_dir():
                    continue
                for entry in os.scandir(second.path):
                    if entry.is_file():
                        yield entry.name, entry.stat().st_mtime
