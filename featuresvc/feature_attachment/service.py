"""Attachment operations shared by the item API, the ``extensions.attachment`` write path
and the bulk import: parse an item, store its file, create / update / delete rows, and
release files only after the commit.

Consistency: a file is stored (fsynced, by file_storage / file_upload.consume) before the row
naming it is inserted, in the caller's transaction; a rollback removes the new files, a
commit removes the files of deleted rows. What a crash leaves behind is an unreferenced file,
which ``featuresvc cleanup`` sweeps.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection

from .. import file_storage, file_upload
from ..errors import ValidationError
from ..feature_layer.exceptions import FeatureNotFound
from ..feature_layer.model import Layer
from ..file_storage import FileRef
from ..file_storage.mime import OCTET_STREAM
from ..file_upload.service import settings as upload_settings
from ..text import KEYNAME_MAX, mime_problem, name_problem, text_problem
from . import image, store
from .exceptions import AttachmentNotFound, BadItem
from .store import Attachment, NewAttachment

COMPONENT = "feature_attachment"
#: Attributes an item may set (spec 3.3 and 4.2); others (size, is_image…) are read-only.
ATTRIBUTES = ("name", "keyname", "mime_type", "description")


#: Per attribute: why a value cannot be stored (README "Input limits"), or None.
_CHECKS = {"name": name_problem, "keyname": lambda v: name_problem(v, KEYNAME_MAX),
           "mime_type": mime_problem, "description": text_problem}


@dataclass
class ItemSpec:
    """One attachment as sent: ``id`` of an existing one (None: create), the upload to take
    the file from (None: keep the file), and the attributes present in the request."""

    id: int | None = None
    file_upload: Any = None
    values: dict[str, str | None] = field(default_factory=dict)


def parse_item(data: Any, *, with_id: bool = True) -> ItemSpec:
    if not isinstance(data, dict):
        raise BadItem("an attachment must be an object")
    spec = ItemSpec(file_upload=data.get("file_upload"))
    if with_id and data.get("id") is not None:
        if type(data["id"]) is not int:
            raise BadItem(f"attachment 'id' must be an integer, got {data['id']!r}")
        spec.id = data["id"]
    for key in ATTRIBUTES:
        if key not in data:
            continue
        value = data[key]
        if value is not None and not isinstance(value, str):
            raise BadItem(f"attachment '{key}' must be a string or null")
        if key == "mime_type" and not value:
            continue  # a file always has a type: null or "" leaves it as it is
        problem = value and _CHECKS[key](value)
        if problem:
            raise BadItem(f"attachment '{key}' {problem}")
        spec.values[key] = value
    return spec


def parse_list(value: Any) -> list[ItemSpec]:
    """``extensions.attachment``: a list of items, or null (= an empty list)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadItem("'attachment' must be a list of attachments or null")
    specs = []
    for index, item in enumerate(value):
        try:
            specs.append(parse_item(item))
        except BadItem as exc:
            raise BadItem(f"attachment #{index}: {exc}") from None
    seen = [s.id for s in specs if s.id is not None]
    if len(seen) != len(set(seen)):
        raise BadItem("an attachment id is listed twice")
    return specs


# -- files ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredFile:
    """A file taken from an upload, and the name and type the upload carries (None when it
    carries none: no name, or only application/octet-stream)."""

    ref: FileRef
    name: str | None
    mime_type: str | None
    file_meta: dict | None


def _jpeg_name(name: str | None) -> str | None:
    if name is None:
        return None
    stem, ext = posixpath.splitext(name)
    if ext.lower() in (".jpg", ".jpeg"):  # a body name already says JPEG
        return name
    return (stem if ext.lower() in (".heic", ".heif") else name) + ".jpg"


def _meta_name(ref: Any) -> str | None:
    name = ref.get("name") if isinstance(ref, dict) else None
    return name if isinstance(name, str) and name else None


def store_upload(conn: Connection, ref: Any, *, name: str | None = None) -> StoredFile:
    """Store a finished upload (422 if unknown or unfinished); HEIC becomes JPEG.

    The file is named by ``name`` (the request body's), else by the upload meta's ``name``,
    else by the upload's own: NextGIS Mobile creates its tus upload with its local
    attachment number as ``filename`` and names the photo only in the body."""
    upload = file_upload.get_finished(conn, ref)
    name = name or _meta_name(ref) or upload.name
    mime = upload.mime_type if upload.mime_type not in (None, "", OCTET_STREAM) else None
    stored: FileRef | None = None
    if mime in image.HEIC_TYPES:
        with file_upload.open_upload(upload) as fh:
            jpeg = image.heic_to_jpeg(fh, upload_settings().max_image_pixels)
        if jpeg is not None:
            stored = file_storage.write_stream(conn, [jpeg], component=COMPONENT,
                                               mime_type="image/jpeg")
            name, mime = _jpeg_name(name), "image/jpeg"
    if stored is None:
        stored = file_upload.consume(conn, upload.id, component=COMPONENT)
    return StoredFile(stored, name, mime, _meta(stored, mime))


def store_bytes(conn: Connection, stream: Any, *, name: str | None, mime_type: str | None,
                max_size: int | None = None) -> StoredFile:
    """Store bytes from a stream (the bulk import); the type is sniffed if not given."""
    ref = file_storage.write_stream(conn, stream, component=COMPONENT, mime_type=mime_type,
                                    name=name, max_size=max_size)
    return StoredFile(ref, name, ref.mime_type, _meta(ref, ref.mime_type))


