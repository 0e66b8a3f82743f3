"""All SQL of the feature_attachment component (tables ``feature_attachment`` and
``feature_attachment_thumbnail``).

Batches are set-based: reads take a list of feature ids (one query per page of features),
inserts and updates go through ``unnest`` of arrays, deletes through ``= ANY``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from ..errors import ValidationError
from ..feature_layer.model import Layer

IMAGE_TYPES = ("image/jpeg", "image/png")
KEYNAME_CONSTRAINT = "feature_attachment_keyname_key"


@dataclass(frozen=True)
class Attachment:
    id: int
    resource_id: int
    feature_id: int
    fileobj_id: int
    name: str | None
    keyname: str | None
    mime_type: str
    description: str | None
    size: int
    file_meta: dict | None

    @property
    def is_image(self) -> bool:
        return self.mime_type in IMAGE_TYPES

    def to_json(self) -> dict[str, Any]:
        """NGW's Attachment object (spec 4.2)."""
        return {"id": self.id, "name": self.name, "keyname": self.keyname, "size": self.size,
                "mime_type": self.mime_type, "description": self.description,
                "is_image": self.is_image, "file_meta": self.file_meta}


_COLUMNS = ("id, resource_id, feature_id, fileobj_id, name, keyname, mime_type, description, "
            "size, file_meta")


def _rows(result: Iterable[Any]) -> list[Attachment]:
    return [Attachment(*row) for row in result]


def fid_condition(fids: list[int]) -> tuple[str, dict[str, Any]]:
    """``feature_id`` among ``fids``: a range when they (nearly) fill one, as the pages of a
    read in id order do (binding thousands of ids costs more than the query itself), else
    ``= ANY``. A range may match a few more features; callers keep only those they asked for.
    Also used by feature_description."""
    lo, hi = min(fids), max(fids)
    if hi - lo < 2 * len(fids):
        return "feature_id BETWEEN :lo AND :hi", {"lo": lo, "hi": hi}
    return "feature_id = ANY(:fids)", {"fids": fids}


def for_features(conn: Connection, resource_id: int, fids: list[int]) -> list[Attachment]:
    """Attachments of these features, by feature then id (one query for a whole page)."""
    if not fids:
        return []
    cond, params = fid_condition(fids)
    rows = _rows(conn.execute(text(
        f"SELECT {_COLUMNS} FROM feature_attachment WHERE resource_id = :rid AND {cond} "
        "ORDER BY feature_id, id"), {"rid": resource_id, **params}))
    if "lo" not in params:
        return rows
    wanted = set(fids)
    return [r for r in rows if r.feature_id in wanted]


def get(conn: Connection, resource_id: int, fid: int, aid: int, *,
        lock: bool = False) -> Attachment | None:
    sql = (f"SELECT {_COLUMNS} FROM feature_attachment WHERE resource_id = :rid "
           "AND feature_id = :fid AND id = :aid")
    rows = _rows(conn.execute(text(sql + (" FOR UPDATE" if lock else "")),
                              {"rid": resource_id, "fid": fid, "aid": aid}))
    return rows[0] if rows else None


def of_layer(conn: Connection, resource_id: int) -> list[Attachment]:
    """Every attachment of a layer, by feature then id (for the zip export)."""
    return _rows(conn.execute(text(
        f"SELECT {_COLUMNS} FROM feature_attachment WHERE resource_id = :rid "
        "ORDER BY feature_id, id"), {"rid": resource_id}))


def fingerprints(conn: Connection, resource_id: int, fids: list[int]
                 ) -> dict[tuple[int, str | None, int], set[str]]:
    """sha256 of the files of these features' attachments by (feature id, keyname, size):
    what the import compares to skip files it already has."""
    rows = conn.execute(text(
        "SELECT a.feature_id, a.keyname, a.size, o.sha256 FROM feature_attachment a "
        "JOIN fileobj o ON o.id = a.fileobj_id "
        "WHERE a.resource_id = :rid AND a.feature_id = ANY(:fids)"),
        {"rid": resource_id, "fids": fids})
    result: dict[tuple[int, str | None, int], set[str]] = {}
    for fid, keyname, size, sha256 in rows:
        result.setdefault((fid, keyname, size), set()).add(sha256)
    return result


