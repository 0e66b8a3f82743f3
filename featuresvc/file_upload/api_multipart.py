"""``multipart/form-data`` uploads parsed from the request stream straight into upload files.

werkzeug's own form parsing would spool parts to temporary files first; here its parser is
given a stream factory that writes each file part into a new upload file (hashing it on the
way), so a part never sits in memory and is written once.
"""

from __future__ import annotations

from flask import request
from sqlalchemy import Connection
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header

from ..file_storage import FileTooLarge
from ..file_storage.local import FileWriter
from . import service
from .exceptions import UploadRequestError
from .store import Upload

MAX_FIELD_SIZE = 1024 * 1024
MAX_PARTS = 1000


def is_multipart() -> bool:
    return parse_options_header(request.headers.get("Content-Type"))[0] == "multipart/form-data"


def _parse() -> tuple[dict, list[tuple[str, FileWriter]], list[tuple[str, FileStorage]]]:
    mimetype, options = parse_options_header(request.headers.get("Content-Type"))
    if not options.get("boundary"):
        raise UploadRequestError("Malformed multipart body: the boundary is missing.")
    writers: list[tuple[str, FileWriter]] = []

    def factory(total_content_length, content_type, filename, content_length=None):
        upload_id, writer = service.new_writer()
        writers.append((upload_id, writer))
        return writer

    parser = FormDataParser(stream_factory=factory, max_form_memory_size=MAX_FIELD_SIZE,
                            max_form_parts=MAX_PARTS, silent=False)
    try:
        _, form, files = parser.parse(request.stream, mimetype, request.content_length, options)
    except ValueError as exc:
        _abort(writers)
        raise UploadRequestError(f"Malformed multipart body: {exc}.") from None
    except RequestEntityTooLarge:
        _abort(writers)
        raise FileTooLarge(MAX_FIELD_SIZE, "A multipart form field is larger than "
                           f"{MAX_FIELD_SIZE} bytes or there are more than {MAX_PARTS} "
                           "parts.") from None
    except BaseException:
        _abort(writers)
        raise
    return form, writers, list(files.items(multi=True))


def _abort(writers: list[tuple[str, FileWriter]]) -> None:
    for _, writer in writers:
        writer.abort()


def create_uploads(conn: Connection, owner_user_id: int) -> list[Upload]:
    """One upload per ``files[]`` part, or per ``file`` part (NGW); GDAL's extra ``name``
    field names a single file."""
    form, writers, files = _parse()
    key = "files[]" if any(k == "files[]" for k, _ in files) else "file"
    chosen = [fs for k, fs in files if k == key]
    by_stream = {id(w): (uid, w) for uid, w in writers}
    used = {id(fs.stream) for fs in chosen}
    _abort([w for w in writers if id(w[1]) not in used])
    if not chosen:
        raise UploadRequestError("The multipart body has no file part named 'file' or "
                                 "'files[]'.")
    uploads = []
    try:
        for fs in chosen:
            upload_id, writer = by_stream[id(fs.stream)]
            name = form.get("name") if len(chosen) == 1 and form.get("name") else fs.filename
            uploads.append(service.register_written(
                conn, upload_id, writer, owner_user_id=owner_user_id,
                name=service.clean_name(name), declared_mime=fs.content_type))
    except BaseException:
        _abort([by_stream[id(fs.stream)] for fs in chosen[len(uploads):]])
        raise
    return uploads

