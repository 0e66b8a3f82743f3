"""Uploads: creation (multipart, raw body, tus), tus appends, and what other components call.

Public functions for other components:

* :func:`consume` ``(conn, ref, component=) -> FileRef``: a finished upload becomes a stored
  file (hard link, no copy); ``ref`` is an upload id or an upload meta dict (only ``id`` is
  read). 422 FileUploadNotFound / FileUploadNotCompleted. For a caller (the scope's, see
  :mod:`featuresvc.scope`), another user's upload (administrators excepted) is exactly an
  unknown id: taking it would hand its bytes to the caller.
* :func:`get_finished` ``(conn, ref) -> Upload`` and :func:`open_upload` ``(upload)`` to read
  an upload's bytes without storing them (e.g. a zip to unpack).
* :func:`upload_id_of` ``(ref)``: the id in an upload meta, or 422.

Uploads stay until they expire (``upload_lifetime`` after their last write), as in NGW, so the
same upload may be consumed more than once.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine

from .. import db, scope
from .. import file_storage as storage
from ..config import Settings
from ..errors import ValidationError
from ..file_storage import FileRef, FileTooLarge
from ..file_storage.local import FileWriter
from ..file_storage.mime import OCTET_STREAM
from ..text import mime_problem, name_problem
from . import store
from .area import UploadArea, get_area, new_upload_id, valid_id
from .exceptions import FileUploadNotCompleted, FileUploadNotFound, UploadConflict
from .store import Upload

CHUNK = 1024 * 1024
#: Upload files are written until their row is inserted, so an hour without a row is a crash.
ORPHAN_GRACE = 3600


def settings() -> Settings:
    """The settings of the request or command at work (uploads are reached from shared write
    paths that carry only a connection)."""
    return scope.current().settings


def area() -> UploadArea:
    return get_area(settings())


def max_size() -> int:
    return settings().upload_max_size


# -- consumers ------------------------------------------------------------------------------

def upload_id_of(ref: Any) -> str:
    """The upload id in ``ref`` (an id string or a meta dict with ``id``), else 422."""
    value = ref.get("id") if isinstance(ref, Mapping) else ref
    if not valid_id(value):
        raise FileUploadNotFound(value if isinstance(value, str | int) else None)
    return value


def get_finished(conn: Connection, ref: Any) -> Upload:
    """A finished upload, share-locked until the caller commits (422 if unknown/unfinished)."""
    upload_id = upload_id_of(ref)
    upload = store.get(conn, upload_id, lock=True)
    if upload is None or not _may_use(upload) or area().size(upload_id) is None:
        raise FileUploadNotFound(upload_id)
    if not upload.complete:
        raise FileUploadNotCompleted(upload_id)
    return upload


def _may_use(upload: Upload) -> bool:
    """The caller's own upload, or any for administrators (they may read any); work without
    a caller (operator tools) may use any."""
    current = scope.current_or_none()
    ident = current.caller if current is not None else None
    if ident is None:
        return True
    return upload.owner_user_id == ident.id or ident.is_administrator


def open_upload(upload: Upload) -> BinaryIO:
    return open(area().path(upload.id), "rb")


def consume(conn: Connection, ref: Any, *, component: str) -> FileRef:
    """Turn a finished upload into a stored ``fileobj`` in the caller's transaction."""
    upload = get_finished(conn, ref)
    try:
        return storage.import_local_file(
            conn, area().path(upload.id), component=component, sha256=upload.sha256,
            size=upload.size, mime_type=upload.mime_type or OCTET_STREAM)
    except FileNotFoundError:
        raise FileUploadNotFound(upload.id) from None


# -- creation -------------------------------------------------------------------------------

def _mime(declared: str | None, head: bytes, name: str | None) -> str:
    """The declared type, unless absent or meaningless; then sniffed from the bytes."""
    if declared:
        declared = declared.split(";")[0].strip().lower()
    # A declared type that is not type/subtype is meaningless too; it would otherwise be
    # sent back as Content-Type of a download.
    if declared in (None, "", "application/x-www-form-urlencoded",
                    OCTET_STREAM) or mime_problem(declared):
        return storage.sniff(head, name)
    return declared


def clean_name(name: str | None) -> str | None:
    """Only the last path component of a client-side file name (NGW's _sanitize_name)."""
    if name is None:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if c.isprintable())
    problem = name_problem(name)
    if problem:
        raise ValidationError(f"File name {problem}.")
    return name or None


def new_writer() -> tuple[str, FileWriter]:
    upload_id = new_upload_id()
    return upload_id, area().writer(upload_id, max_size())


def register_written(conn: Connection, upload_id: str, writer: FileWriter, *,
                     owner_user_id: int, name: str | None, declared_mime: str | None) -> Upload:
    """Finish a written upload file and insert its row (the file goes if we roll back)."""
    written = writer.finish()
    uploads = area()
    db.after_rollback(lambda: uploads.remove(upload_id))
    return store.insert(conn, upload_id, owner_user_id=owner_user_id, size=written.size,
                        name=name, mime_type=_mime(declared_mime, written.head, name),
                        complete=True, sha256=written.sha256)


