"""Bulk export and import of a layer's attachments (NGW's ``feature_attachment/export`` and
``import``).

Export: a zip streamed to the client, ``{fid:010d}/{name}`` per attachment (names made
unique within a feature with ``.1``, ``.2`` … before the extension) and ``metadata.json``
``{"items": {arcname: {id, feature_id, name, keyname, mime_type, description?}}}`` last.

Import: that zip (with metadata.json), or any zip of ``<fid>/<name>`` files. Everything is
validated before anything is stored; files of features the layer does not have are skipped;
without ``replace`` a file already attached to the same feature with the same keyname and
the same bytes is skipped. All files are stored (fsynced) before the rows are inserted in
one statement, in the request's transaction: a failure or a crash leaves no row.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Response, current_app
from sqlalchemy import Connection

from .. import db, file_storage, file_upload
from ..errors import ValidationError
from ..feature_layer.model import Layer
from ..file_storage import FileTooLarge
from . import service, store
from .store import Attachment, NewAttachment
from .zipstream import Entry, zip_stream

METADATA = "metadata.json"
_SUFFIX = re.compile(r"^(.*?)((?:\.[a-z0-9_]+)+)$", re.IGNORECASE)
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


# -- export --------------------------------------------------------------------------------------

def _archive_name(att: Attachment, used: set[str]) -> str:
    """A name unique within the feature's folder, safe as a zip member name."""
    name = _UNSAFE.sub("_", att.name or "").strip()
    if name in ("", ".", ".."):
        name = f"attachment_{att.id}"
    candidate, index = name, 0
    while candidate in used:
        index += 1
        match = _SUFFIX.match(name)
        candidate = f"{match[1]}.{index}{match[2]}" if match else f"{name}.{index}"
    used.add(candidate)
    return candidate


def _entries(atts: list[Attachment], paths: dict[int, Any]) -> Iterator[Entry]:
    items: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    current = None
    for att in atts:
        if att.feature_id != current:
            used, current = set(), att.feature_id
        path = paths.get(att.fileobj_id)
        if path is None:
            continue
        arcname = f"{att.feature_id:010d}/{_archive_name(att, used)}"
        item = {"id": att.id, "feature_id": att.feature_id, "name": att.name,
                "keyname": att.keyname, "mime_type": att.mime_type}
        if att.description is not None:
            item["description"] = att.description
        items[arcname] = item
        yield arcname, path
    yield METADATA, orjson.dumps({"items": items}, option=orjson.OPT_INDENT_2)


def export_response(resource_id: int) -> Response:
    conn = db.connection()
    atts = store.of_layer(conn, resource_id)
    refs = file_storage.get_many(conn, [a.fileobj_id for a in atts])
    paths = {i: file_storage.local_path(ref) for i, ref in refs.items()}
    return Response(zip_stream(_entries(atts, paths)), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{resource_id}.attachments.zip"'})


# -- import --------------------------------------------------------------------------------------

@dataclass
class Source:
    info: zipfile.ZipInfo
    feature_id: int
    name: str | None
    keyname: str | None = None
    mime_type: str | None = None
    description: str | None = None


def _bad(message: str) -> ValidationError:
    return ValidationError(message, data={"location": ["body", "source"]})


def _from_metadata(info: zipfile.ZipInfo, md: Any) -> Source:
    fn = info.filename
    if not isinstance(md, dict):
        raise _bad(f"Invalid metadata for file '{fn}'.")
    fid = md.get("feature_id")
    if type(fid) is not int:
        raise _bad(f"Invalid feature ID for file '{fn}'.")
    src = Source(info, fid, None)
    for key in ("name", "keyname", "mime_type", "description"):
        value = md.get(key)
        if value is not None and not isinstance(value, str):
            raise _bad(f"Invalid {key.replace('_', ' ')} for file '{fn}'.")
        setattr(src, key, value)
    return src


def _from_path(info: zipfile.ZipInfo) -> Source:
    parts = info.filename.split("/")
    if len(parts) != 2 or not parts[0].isdigit() or not parts[1]:
        raise _bad(f"Could not determine feature ID for file '{info.filename}'.")
    return Source(info, int(parts[0]), parts[1])


def sources(archive: zipfile.ZipFile) -> list[Source]:
    """Every file of the archive with what to attach it as; 422 on anything inconsistent."""
    try:
        meta_info = archive.getinfo(METADATA)
    except KeyError:
        meta_info = None
    items = None
    if meta_info is not None:
        try:
            items = orjson.loads(archive.read(meta_info)).get("items")
        except (orjson.JSONDecodeError, AttributeError):
            items = None
        if not isinstance(items, dict):
            raise _bad("metadata.json must be an object with an 'items' object.")
        items = dict(items)
    result = []
    for info in archive.infolist():
        if info.is_dir() or info is meta_info:
            continue
        if items is None:
            result.append(_from_path(info))
        elif info.filename not in items:
            raise _bad(f"File '{info.filename}' isn't found in metadata.")
        else:
            result.append(_from_metadata(info, items.pop(info.filename)))
    for missing in items or ():
        raise _bad(f"File '{missing}' isn't found in the archive.")
    return result


def _sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as member:
        while chunk := member.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_zip(conn: Connection, layer: Layer, source: Any, *, replace: bool) -> dict:
    upload = file_upload.get_finished(conn, source)
    max_size = current_app.config["FEATURESVC"].upload_max_size
    with file_upload.open_upload(upload) as fh:
        try:
            archive = zipfile.ZipFile(fh)
            return _import(conn, layer, archive, replace=replace, max_size=max_size)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
                RuntimeError) as exc:  # RuntimeError: an encrypted member
            raise _bad(f"Invalid ZIP archive: {exc}.") from None


def _import(conn: Connection, layer: Layer, archive: zipfile.ZipFile, *, replace: bool,
            max_size: int) -> dict:
    found = sources(archive)
    if sum(s.info.file_size for s in found) > max_size:
        raise FileTooLarge(max_size, "The archive content is larger than the maximum of "
                           f"{max_size} bytes.")
    fids = sorted({s.feature_id for s in found})
    present = store.existing_features(conn, layer, fids)
    if replace:
        service.forget_features(conn, layer, None)
    known = {} if replace else store.fingerprints(conn, layer.resource_id, fids)
    new: list[NewAttachment] = []
    skipped = 0
    for src in found:
        key = (src.feature_id, src.keyname, src.info.file_size)
        if src.feature_id not in present or (
                key in known and _sha256(archive, src.info) in known[key]):
            skipped += 1
            continue
        name = src.name if src.name is not None else posixpath.basename(src.info.filename)
        with archive.open(src.info) as member:
            got = service.store_bytes(conn, member, name=name, mime_type=src.mime_type,
                                      max_size=max_size)
        new.append(NewAttachment(
            feature_id=src.feature_id, fileobj_id=got.ref.id, name=src.name,
            keyname=src.keyname, mime_type=got.ref.mime_type, description=src.description,
            size=got.ref.size, file_meta=got.file_meta))
    store.insert_many(conn, layer.resource_id, new)
    return {"imported": len(new), "skipped": skipped}
