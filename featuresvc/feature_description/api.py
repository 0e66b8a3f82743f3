"""Bulk export / import of a layer's descriptions (NGW ``feature_description/export|import``).

Export (as NGW): a zip with one ``{fid:010d}.html`` per described feature, each a small HTML
document ``<html><body>…</body></html>``. Import takes such a zip (any ``<digits>.html``
names): the body's content of each file becomes the feature's description, sanitised like
every write. Without ``replace`` features that already have a description keep it; files of
features the layer does not have are skipped. NGW answers the import with an empty body; we
answer ``{"imported": n, "skipped": m}`` like the attachment import.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context
from flask_smorest import Blueprint
from sqlalchemy import Connection

from .. import db, file_upload
from ..archive import Archive, open_zip
from ..errors import ValidationError
from ..feature_attachment.zipstream import zip_stream
from ..feature_layer.access import OnFeatureLayer, current_layer
from ..feature_layer.model import Layer
from ..http import json_body, json_response
from ..routing import route
from . import service, store

bp = Blueprint("feature_description", __name__, description="Feature descriptions")

#: ASCII digits only (``\\d`` and ``str.isdigit`` also take ``²`` or Arabic-Indic digits),
#: and few enough to be a feature id.
_FILE = re.compile(r"([0-9]{1,18})\.html", re.IGNORECASE)
_BODY_OPEN = re.compile(r"<body\b", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
LOCATION = ["body", "source"]
#: Largest single description file of an import.
MAX_DOCUMENT = 16 * 1024 * 1024


def _documents(conn: Connection, resource_id: int) -> Iterator[tuple[str, bytes]]:
    try:
        for fid, value in store.of_layer(conn, resource_id):
            yield f"{fid:010d}.html", f"<html><body>{value}</body></html>".encode()
    finally:
        conn.close()


@route(bp, "/api/resource/<int:id>/feature_description/export", methods=["GET"],
       access=OnFeatureLayer("data.read"), name="feature_description.export",
       summary="Every description of the layer as a zip of {fid:010d}.html files")
def export(id: int):
    current_layer(id)
    conn = db.engine().connect()  # outlives the request's transaction while streaming
    resp = Response(stream_with_context(zip_stream(_documents(conn, id))),
                    mimetype="application/zip", headers={
                        "Content-Disposition": f'attachment; filename="{id}.descriptions.zip"'})
    resp.call_on_close(conn.close)  # also when the client goes before the first chunk
    return resp


def _bad(message: str) -> ValidationError:
    return ValidationError(message, data={"location": LOCATION})


def _read(archive: Archive) -> dict[int, zipfile.ZipInfo]:
    found: dict[int, zipfile.ZipInfo] = {}
    for info in archive.members:
        match = _FILE.fullmatch(info.filename)
        if match is None:
            raise _bad("Files must be named using the format '{feature ID}.html', but got "
                       f"'{info.filename[:200]}'.")
        found[int(match[1])] = info
    return found


def body_content(text: str) -> str:
    """What ``<body …>…</body>`` holds (all of it when there is no body tag). Found with
    plain searches: the one-regex form backtracked quadratically on ``<body <body …``."""
    opening = _BODY_OPEN.search(text)
    if opening is None:
        return text
    start = text.find(">", opening.end())
    if start == -1:  # no later <body can have a ">" either
        return text
    closing = _BODY_CLOSE.search(text, start + 1)
    return text[start + 1:closing.start() if closing else len(text)]


def _content(archive: Archive, info: zipfile.ZipInfo) -> str:
    try:
        text = archive.read(info, MAX_DOCUMENT).decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(f"The file '{info.filename}' is not UTF-8 text.") from None
    return service.sanitize(body_content(text))


def import_zip(conn: Connection, layer: Layer, source: Any, *, replace: bool) -> dict:
    upload = file_upload.get_finished(conn, source)
    with file_upload.open_upload(upload) as fh, open_zip(fh, LOCATION) as archive:
        found = _read(archive)
        present = store.existing_features(conn, layer, sorted(found))
        if replace:
            store.delete_features(conn, layer.resource_id, None)
        keep = set() if replace else store.existing(conn, layer.resource_id, list(found))
        values = {fid: _content(archive, info) for fid, info in found.items()
                  if fid in present and fid not in keep}
    store.put_many(conn, layer.resource_id, values)
    return {"imported": len(values), "skipped": len(found) - len(values)}


@route(bp, "/api/resource/<int:id>/feature_description/import", methods=["PUT"],
       access=OnFeatureLayer("data.write"), name="feature_description.import",
       summary='Import a zip of {fid}.html files: {"source": upload meta, "replace": false} '
               '-> {"imported", "skipped"}')
def import_(id: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    body = json_body()
    if not isinstance(body, dict) or body.get("source") is None:
        raise ValidationError("Missing required field - at `$.source`.",
                              data={"location": ["body", "source"]})
    return json_response(import_zip(conn, layer, body["source"],
                                    replace=body.get("replace", False) is True))