def _keyname_conflict(exc: IntegrityError) -> ValidationError | None:
    diag = getattr(exc.orig, "diag", None)
    if getattr(diag, "constraint_name", None) != KEYNAME_CONSTRAINT:
        return None
    detail = getattr(diag, "message_detail", None) or ""
    return ValidationError("Attachment keyname is not unique within the layer"
                           + (f" ({detail.rstrip('.')})." if detail else "."),
                           title="Attachment keyname not unique")


def _guarded(conn: Connection, stmt: Any, params: Any) -> Any:
    """Run a write; a keyname clash (a unique violation) becomes a 422."""
    try:
        return conn.execute(stmt, params)
    except IntegrityError as exc:
        error = _keyname_conflict(exc)
        if error is None:
            raise
        raise error from None


@dataclass
class NewAttachment:
    feature_id: int
    fileobj_id: int
    name: str | None
    keyname: str | None
    mime_type: str
    description: str | None
    size: int
    file_meta: dict | None


def insert_many(conn: Connection, resource_id: int, items: list[NewAttachment]) -> list[int]:
    """Insert rows in one statement; returns their ids in the given order."""
    if not items:
        return []
    params = {"rid": resource_id, "fid": [i.feature_id for i in items],
              "fo": [i.fileobj_id for i in items], "name": [i.name for i in items],
              "kn": [i.keyname for i in items], "mime": [i.mime_type for i in items],
              "descr": [i.description for i in items], "size": [i.size for i in items],
              "meta": [None if i.file_meta is None else orjson.dumps(i.file_meta).decode()
                       for i in items]}
    stmt = text(
        "INSERT INTO feature_attachment (resource_id, feature_id, fileobj_id, name, keyname, "
        "mime_type, description, size, file_meta) "
        "SELECT :rid, u.fid, u.fo, u.name, u.kn, u.mime, u.descr, u.size, u.meta::jsonb "
        "FROM unnest(CAST(:fid AS integer[]), CAST(:fo AS bigint[]), CAST(:name AS text[]), "
        "CAST(:kn AS text[]), CAST(:mime AS text[]), CAST(:descr AS text[]), "
        "CAST(:size AS bigint[]), CAST(:meta AS text[])) WITH ORDINALITY "
        "AS u(fid, fo, name, kn, mime, descr, size, meta, n) ORDER BY u.n RETURNING id")
    return [r[0] for r in _guarded(conn, stmt, params)]


def update_many(conn: Connection, resource_id: int, rows: list[Attachment]) -> None:
    """Write the full state of existing rows in one statement (keynames may swap)."""
    if not rows:
        return
    params = {"rid": resource_id, "id": [r.id for r in rows],
              "fo": [r.fileobj_id for r in rows], "name": [r.name for r in rows],
              "kn": [r.keyname for r in rows], "mime": [r.mime_type for r in rows],
              "descr": [r.description for r in rows], "size": [r.size for r in rows],
              "meta": [None if r.file_meta is None else orjson.dumps(r.file_meta).decode()
                       for r in rows]}
    _guarded(conn, text(
        "UPDATE feature_attachment a SET fileobj_id = u.fo, name = u.name, keyname = u.kn, "
        "mime_type = u.mime, description = u.descr, size = u.size, file_meta = u.meta::jsonb "
        "FROM unnest(CAST(:id AS bigint[]), CAST(:fo AS bigint[]), CAST(:name AS text[]), "
        "CAST(:kn AS text[]), CAST(:mime AS text[]), CAST(:descr AS text[]), "
        "CAST(:size AS bigint[]), CAST(:meta AS text[])) "
        "AS u(id, fo, name, kn, mime, descr, size, meta) "
        "WHERE a.resource_id = :rid AND a.id = u.id"), params)


