"""Import sessions: an upload (CSV, XLSX, GeoJSON, ...) mapped onto an existing layer.

1. ``POST`` creates a session: the columns found, a preview of the first rows and a
   proposed column -> field mapping (names matched case-insensitively) and geometry (the
   file's own, else a WKT column or x/y(/z) columns found by name, in WGS 84).
2. ``PUT`` sets the mapping; ``GET .../validation`` lists per-row issues (computed once per
   mapping and stored, then paged).
3. ``POST .../apply`` writes the valid rows through the one feature write path, all or
   nothing (any invalid row: 422, nothing written) or skipping invalid rows. Progress is
   committed on a separate connection while the request's transaction holds the rows, so
   another request sees it; a failed or interrupted apply can run again.

A session is its user's: anyone else gets 404. The caller also needs ``data.write`` on the
layer (checked first, as for the feature API). Sessions go when their upload expires.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine

from .. import db, security
from ..auth.identity import Identity
from ..errors import ValidationError
from ..feature_layer import layers, write
from ..feature_layer.loader import Rows, gc_paused
from ..feature_layer.model import Layer
from ..file_upload import get_finished
from ..resource import store as resource_store
from ..resource.api_access import resolver
from ..resource.require import require
from ..spatial_ref_sys import service as srs_service
from . import session_rows, store
from .columns import datatype_of
from .exceptions import SessionConflict, SessionNotFound
from .plan import WKT_NAMES, X_NAMES, Y_NAMES, Z_NAMES, GeometrySource
from .service import open_source, target_crs
from .session_rows import Mapping, RowChecker
from .source import Dataset, SourceLayer

PREVIEW_ROWS = 20
GEOMETRY_KINDS = ("source", "wkt", "xy")
MODES = ("all_or_nothing", "skip_invalid")
ID = re.compile(r"^[0-9a-f]{32}$")


# -- loading and presenting --------------------------------------------------------------------

def _writable_layer(conn: Connection, resource_id: int, *, lock: bool = False) -> Layer:
    require(resolver(), resource_id, "data.write")
    res = resource_store.get(conn, resource_id)
    if res is None or not layers.provides(res.cls, "IWritableFeatureLayer"):
        raise ValidationError(f"Resource id = {resource_id} is not a writable feature layer.")
    return layers.load(conn, resource_id, res.cls, lock=lock)


def _session(conn: Connection, ident: Identity, session_id: str, *,
             lock: bool = False) -> store.Session:
    """The caller's session. Another user's session answers exactly as a missing one (it is
    looked up by owner before anything else, so neither its layer's permissions nor its
    existence show); then the layer permission, as the feature API checks it."""
    session = store.get(conn, session_id, ident.id, lock=lock) if ID.match(session_id) \
        else None
    if session is None:
        raise SessionNotFound(f"Import session '{session_id}' was not found.")
    require(resolver(), session.resource_id, "data.write")
    return session


def dump(session: store.Session) -> dict[str, Any]:
    state, result = session.state, session.result
    if session.stale:
        state, result = "failed", {"error": "The apply was interrupted."}
    return {
        "id": session.id, "resource": {"id": session.resource_id},
        "source": {"upload": {"id": session.upload_id}, "layer": session.source_layer,
                   "geometry_type": session.preview.get("geometry_type"),
                   "srs": session.preview.get("srs")},
        "state": state,
        "progress": {"done": session.progress_done, "total": session.progress_total},
        "row_count": session.row_count, "columns": session.columns,
        "preview": session.preview.get("rows", []), "mapping": session.mapping,
        "validation": None if not session.validated else {
            "invalid_rows": session.invalid_rows,
            "valid_rows": (session.row_count or 0) - (session.invalid_rows or 0)},
        "result": result, "created": session.created.isoformat(),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else value


def _preview(dataset: Dataset, layer: SourceLayer) -> list[dict[str, Any]]:
    with dataset.batches(layer, geometry=False, batch_size=PREVIEW_ROWS) as (_meta, reader):
        for batch in reader:
            data = batch.to_pydict()
            return [{k: _jsonable(v[i]) for k, v in data.items()}
                    for i in range(min(batch.num_rows, PREVIEW_ROWS))]
    return []


@contextmanager
def _open(conn: Connection, upload: Any) -> Iterator[Dataset]:
    with open_source(conn, upload) as dataset:
        dataset.as_text()
        yield dataset


# -- mapping -----------------------------------------------------------------------------------

def _has_own_geometry(layer: SourceLayer) -> bool:
    return layer.geometry_type is not None and not layer.table_like


def propose(layer: Layer, src: SourceLayer) -> dict[str, Any]:
    """Columns matched to fields by keyname or display name, case-insensitively."""
    keys: dict[str, str] = {}
    for fld in layer.fields:
        keys.setdefault(fld.display_name.lower(), fld.keyname)
    for fld in layer.fields:
        keys[fld.keyname.lower()] = fld.keyname
    fields: dict[str, str] = {}
    for col in src.fields:
        keyname = keys.get(col.name.lower())
        if keyname is not None and keyname not in fields.values():
            fields[col.name] = keyname
    geometry: dict[str, Any] | None = None
    if layer.has_geometry:
        names = {c.name.lower(): c.name for c in src.fields}
        wkt = next((names[n] for n in WKT_NAMES if n in names), None)
        x = next((names[n] for n in X_NAMES if n in names), None)
        y = next((names[n] for n in Y_NAMES if n in names), None)
        if _has_own_geometry(src):
            geometry = {"kind": "source"}
        elif wkt:
            geometry = {"kind": "wkt", "column": wkt, "srs": {"id": 4326}}
        elif x and y:
            z = next((names[n] for n in Z_NAMES if n in names), None)
            geometry = {"kind": "xy", "x": x, "y": y, "z": z, "srs": {"id": 4326}}
        for col in (geometry or {}).values():
            if isinstance(col, str):
                fields.pop(col, None)
    return {"fields": fields, "geometry": geometry}


def _fail(message: str, *path: str | int) -> ValidationError:
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return ValidationError(f"{message} - at `$.mapping{loc}`.",
                           data={"location": ["body", "mapping", *path]})


def _check_geometry(conn: Connection, value: Any, layer: Layer, session: store.Session,
                    columns: set[str]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not layer.has_geometry:
        raise _fail("The layer has no geometry (geometry_type NONE); set null", "geometry")
    if not isinstance(value, dict) or value.get("kind") not in GEOMETRY_KINDS:
        raise _fail(f"Expected an object with 'kind' one of {', '.join(GEOMETRY_KINDS)}",
                    "geometry")
    kind = value["kind"]
    if kind == "source":
        if session.preview.get("geometry_type") is None:
            raise _fail("The file has no geometry of its own", "geometry", "kind")
        return {"kind": "source"}
    keys = ("column",) if kind == "wkt" else ("x", "y", "z")
    out: dict[str, Any] = {"kind": kind}
    for key in keys:
        col = value.get(key)
        if col is None and key == "z":
            out[key] = None
            continue
        if col not in columns:
            raise _fail(f"Unknown column {col!r}", "geometry", key)
        out[key] = col
    srs = value.get("srs") or {"id": 4326}
    srs_id = srs.get("id") if isinstance(srs, dict) else None
    out["srs"] = {"id": srs_service.require_srs(conn, srs_id,
                                                location="body.mapping.geometry.srs.id").id}
    return out


def validate_mapping(conn: Connection, layer: Layer, session: store.Session,
                     body: Any) -> dict[str, Any]:
    data = body.get("mapping", body) if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise ValidationError("Expected an object - at `$.mapping`.")
    columns = {c["name"] for c in session.columns}
    keynames = {f.keyname for f in layer.fields}
    fields = data.get("fields", session.mapping["fields"])
    if not isinstance(fields, dict):
        raise _fail("Expected an object {column: field keyname}", "fields")
    out: dict[str, str] = {}
    for col, keyname in fields.items():
        if col not in columns:
            raise _fail(f"Unknown column {col!r}", "fields", col)
        if keyname is None:
            continue
        if keyname not in keynames:
            raise _fail(f"Unknown field {keyname!r}", "fields", col)
        if keyname in out.values():
            raise _fail(f"Field {keyname!r} is mapped from several columns", "fields", col)
        out[col] = keyname
    geometry = _check_geometry(conn, data.get("geometry", session.mapping["geometry"]),
                               layer, session, columns) if "geometry" in data else \
        session.mapping["geometry"]
    return {"fields": out, "geometry": geometry}


def _mapping(conn: Connection, session: store.Session) -> Mapping:
    """The stored mapping, for the row checker."""
    spec = session.mapping.get("geometry")
    gsrc = None
    if spec is not None:
        crs = session.preview.get("srs") if spec["kind"] == "source" else \
            target_crs(conn, spec["srs"]["id"])
        if spec["kind"] == "source" and crs is None:
            raise ValidationError("The file's layer doesn't contain coordinate system "
                                  "information.")
        gsrc = GeometrySource(spec["kind"], crs=crs, column=spec.get("column"),
                              x=spec.get("x"), y=spec.get("y"), z=spec.get("z"))
    return Mapping(dict(session.mapping["fields"]), gsrc)


# -- the routes' work --------------------------------------------------------------------------

def create(conn: Connection, ident: Identity, body: Any) -> dict[str, Any]:
    security.require_authenticated()
    if not isinstance(body, dict):
        raise ValidationError("Expected an object - at `$`.")
    ref = body.get("resource")
    rid = ref.get("id") if isinstance(ref, dict) else None
    if not isinstance(rid, int) or isinstance(rid, bool):
        raise ValidationError("Missing required field - at `$.resource.id`.",
                              data={"location": ["body", "resource", "id"]})
    layer = _writable_layer(conn, rid)
    if body.get("source") is None:
        raise ValidationError("Missing required field - at `$.source`.",
                              data={"location": ["body", "source"]})
    upload = get_finished(conn, body["source"])  # another user's upload: unknown (422)
    wanted = body.get("source_layer")
    with _open(conn, upload.meta()) as dataset:
        src = dataset.pick_layer(wanted if isinstance(wanted, str) else None)
        src = dataset.layer(src.name, count=True)
        preview = {"rows": _preview(dataset, src), "driver": src.driver,
                   "geometry_type": src.geometry_type if _has_own_geometry(src) else None,
                   "srs": src.crs if _has_own_geometry(src) else None}
    session_id = uuid.uuid4().hex
    store.insert(conn, {
        "id": session_id, "owner_user_id": ident.id, "resource_id": rid,
        "upload_id": upload.id, "source_layer": src.name,
        "columns": [{"name": c.name, "type": datatype_of(c.ogr_type, c.ogr_subtype)}
                    for c in src.fields],
        "preview": preview,
        "row_count": src.feature_count if src.feature_count >= 0 else None,
        "mapping": propose(layer, src)})
    return dump(store.get(conn, session_id, ident.id))


def get(conn: Connection, ident: Identity, session_id: str) -> dict[str, Any]:
    return dump(_session(conn, ident, session_id))


def set_mapping(conn: Connection, ident: Identity, session_id: str, body: Any
                ) -> dict[str, Any]:
    session = _session(conn, ident, session_id, lock=True)
    _not_busy(session)
    layer = _writable_layer(conn, session.resource_id)
    store.set_mapping(conn, session.id, validate_mapping(conn, layer, session, body))
    return dump(store.get(conn, session.id, ident.id))


def delete(conn: Connection, ident: Identity, session_id: str) -> None:
    session = _session(conn, ident, session_id)
    if session.state == "running" and not session.stale:
        raise SessionConflict("The session is being applied.")
    store.delete(conn, session.id)


def _not_busy(session: store.Session) -> None:
    if session.state == "running" and not session.stale:
        raise SessionConflict("The session is being applied.")
    if session.state == "done":
        raise SessionConflict("The session was applied already.")


def validation(conn: Connection, ident: Identity, session_id: str, *, offset: int,
               limit: int) -> dict[str, Any]:
    session = _session(conn, ident, session_id, lock=True)
    if not session.validated:
        layer = _writable_layer(conn, session.resource_id)
        mapping = _mapping(conn, session)
        checker = RowChecker(layer, mapping, target_crs(conn, layer.srs_id))
        with _open(conn, {"id": session.upload_id}) as dataset:
            src = dataset.layer(session.source_layer)
            issues, invalid, rows = session_rows.check_all(conn, dataset, src, checker)
        store.save_issues(conn, session.id, issues, invalid, rows)
        session = store.get(conn, session.id, ident.id)
    total, page = store.issues(conn, session.id, offset, limit)
    return {"row_count": session.row_count, "invalid_rows": session.invalid_rows,
            "valid_rows": (session.row_count or 0) - (session.invalid_rows or 0),
            "issue_count": total, "offset": offset, "limit": limit, "issues": page}


def apply(conn: Connection, ident: Identity, session_id: str, body: Any, *,
          request_engine: Engine) -> dict[str, Any]:
    session = _session(conn, ident, session_id)
    mode = (body or {}).get("mode", "all_or_nothing") if isinstance(body, dict) else None
    if mode not in MODES:
        raise ValidationError(f"Unknown 'mode' value {mode!r}; expected one of "
                              f"{', '.join(MODES)} - at `$.mode`.")
    if session.state == "done":
        raise SessionConflict("The session was applied already.")
    layer = _writable_layer(conn, session.resource_id, lock=True)
    mapping = _mapping(conn, session)
    checker = RowChecker(layer, mapping, target_crs(conn, layer.srs_id))
    with request_engine.begin() as side:
        if not store.claim(side, session.id, session.row_count):
            raise SessionConflict("The session is being applied.")
    run = _Apply(request_engine, session, mode)
    db.after_rollback(run.failed)
    with _open(conn, {"id": session.upload_id}) as dataset:
        src = dataset.layer(session.source_layer)
        with gc_paused():
            created = write.bulk_create(conn, layer, run.rows(dataset, src, checker))
    result = {"mode": mode, "created": created, "skipped": run.invalid,
              "rows": run.done}
    store.finish(conn, session.id, "done", result, run.done)
    return {**result, "state": "done"}


class _Apply:
    """The rows of one apply, with progress committed on the side."""

    def __init__(self, engine: Engine, session: store.Session, mode: str):
        self.engine, self.session, self.mode = engine, session, mode
        self.invalid = self.done = 0
        self.issues: list[session_rows.Issue] = []
        self.error = "The apply failed."

    def rows(self, dataset: Dataset, src: SourceLayer, checker: RowChecker) -> Iterator[Rows]:
        for rows, issues, invalid, done in session_rows.batches(dataset, src, checker):
            self.invalid += invalid
            self.done = done
            if self.mode == "all_or_nothing" and issues:
                self.issues += issues[:10 - len(self.issues)]
            if not self.issues:
                yield rows
            with self.engine.begin() as side:
                store.progress(side, self.session.id, done)
        if self.issues:
            first = self.issues[0]
            self.error = (f"Nothing was written: {self.invalid} row(s) are invalid; row "
                          f"{first.row}: {first.reason}")
            raise ValidationError(self.error, data={"issues": [
                {"row": i.row, "column": i.column, "field": i.field, "reason": i.reason}
                for i in self.issues], "invalid_rows": self.invalid})

    def failed(self) -> None:
        with self.engine.begin() as side:
            store.finish(side, self.session.id, "failed",
                         {"mode": self.mode, "error": self.error, "rows": self.done})