def _meta(ref: FileRef, mime: str | None) -> dict | None:
    if not (mime or ref.mime_type).startswith("image/"):
        return None
    return image.file_meta(file_storage.local_path(ref))


def release(conn: Connection, fileobj_ids: list[int]) -> None:
    """Delete the rows of these attachment files and their thumbnails now, the bytes after
    the commit."""
    if fileobj_ids:
        thumbs = store.delete_thumbnails(conn, fileobj_ids)
        file_storage.delete(conn, [*fileobj_ids, *thumbs])


# -- rows ----------------------------------------------------------------------------------------

def _new(conn: Connection, fid: int, spec: ItemSpec) -> NewAttachment:
    if spec.file_upload is None:
        raise ValidationError("A new attachment needs 'file_upload' (the meta of a finished "
                              "upload).", data={"feature_id": fid})
    values = spec.values
    got = store_upload(conn, spec.file_upload, name=values.get("name"))
    return NewAttachment(
        feature_id=fid, fileobj_id=got.ref.id, name=got.name,
        keyname=values.get("keyname"),
        mime_type=got.mime_type or values.get("mime_type") or got.ref.mime_type,
        description=values.get("description"), size=got.ref.size, file_meta=got.file_meta)


def _changed(conn: Connection, att: Attachment, spec: ItemSpec) -> tuple[Attachment, int | None]:
    """The row after applying ``spec``, and the file it no longer uses (if replaced)."""
    values = {k: v for k, v in spec.values.items()}
    if spec.file_upload is None:
        return replace(att, **values), None  # type: ignore[arg-type]
    got = store_upload(conn, spec.file_upload, name=values.get("name"))
    if got.name is not None:
        values["name"] = got.name
    values["mime_type"] = got.mime_type or values.get("mime_type") or got.ref.mime_type
    new = replace(att, fileobj_id=got.ref.id, size=got.ref.size, file_meta=got.file_meta,
                  **values)  # type: ignore[arg-type]
    return new, att.fileobj_id


def create(conn: Connection, layer: Layer, fid: int, spec: ItemSpec) -> int:
    """``POST …/attachment/``: 404 FeatureNotFound if the feature is missing."""
    if not store.lock_feature(conn, layer, fid):
        raise FeatureNotFound(layer.resource_id, fid)
    return store.insert_many(conn, layer.resource_id, [_new(conn, fid, spec)])[0]


def require(conn: Connection, layer: Layer, fid: int, aid: int, *,
            lock: bool = False) -> Attachment:
    att = store.get(conn, layer.resource_id, fid, aid, lock=lock)
    if att is None:
        raise AttachmentNotFound(layer.resource_id, fid, aid)
    return att


def update(conn: Connection, layer: Layer, att: Attachment, spec: ItemSpec) -> None:
    new, old_file = _changed(conn, att, spec)
    store.update_many(conn, layer.resource_id, [new])
    release(conn, [old_file] if old_file is not None else [])


def delete(conn: Connection, layer: Layer, att: Attachment) -> None:
    release(conn, store.delete_ids(conn, layer.resource_id, [att.id]))


def replace_lists(conn: Connection, layer: Layer, items: list[tuple[int, list[ItemSpec]]]
                  ) -> None:
    """NGW's full replacement of ``extensions.attachment`` for many features at once:
    listed ids are kept (and updated), items without id are created, the rest deleted."""
    if not items:
        return
    merged = dict(items)  # a feature written twice in one batch: the last list wins
    existing: dict[int, dict[int, Attachment]] = {}
    for att in store.for_features(conn, layer.resource_id, list(merged)):
        existing.setdefault(att.feature_id, {})[att.id] = att
    gone: list[int] = []
    updated: list[Attachment] = []
    replaced: list[int] = []
    created: list[NewAttachment] = []
    for fid, specs in merged.items():
        current = existing.get(fid, {})
        listed = set()
        for spec in specs:
            if spec.id is None:
                created.append(_new(conn, fid, spec))
                continue
            att = current.get(spec.id)
            if att is None:
                raise AttachmentNotFound(layer.resource_id, fid, spec.id)
            listed.add(spec.id)
            new, old_file = _changed(conn, att, spec)
            if new != att:
                updated.append(new)
            if old_file is not None:
                replaced.append(old_file)
        gone += [aid for aid in current if aid not in listed]
    release(conn, store.delete_ids(conn, layer.resource_id, gone))
    store.update_many(conn, layer.resource_id, updated)
    release(conn, replaced)
    store.insert_many(conn, layer.resource_id, created)


def read_lists(conn: Connection, layer: Layer, fids: list[int]) -> dict[int, list[dict]]:
    """Attachment objects by feature (features without any are absent: they read null)."""
    result: dict[int, list[dict]] = {}
    for att in store.for_features(conn, layer.resource_id, fids):
        result.setdefault(att.feature_id, []).append(att.to_json())
    return result


def forget_features(conn: Connection, layer: Layer, fids: list[int] | None) -> None:
    """Features were deleted (``None``: all of them): their attachments go too."""
    release(conn, store.delete_features(conn, layer.resource_id, fids))


def forget_layers(conn: Connection, resource_ids: list[int]) -> None:
    release(conn, store.delete_layers(conn, resource_ids))