def delete_ids(conn: Connection, resource_id: int, ids: list[int]) -> list[int]:
    """Delete attachments by id; returns the fileobj ids they held."""
    if not ids:
        return []
    rows = conn.execute(text(
        "DELETE FROM feature_attachment WHERE resource_id = :rid AND id = ANY(:ids) "
        "RETURNING fileobj_id"), {"rid": resource_id, "ids": ids})
    return [r[0] for r in rows]


def delete_features(conn: Connection, resource_id: int, fids: list[int] | None
                    ) -> list[int]:
    """Delete the attachments of these features (``None``: of every feature)."""
    sql = "DELETE FROM feature_attachment WHERE resource_id = :rid"
    params: dict[str, Any] = {"rid": resource_id}
    if fids is not None:
        sql += " AND feature_id = ANY(:fids)"
        params["fids"] = fids
    return [r[0] for r in conn.execute(text(sql + " RETURNING fileobj_id"), params)]


def delete_layers(conn: Connection, resource_ids: list[int]) -> list[int]:
    rows = conn.execute(text("DELETE FROM feature_attachment WHERE resource_id = ANY(:ids) "
                             "RETURNING fileobj_id"), {"ids": resource_ids})
    return [r[0] for r in rows]


def feature_exists(conn: Connection, layer: Layer, fid: int) -> bool:
    return conn.execute(sa.select(layer.id_column).where(layer.id_column == fid)
                        ).first() is not None


def lock_feature(conn: Connection, layer: Layer, fid: int) -> bool:
    """Whether the feature exists; if so it stays key-share locked until the commit, so a
    concurrent delete of the feature waits and then also removes what we attach."""
    stmt = (sa.select(layer.id_column).where(layer.id_column == fid)
            .with_for_update(read=True, key_share=True))
    return conn.execute(stmt).first() is not None


def existing_features(conn: Connection, layer: Layer, fids: list[int]) -> set[int]:
    """Which of these feature ids exist (key-share locked, as :func:`lock_feature`)."""
    if not fids:
        return set()
    stmt = (sa.select(layer.id_column).where(layer.id_column.in_(fids))
            .with_for_update(read=True, key_share=True))
    return {r[0] for r in conn.execute(stmt)}


# -- thumbnails --------------------------------------------------------------------------------

def thumbnail(conn: Connection, fileobj_id: int, width: int, height: int, crop: bool
              ) -> int | None:
    return conn.execute(text(
        "SELECT thumb_fileobj_id FROM feature_attachment_thumbnail WHERE fileobj_id = :fo "
        "AND width = :w AND height = :h AND crop = :crop"),
        {"fo": fileobj_id, "w": width, "h": height, "crop": crop}).scalar()


def add_thumbnail(conn: Connection, fileobj_id: int, width: int, height: int, crop: bool,
                  thumb_id: int) -> bool:
    """Record a rendered thumbnail; False if it could not be kept (a parallel request
    stored the same one first, or the source was deleted meanwhile)."""
    try:
        with conn.begin_nested():
            row = conn.execute(text(
                "INSERT INTO feature_attachment_thumbnail "
                "(fileobj_id, width, height, crop, thumb_fileobj_id) "
                "VALUES (:fo, :w, :h, :crop, :t) ON CONFLICT DO NOTHING RETURNING 1"),
                {"fo": fileobj_id, "w": width, "h": height, "crop": crop, "t": thumb_id}
            ).first()
    except IntegrityError:
        return False
    return row is not None


def delete_thumbnails(conn: Connection, fileobj_ids: list[int]) -> list[int]:
    """Forget the thumbnails of these source files; returns the thumbnails' fileobj ids."""
    if not fileobj_ids:
        return []
    rows = conn.execute(text(
        "DELETE FROM feature_attachment_thumbnail WHERE fileobj_id = ANY(:ids) "
        "RETURNING thumb_fileobj_id"), {"ids": fileobj_ids})
    return [r[0] for r in rows]


def total_size(conn: Connection, resource_id: int) -> int:
    return conn.execute(text(
        "SELECT coalesce(sum(size), 0)::bigint FROM feature_attachment "
        "WHERE resource_id = :rid"), {"rid": resource_id}).scalar_one()
