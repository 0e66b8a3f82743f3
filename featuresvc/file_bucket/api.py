"""File bucket downloads: one file by name (Range supported) and the whole bucket as a zip."""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path

from flask import Response
from flask_smorest import Blueprint

from .. import db, file_storage
from ..errors import NotFound
from ..file_storage.api_send import send
from ..resource.api_access import OnResource, resolver
from ..resource.require import require
from ..resource.store import Resource
from ..routing import route
from . import store

bp = Blueprint("file_bucket", __name__, description="File bucket resources")
CHUNK = 1024 * 1024


@route(bp, "/api/resource/<int:id>/file/<path:name>", methods=["GET"],
       name="file_bucket.file_download", access=OnResource("data.read"),
       summary="A file of a file bucket, with its mime type (Range supported)")
def file_download(id: int, name: str):
    found = store.find(db.connection(), id, name)
    ref = file_storage.get(db.connection(), found.fileobj_id) if found else None
    if ref is None:
        raise NotFound(f"File '{name}' was not found in resource id = {id}.",
                       data={"resource_id": id, "name": name})
    return send(ref, download_name=posixpath.basename(name))


class _Sink:
    """A write-only file for zipfile that hands what it got to the response generator."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def zip_stream(entries: list[tuple[str, Path, int]]) -> Iterator[bytes]:
    """A zip of ``(name, path, size)`` entries, produced chunk by chunk (never whole)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for name, path, size in entries:
            info = zipfile.ZipInfo.from_file(path, arcname=name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.file_size = size
            with open(path, "rb") as src, archive.open(info, "w") as dst:
                while chunk := src.read(CHUNK):
                    dst.write(chunk)
                    yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()


def export(res: Resource) -> Response:
    require(resolver(), res.id, "data.read")
    files = store.files(db.connection(), [res.id]).get(res.id, [])
    refs = file_storage.get_many(db.connection(), [f.fileobj_id for f in files])
    entries = [(f.name, file_storage.local_path(refs[f.fileobj_id]), f.size) for f in files]
    return Response(zip_stream(entries), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{res.id}.zip"'})
