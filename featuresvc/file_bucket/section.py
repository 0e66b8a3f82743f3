"""The ``file_bucket`` resource class and its document section (spec section 5).

``files`` (read: data.read, write: data.write) is the complete set on write: unlisted names
are removed, a name with an upload ``id`` gets that content, a name without ``id`` is kept.
``archive`` (write: resource.update) replaces everything with a zip upload's content.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from .. import file_storage, file_upload
from ..archive import open_zip
from ..errors import ValidationError
from ..resource.classes import ResourceClass
from ..resource.sections import Context
from ..resource.store import Resource
from . import store
from .names import check_name

COMPONENT = "file_bucket"

FILE_BUCKET = ResourceClass(
    identity="file_bucket", label="File bucket", scopes=("resource", "data"),
    category="miscellaneous",
)


def _files_value(value: Any) -> dict[str, dict[str, Any]]:
    """Validated ``files`` entries by name (a later duplicate wins, as in NGW)."""
    if not isinstance(value, list):
        raise ValidationError("Expected an array - at `$.file_bucket.files`.",
                              data={"location": ["body", "file_bucket", "files"]})
    entries: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(value):
        location = ["body", "file_bucket", "files", index]
        if not isinstance(item, dict):
            raise ValidationError(f"Expected an object - at `$.file_bucket.files[{index}]`.",
                                  data={"location": location})
        entries[check_name(item.get("name"), [*location, "name"])] = item
    return entries


def write_files(conn: Connection, resource_id: int, value: Any) -> None:
    entries = _files_value(value)
    existing = {f.name: f for f in store.files(conn, [resource_id]).get(resource_id, [])}
    replaced: list[tuple[str, int]] = []
    for name, item in entries.items():
        if item.get("id") is None:
            if name not in existing:
                raise ValidationError(f"File '{name}' is not in the bucket and has no upload "
                                      "id.", data={"name": name})
            continue
        ref = file_upload.consume(conn, item, component=COMPONENT)
        replaced.append((name, ref.id))
    gone = [n for n in existing if n not in entries]
    old = [existing[n].fileobj_id for n, _ in replaced if n in existing]
    old += store.remove(conn, [resource_id], gone) if gone else []
    store.upsert(conn, resource_id, replaced)
    file_storage.delete(conn, old)
    store.touch(conn, resource_id)


ARCHIVE_LOCATION = ["body", "file_bucket", "archive"]


def write_archive(conn: Connection, resource_id: int, value: Any, max_size: int) -> None:
    """Replace the bucket's files by an archive's members (each at most ``max_size``)."""
    upload = file_upload.get_finished(conn, value)
    with file_upload.open_upload(upload) as fh, open_zip(fh, ARCHIVE_LOCATION) as archive:
        for member in archive.members:
            check_name(member.filename, ARCHIVE_LOCATION)
        file_storage.delete(conn, store.remove(conn, [resource_id]))
        stored: dict[str, int] = {}
        for member in archive.members:
            with archive.open(member) as src:
                ref = file_storage.write_stream(conn, src, component=COMPONENT,
                                                name=member.filename, max_size=max_size)
            stored[member.filename] = ref.id
    store.upsert(conn, resource_id, stored.items())
    store.touch(conn, resource_id)


class FileBucketSection:
    identity = "file_bucket"

    def applies(self, rcls: ResourceClass) -> bool:
        return rcls.identity == FILE_BUCKET.identity

    def read(self, ctx: Context, resources: list[Resource]) -> dict[int, Any]:
        ids = [r.id for r in resources]
        files = store.files(ctx.conn, ids)
        tstamps = store.tstamps(ctx.conn, ids)
        result = {}
        for res in resources:
            tstamp = tstamps.get(res.id)
            doc: dict[str, Any] = {}
            if "data.read" in ctx.permissions(res):
                doc["files"] = [{"name": f.name, "size": f.size, "mime_type": f.mime_type}
                                for f in files.get(res.id, [])]
            doc["tstamp"] = tstamp.isoformat() if tstamp else None
            result[res.id] = doc
        return result

    def write(self, ctx: Context, resource: Resource, data: Any, *, creating: bool) -> None:
        if creating:
            store.create(ctx.conn, resource.id)
        if data is None:
            return
        if not isinstance(data, dict):
            raise ValidationError("Expected an object - at `$.file_bucket`.")
        if "files" in data and "archive" in data:
            raise ValidationError("'files' and 'archive' attributes should not pass together.")
        if "files" in data:
            ctx.require_attr(resource, "file_bucket", "files", "data.write")
            write_files(ctx.conn, resource.id, data["files"])
        elif "archive" in data:
            ctx.require_attr(resource, "file_bucket", "archive", "resource.update")
            write_archive(ctx.conn, resource.id, data["archive"], ctx.settings.upload_max_size)

    def delete(self, conn: Connection, resources: list[Resource]) -> None:
        """File rows go now, their files after the commit."""
        file_storage.delete(conn, store.remove(conn, [r.id for r in resources]))

    def volume(self, conn: Connection, resource: Resource) -> int:
        return store.total_size(conn, resource.id)
