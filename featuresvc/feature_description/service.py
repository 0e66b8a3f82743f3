"""Description values and their bulk export / import.

Values are HTML sanitised on every write (nh3, an ammonia binding: scripts, event handler
attributes and ``javascript:`` links are removed), so what clients render later cannot run
code in a viewer's session.

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

import nh3
from sqlalchemy import Connection

from .. import file_upload
from ..archive import Archive, open_zip
from ..errors import ValidationError
from ..feature_layer.model import Layer
from ..text import text_problem
from . import store

#: ASCII digits only (``\\d`` and ``str.isdigit`` also take ``²`` or Arabic-Indic digits),
#: and few enough to be a feature id.
_FILE = re.compile(r"([0-9]{1,18})\.html", re.IGNORECASE)
_BODY_OPEN = re.compile(r"<body\b", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
LOCATION = ["body", "source"]
#: Largest single description file of an import.
MAX_DOCUMENT = 16 * 1024 * 1024


def sanitize(value: str) -> str:
    return nh3.clean(value)


def load(value: Any) -> str | None:
    """A value sent in ``extensions.description``: a string (sanitised) or null (delete)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("'description' must be a string or null")
    problem = text_problem(value, None)
    if problem:
        raise ValueError(f"'description' {problem}")
    return sanitize(value)


def write(conn: Connection, layer: Layer, items: list[tuple[int, str | None]]) -> None:
    """Set (string) or delete (None) descriptions; a feature sent twice: the last wins."""
    final = dict(items)
    store.delete_features(conn, layer.resource_id,
                          [fid for fid, value in final.items() if value is None])
    store.put_many(conn, layer.resource_id,
                   {fid: value for fid, value in final.items() if value is not None})


def read(conn: Connection, layer: Layer, fids: list[int]) -> dict[int, str]:
    return store.for_features(conn, layer.resource_id, fids)


def forget_features(conn: Connection, layer: Layer, fids: list[int] | None) -> None:
    store.delete_features(conn, layer.resource_id, fids)


def documents(conn: Connection, resource_id: int) -> Iterator[tuple[str, bytes]]:
    """The export's files, streamed; closes ``conn`` (its own, outliving the request's
    transaction) when done."""
    try:
        for fid, value in store.of_layer(conn, resource_id):
            yield f"{fid:010d}.html", f"<html><body>{value}</body></html>".encode()
    finally:
        conn.close()


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
    return sanitize(body_content(text))


def import_zip(conn: Connection, layer: Layer, source: Any, *, replace: bool) -> dict:
    """Import an uploaded zip of ``{fid}.html`` files (see the module docstring)."""
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