def create_from_stream(conn: Connection, stream: BinaryIO, *, owner_user_id: int,
                       name: str | None, declared_mime: str | None) -> Upload:
    upload_id, writer = new_writer()
    try:
        writer.copy_from(stream, CHUNK)
    except BaseException:
        writer.abort()
        raise
    return register_written(conn, upload_id, writer, owner_user_id=owner_user_id,
                            name=clean_name(name), declared_mime=declared_mime)


# -- tus --------------------------------------------------------------------------------------

def tus_create(conn: Connection, *, owner_user_id: int, length: int, name: str | None,
               mime_type: str | None) -> Upload:
    if length > max_size():
        raise FileTooLarge(max_size())
    problem = mime_type and mime_problem(mime_type)
    if problem:
        raise ValidationError(f"Upload-Metadata file type {problem}.",
                              data={"location": ["header", "Upload-Metadata"]})
    name = clean_name(name)
    upload_id = new_upload_id()
    uploads = area()
    uploads.create_empty(upload_id)
    db.after_rollback(lambda: uploads.remove(upload_id))
    if length == 0:
        return store.insert(conn, upload_id, owner_user_id=owner_user_id, size=0, name=name,
                            mime_type=mime_type or OCTET_STREAM, complete=True,
                            sha256=hashlib.sha256(b"").hexdigest())
    return store.insert(conn, upload_id, owner_user_id=owner_user_id, size=length, name=name,
                        mime_type=mime_type, complete=False, sha256=None)


def tus_append(upload: Upload, offset: int, stream: BinaryIO,
               content_length: int | None) -> tuple[int, str | None]:
    """Append the request body at ``offset``; returns (new offset, sha256 when complete).

    Runs without a database transaction. Whatever arrived before a broken connection stays
    (fsynced) so the client can resume from HEAD's offset. Raises UploadConflict (409) on an
    offset mismatch or a concurrent writer, FileTooLarge (413) past Upload-Length.
    """
    uploads = area()
    if content_length is not None and offset + content_length > upload.size:
        raise FileTooLarge(upload.size, "The chunk would exceed the declared Upload-Length.")
    try:
        with uploads.appender(upload.id) as fd:
            if fd is None:
                raise UploadConflict("The upload is being written by another request.")
            current = os.fstat(fd).st_size
            if current != offset:
                raise UploadConflict(f"Upload-Offset {offset} does not match the current "
                                     f"offset {current}.", data={"offset": current})
            hasher = uploads.resume_hash(upload.id, current)
            current, overflow = _copy_body(fd, stream, hasher, current, upload.size)
            os.fdatasync(fd)
            uploads.keep_hash(upload.id, current, hasher)
    except FileNotFoundError:
        raise FileUploadNotFound(upload.id, status_code=404) from None
    if overflow:
        raise FileTooLarge(upload.size, "The body exceeds the declared Upload-Length; the "
                           f"bytes up to offset {current} were kept.")
    return current, hasher.hexdigest() if current == upload.size else None


def _copy_body(fd: int, stream: BinaryIO, hasher, offset: int, length: int) -> tuple[int, bool]:
    """Copy until the body ends, the connection breaks, or ``length`` is reached."""
    while True:
        try:
            chunk = stream.read(CHUNK)
        except Exception:  # noqa: BLE001 - a broken connection: keep what arrived
            return offset, False
        if not chunk:
            return offset, False
        room = length - offset
        overflow = len(chunk) > room
        chunk = chunk[:room] if overflow else chunk
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]
        hasher.update(chunk)
        offset += len(chunk)
        if overflow:
            return offset, True


def tus_finish(conn: Connection, upload: Upload, sha256: str) -> None:
    mime_type = upload.mime_type or storage.sniff(area().head(upload.id), upload.name)
    store.complete(conn, upload.id, sha256=sha256, mime_type=mime_type)


# -- cleanup ----------------------------------------------------------------------------------

def sweep(engine: Engine, settings: Settings, *, grace: float = ORPHAN_GRACE) -> dict[str, int]:
    """Remove expired uploads (rows and files) and upload files without a row."""
    uploads = get_area(settings)
    with engine.begin() as conn:
        ids = [i for i in store.lock_expired(conn, settings.upload_lifetime)
               if not uploads.is_busy(i)]
        if ids:
            store.delete_many(conn, ids)
    for upload_id in ids:
        uploads.remove(upload_id)
    cutoff = time.time() - grace
    candidates = [i for i, mtime in uploads.scan() if mtime < cutoff]
    orphans = 0
    for start in range(0, len(candidates), 1000):
        batch = candidates[start:start + 1000]
        with engine.connect() as conn:
            known = store.existing_ids(conn, batch)
        for upload_id in batch:
            if upload_id not in known and not uploads.is_busy(upload_id):
                uploads.remove(upload_id)
                orphans += 1
    return {"expired_uploads": len(ids), "orphan_uploads": orphans}
