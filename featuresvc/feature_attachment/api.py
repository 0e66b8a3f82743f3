"""Attachment API (spec 4.2): ``/api/resource/{id}/feature/{fid}/attachment/…`` and the bulk
``/api/resource/{id}/feature_attachment/export|import``.

Reads need ``data.read``; every change, deletion included, needs ``data.write`` (spec
Decision 6). Views parse, call the service, answer; files are served by file_storage.api_send
(HTTP Range, ETag).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from flask_smorest import Blueprint

from .. import db, file_storage
from ..auth.api_identity import current_identity
from ..errors import ValidationError
from ..feature_layer.access import OnFeatureLayer, current_layer
from ..feature_layer.exceptions import FeatureNotFound
from ..file_storage.api_send import send
from ..http import json_body, json_response, query_bool, query_int
from ..routing import query_param, route
from . import bulk, service, store, thumbs
from .exceptions import AttachmentNotFound, BadItem
from .image import Rendered, RenderLimits

bp = Blueprint("feature_attachment", __name__, description="Feature attachments")

COLLECTION = "/api/resource/<int:id>/feature/<int:fid>/attachment/"
ITEM = "/api/resource/<int:id>/feature/<int:fid>/attachment/<int:aid>"
READ = OnFeatureLayer("data.read")
WRITE = OnFeatureLayer("data.write")


def _item_body() -> service.ItemSpec:
    body = json_body()
    try:
        return service.parse_item(body, with_id=False)
    except BadItem as exc:
        raise ValidationError(f"Request body: {exc}.", data={"location": ["body"]}) from None


@route(bp, COLLECTION, methods=["GET"], access=READ, name="feature_attachment.collection",
       summary="Attachments of a feature")
def collection_get(id: int, fid: int):
    conn = db.connection()
    layer = current_layer(id)
    if not store.feature_exists(conn, layer, fid):
        raise FeatureNotFound(id, fid)
    return json_response([a.to_json() for a in store.for_features(conn, id, [fid])])


@route(bp, COLLECTION, methods=["POST"], access=WRITE, name="feature_attachment.collection",
       summary='Attach a finished upload: {"file_upload": meta, "name"?, "keyname"?, '
               '"mime_type"?, "description"?}')
def collection_post(id: int, fid: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    return json_response({"id": service.create(conn, layer, fid, _item_body())})


@route(bp, ITEM, methods=["GET"], access=READ, name="feature_attachment.item",
       summary="One attachment")
def item_get(id: int, fid: int, aid: int):
    conn = db.connection()
    return json_response(service.require(conn, current_layer(id), fid, aid).to_json())


@route(bp, ITEM, methods=["PUT"], access=WRITE, name="feature_attachment.item",
       summary="Change name, keyname, description, mime_type, or the file (file_upload)")
def item_put(id: int, fid: int, aid: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    spec = _item_body()
    service.update(conn, layer, service.require(conn, layer, fid, aid, lock=True), spec)
    return json_response({"id": aid})


@route(bp, ITEM, methods=["DELETE"], access=WRITE, name="feature_attachment.item",
       summary="Delete an attachment (needs data.write)")
def item_delete(id: int, fid: int, aid: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    service.delete(conn, layer, service.require(conn, layer, fid, aid, lock=True))
    return json_response(None)


def _disposition(resp: Response, name: str | None) -> Response:
    """NGW's ``filename*=utf-8''…`` (RFC 6266), after an ASCII ``filename`` for clients that
    only read that one (``curl -OJ`` does)."""
    if name:
        fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name)
        resp.headers["Content-Disposition"] = (
            f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(name)}")
    return resp


@route(bp, ITEM + "/download", methods=["GET"], access=READ,
       name="feature_attachment.download",
       summary="The file, with its name in Content-Disposition (HTTP Range supported)",
       params=[query_param("fileobj", "integer", "The attachment's current file only")])
def download(id: int, fid: int, aid: int):
    conn = db.connection()
    att = service.require(conn, current_layer(id), fid, aid)
    fileobj = query_int("fileobj")
    ref = file_storage.get(conn, att.fileobj_id)
    if ref is None or fileobj not in (None, att.fileobj_id):
        # No versioning here: only the current file exists.
        raise AttachmentNotFound(id, fid, aid)
    return _disposition(send(ref, mime_type=att.mime_type), att.name)


@route(bp, ITEM + "/image", methods=["GET"], access=READ, name="feature_attachment.image",
       summary="EXIF-rotated thumbnail (size=WxH, crop=true fills the box exactly); the "
               "original image without size; 422 if the attachment is not an image",
       params=[query_param("size", "string", "WxH"), query_param("crop", "boolean")])
def image(id: int, fid: int, aid: int):
    conn = db.connection()
    att = service.require(conn, current_layer(id), fid, aid)
    size = thumbs.parse_size(request.args.get("size"))
    crop = query_bool("crop", False)
    if size is None:
        thumbs.require_image(att)
        return send(thumbs.source(conn, att), mime_type=att.mime_type)
    settings = current_app.config["FEATURESVC"]
    # Anonymous reads never write: they reuse stored thumbnails but do not add any.
    found = thumbs.thumbnail(conn, att, size[0], size[1], crop, RenderLimits(
        settings.max_image_pixels, settings.thumbnail_concurrency),
        keep=not current_identity().is_guest)
    if isinstance(found, Rendered):
        return Response(found.data, mimetype=found.mime_type)
    return send(found)


# -- bulk --------------------------------------------------------------------------------------

@route(bp, "/api/resource/<int:id>/feature_attachment/export", methods=["GET"], access=READ,
       name="feature_attachment.export",
       summary="Every attachment of the layer as a zip: {fid:010d}/{name} + metadata.json")
def export(id: int):
    current_layer(id)
    return Response(bulk.export_stream(db.connection(), id), mimetype="application/zip",
                    headers={"Content-Disposition":
                             f'attachment; filename="{id}.attachments.zip"'})


@route(bp, "/api/resource/<int:id>/feature_attachment/import", methods=["PUT"], access=WRITE,
       name="feature_attachment.import",
       summary='Import a zip (as exported): {"source": upload meta, "replace": false} -> '
               '{"imported", "skipped"}')
def import_(id: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    body: Any = json_body()
    if not isinstance(body, dict) or body.get("source") is None:
        raise ValidationError("Missing required field - at `$.source`.",
                              data={"location": ["body", "source"]})
    replace = body.get("replace", False) is True
    return json_response(bulk.import_zip(conn, layer, body["source"], replace=replace,
                                         settings=current_app.config["FEATURESVC"]))
