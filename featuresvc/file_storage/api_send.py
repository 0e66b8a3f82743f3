"""Stored files as HTTP responses (the HTTP side of :mod:`featuresvc.file_storage`)."""

from __future__ import annotations

from flask import Response, send_file

from .service import local_path
from .store import FileRef


def send(ref: FileRef, *, mime_type: str | None = None, download_name: str | None = None,
         as_attachment: bool = False) -> Response:
    """An HTTP response with the file: Range requests (206), ETag and If-None-Match."""
    resp = send_file(local_path(ref), mimetype=mime_type or ref.mime_type,
                     download_name=download_name, as_attachment=as_attachment,
                     conditional=True, etag=ref.sha256, max_age=None)
    if download_name is None:
        resp.headers.pop("Content-Disposition", None)  # send_file would name it by its key
    # User content served from the API origin must not run scripts with the caller's cookie.
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "sandbox"
    return resp
