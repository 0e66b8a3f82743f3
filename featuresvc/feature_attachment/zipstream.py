"""A zip archive produced chunk by chunk for a streamed response: entries are files read
from disk in chunks or small byte strings, never the whole archive in memory."""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

CHUNK = 1024 * 1024


class _Sink:
    """A write-only file for zipfile; what it got is handed to the response generator."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


#: An entry: (name in the archive, a path to read, or the bytes themselves).
Entry = tuple[str, "Path | bytes"]


def zip_stream(entries: Iterable[Entry]) -> Iterator[bytes]:
    """Entries whose file vanished meanwhile (deleted by a committed change) are left out."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for name, content in entries:
            info = zipfile.ZipInfo(name, time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(content, bytes):
                archive.writestr(info, content)
            else:
                try:
                    src = open(content, "rb")  # noqa: SIM115 - closed below
                except FileNotFoundError:
                    continue
                info.file_size = os.fstat(src.fileno()).st_size  # zip64 only if needed
                with src, archive.open(info, "w") as dst:
                    while chunk := src.read(CHUNK):
                        dst.write(chunk)
                        yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()
