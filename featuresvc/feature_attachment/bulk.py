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
from sqlalchemy import Connection

from .. import file_storage, file_upload
from ..archive import Archive, open_zip
from ..config import Settings
from ..errors import ValidationError
from ..feature_layer.model import Layer
from . import service, store
from .store import Attachment, NewAttachment
from .zipstream import Entry, zip_stream

METADATA = "metadata.json"
#: Names in the export are cut to this many characters (a zip name field holds 64 KiB, the
#: import reader takes 1024); metadata.json keeps the full name.
MAX_ARCHIVE_NAME = 255
_EXT = re.compile(r"[a-z0-9_]+", re.IGNORECASE)
_FID = re.compile(r"[0-9]{1,18}")
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


# -- export --------------------------------------------------------------------------------------

def _split_suffix(name: str) -> tuple[str, str] | None:
    """``photo.tar.gz`` -> ``("photo", ".tar.gz")``: the longest run of ``.ext`` parts at the
    end, found by splitting (a regex for it backtracks quadratically on ``.a.a…!``)."""
    parts = name.split(".")
    start = len(parts)
    while start > 1 and _EXT.fullmatch(parts[start - 1]):
        start -= 1
    if start == len(parts):
        return None
    return ".".join(parts[:start]), "." + ".".join(parts[start:])


def _archive_name(att: Attachment, used: dict[str, int]) -> str:
    """A name unique within the feature's folder, safe as a zip member name. ``used`` maps
    each name taken to the next index to try for it, so N equal names cost O(N)."""
    name = _UNSAFE.sub("_", (att.name or "")[:MAX_ARCHIVE_NAME]).strip()
    if name in ("", ".", ".."):
        name = f"attachment_{att.id}"
    candidate = name
    if candidate in used:
        split = _split_suffix(name)
        index = used[name]
        while candidate in used:
            index += 1
            candidate = f"{split[0]}.{index}{split[1]}" if split else f"{name}.{index}"
        used[name] = index
    used[candidate] = 0
    return candidate


def _entries(atts: list[Attachment], paths: dict[int, Any]) -> Iterator[Entry]:
    items: dict[str, dict[str, Any]] = {}
    used: dict[str, int] = {}
    current = None
    for att in atts:
        if att.feature_id != current:
            used, current = {}, att.feature_id
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


def export_stream(conn: Connection, resource_id: int) -> Iterator[bytes]:
    """The layer's attachments as zip bytes; the rows are read now, the files while the
    response streams."""
    atts = store.of_layer(conn, resource_id)
    refs = file_storage.get_many(conn, [a.fileobj_id for a in atts])
    paths = {i: file_storage.local_path(ref) for i, ref in refs.items()}
    return zip_stream(_entries(atts, paths))


# -- import --------------------------------------------------------------------------------------

LOCATION = ["body", "source"]


@dataclass
class Source:
    info: zipfile.ZipInfo
    feature_id: int
    name: str | None
    keyname: str | None = None
    mime_type: str | None = None
    description: str | None = None


def _bad(message: str) -> ValidationError:
    return ValidationError(message, data={"location": LOCATION})


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
    """``<fid>/<name>``; the fid in ASCII digits (``str.isdigit`` also takes ``²``)."""
    parts = info.filename.split("/")
    if len(parts) != 2 or not _FID.fullmatch(parts[0]) or not parts[1]:
        raise _bad(f"Could not determine feature ID for file '{info.filename[:200]}'.")
    return Source(info, int(parts[0]), parts[1])


def sources(archive: Archive, metadata_max: int) -> list[Source]:
    """Every file of the archive with what to attach it as; 422 on anything inconsistent."""
    meta_info = next((i for i in archive.members if i.filename == METADATA), None)
    items = None
    if meta_info is not None:
        try:
            items = orjson.loads(archive.read(meta_info, metadata_max)).get("items")
        except (orjson.JSONDecodeError, AttributeError):
            items = None
        if not isinstance(items, dict):
            raise _bad("metadata.json must be an object with an 'items' object.")
        items = dict(items)
    result = []
    for info in archive.members:
        if info is meta_info:
            continue
        if items is None:
            result.append(_from_path(info))
        elif info.filename not in items:
            raise _bad(f"File '{info.filename}' isn't found in metadata.")
        else:
            result.append(_from_metadata(info, items.pop(info.filename)))
    for missing in items or ():
        raise _bad(f"File '{missing[:200]}' isn't found in the archive.")
    return result


def _sha256(archive: Archive, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as member:
        while chunk := member.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_zip(conn: Connection, layer: Layer, source: Any, *, replace: bool,
               settings: Settings) -> dict:
    upload = file_upload.get_finished(conn, source)
    with file_upload.open_upload(upload) as fh, open_zip(fh, LOCATION) as archive:
        return _import(conn, layer, archive, replace=replace,
                       max_size=settings.upload_max_size, metadata_max=settings.max_json_body)


def _import(conn: Connection, layer: Layer, archive: Archive, *, replace: bool,
            max_size: int, metadata_max: int) -> dict:
    found = sources(archive, metadata_max)
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
