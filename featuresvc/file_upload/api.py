"""``/api/component/file_upload/`` (spec 4.1): multipart POST, raw PUT and tus 1.0.0
(creation, termination), plus the deprecated alias ``…/file_upload/upload``.

Who may upload: authenticated users (guests get 401, as in NGW without guest uploads). An
upload belongs to its creator: other users (administrators excepted) get 404 for its item
routes, and consumers (file buckets, attachments, layer sources, imports) treat it as an
unknown upload id (NGW accepts any id; an id that leaks must not hand over the file).
"""

from __future__ import annotations

import base64
import binascii

from flask import Response, request
from flask_smorest import Blueprint
from werkzeug.http import parse_options_header

from .. import db
from ..auth.api_identity import current_identity
from ..file_storage import FileTooLarge
from ..http import json_response
from ..routing import route
from ..security import Authenticated, Public
from . import api_multipart as multipart
from . import service, store
from .area import valid_id
from .exceptions import FileUploadNotCompleted, FileUploadNotFound, UploadRequestError
from .store import Upload

bp = Blueprint("file_upload", __name__, description="File uploads (multipart, raw, tus)")

BASE = "/api/component/file_upload"
TUS_VERSION = "1.0.0"
TUS_MIME = "application/offset+octet-stream"
_NAME_KEYS = ("name", "filename")
_MIME_KEYS = ("mime_type", "filetype", "content_type", "type")


def _tus_response(status: int, **headers: str | int) -> Response:
    resp = Response(status=status)
    del resp.headers["Content-Type"]  # no body
    resp.headers["Tus-Resumable"] = TUS_VERSION
    for key, value in headers.items():
        resp.headers[key.replace("_", "-").title()] = str(value)
    return resp


def _is_tus(*, require: bool = False) -> bool:
    """NGW: a request carries ``Tus-Resumable: 1.0.0``; another version gives 412."""
    value = request.headers.get("Tus-Resumable")
    if value is None and not require:
        return False
    if value != TUS_VERSION:
        raise UploadRequestError(f"Unsupported Tus-Resumable version {value!r}; "
                                 f"this server speaks {TUS_VERSION}.", status_code=412,
                                 title="Precondition failed",
                                 headers={"Tus-Version": TUS_VERSION})
    return True


def _int_header(name: str, *, required: bool = True) -> int | None:
    raw = request.headers.get(name)
    if raw is None and not required:
        return None
    try:
        value = int(raw or "")
    except ValueError:
        value = -1
    if value < 0:
        raise UploadRequestError(f"Header {name} must be a non-negative integer.")
    return value


def _tus_metadata() -> dict[str, str]:
    result: dict[str, str] = {}
    for item in (request.headers.get("Upload-Metadata") or "").split(","):
        key, _, encoded = item.strip().partition(" ")
        if not key:
            continue
        try:
            result[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise UploadRequestError(f"Upload-Metadata value of '{key}' is not base64 of "
                                     "UTF-8 text.") from None
    return result


def _first(meta: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((meta[k] for k in keys if meta.get(k)), None)


def _own_upload(upload_id: str) -> Upload:
    if not valid_id(upload_id):
        raise FileUploadNotFound(upload_id, status_code=404)
    upload = store.get(db.connection(), upload_id)
    ident = current_identity()
    if upload is None or (upload.owner_user_id != ident.id and not ident.is_administrator):
        raise FileUploadNotFound(upload_id, status_code=404)
    return upload


# -- collection ---------------------------------------------------------------------------------

@route(bp, BASE + "/", methods=["OPTIONS"], name="file_upload.collection", access=Public(),
       summary="tus capabilities (204 with Tus-* headers)")
def collection_options():
    return _tus_response(204, tus_version=TUS_VERSION, tus_extension="creation,termination",
                         tus_max_size=service.max_size())


def _post():
    if _is_tus():
        return _tus_create()
    if not multipart.is_multipart():
        raise UploadRequestError("Expected a multipart/form-data body or a tus creation "
                                 "request (Tus-Resumable header).")
    uploads = multipart.create_uploads(db.connection(), current_identity().id)
    return json_response({"upload_meta": [u.meta() for u in uploads]})


def _tus_create():
    if request.headers.get("Upload-Defer-Length"):
        raise UploadRequestError("Upload-Defer-Length is not supported; send Upload-Length.")
    length = _int_header("Upload-Length")
    meta = _tus_metadata()
    upload = service.tus_create(db.connection(), owner_user_id=current_identity().id,
                                length=length, name=_first(meta, _NAME_KEYS),
                                mime_type=_first(meta, _MIME_KEYS))
    return _tus_response(201, location=f"{request.url_root}{BASE[1:]}/{upload.id}")


def _put(default_name: str | None = None):
    length = request.content_length
    if length is not None and length > service.max_size():
        raise FileTooLarge(service.max_size())
    disposition = request.headers.get("Content-Disposition")
    name = parse_options_header(disposition)[1].get("filename") if disposition else None
    name = name or default_name
    upload = service.create_from_stream(
        db.connection(), request.stream, owner_user_id=current_identity().id, name=name,
        declared_mime=request.headers.get("Content-Type"))
    return json_response(upload.meta(), status=201)


@route(bp, BASE + "/", body_limit="upload",
       methods=["POST"], name="file_upload.collection", access=Authenticated(),
       summary="Multipart upload ({upload_meta:[…]}) or tus creation (201 + Location)")
def collection_post():
    return _post()


@route(bp, BASE + "/", body_limit="upload",
       methods=["PUT"], name="file_upload.collection", access=Authenticated(),
       summary="Raw body upload (201 meta); name from Content-Disposition")
def collection_put():
    return _put()


@route(bp, BASE + "/upload", body_limit="upload",
       methods=["POST"], name="file_upload.upload",
       access=Authenticated(), summary="Deprecated alias of the collection POST (Mobile, GDAL)")
def upload_post():
    return _post()


@route(bp, BASE + "/upload", body_limit="upload",
       methods=["PUT"], name="file_upload.upload",
       access=Authenticated(), summary="Deprecated alias of the collection PUT")
def upload_put():
    return _put()


# -- item ---------------------------------------------------------------------------------------

@route(bp, BASE + "/<id>", methods=["GET"], name="file_upload.item", access=Authenticated(),
       summary="Upload meta (422 while incomplete); HEAD gives the tus offset")
def item_get(id: str):
    upload = _own_upload(id)
    if request.method == "HEAD":
        _is_tus(require=True)
        offset = service.area().size(upload.id)
        if offset is None:
            raise FileUploadNotFound(upload.id, status_code=404)
        resp = _tus_response(200, upload_offset=offset, upload_length=upload.size)
        resp.headers["Cache-Control"] = "no-store"
        return resp
    if not upload.complete:
        raise FileUploadNotCompleted(upload.id)
    return json_response(upload.meta())


@route(bp, BASE + "/<id>", body_limit="upload",
       methods=["PUT"], name="file_upload.item", access=Authenticated(),
       summary="Raw body upload named by the last path segment (201 meta); this is what "
               "`curl -T photo.jpg …/file_upload/` sends (an extension, not in NGW)")
def item_put(id: str):
    return _put(default_name=id)


@route(bp, BASE + "/<id>", body_limit="upload",
       methods=["PATCH"], name="file_upload.item", access=Authenticated(),
       summary="tus: append a chunk at Upload-Offset (204 with the new offset)")
def item_patch(id: str):
    _is_tus()
    mimetype = parse_options_header(request.headers.get("Content-Type"))[0]
    if mimetype != TUS_MIME:
        raise UploadRequestError(f"Content-Type must be {TUS_MIME}.", status_code=415,
                                 title="Unsupported media type")
    offset = _int_header("Upload-Offset")
    upload = _own_upload(id)
    if upload.complete and offset == upload.size and not request.content_length:
        return _tus_response(204, upload_offset=offset)
    db.commit()  # hold no transaction while the body streams in (it may take hours)
    new_offset, sha256 = service.tus_append(upload, offset, request.stream,
                                            request.content_length)
    if sha256 is not None:
        service.tus_finish(db.connection(), upload, sha256)
    else:
        store.touch(db.connection(), upload.id)
    return _tus_response(204, upload_offset=new_offset)


@route(bp, BASE + "/<id>", methods=["DELETE"], name="file_upload.item", access=Authenticated(),
       summary="tus termination: discard the upload (204)")
def item_delete(id: str):
    upload = _own_upload(id)
    store.delete(db.connection(), upload.id)
    uploads = service.area()
    db.after_commit(lambda: uploads.remove(upload.id))
    return _tus_response(204)
