"""Routes of the import component: ``vector_layer/inspect`` (spec 2.2) and import sessions
(``vector_layer/import/``, the data-importer pattern; see :mod:`.sessions`)."""

from __future__ import annotations

from flask_smorest import Blueprint

from .. import db, security
from ..auth.api_identity import current_identity
from ..errors import ValidationError
from ..http import json_body, json_response, query_int
from ..routing import query_param, route
from ..security import Authenticated


# The import machinery (pyarrow.compute, GDAL) is loaded on first use, not at worker start:
# it would add ~60 MB to every worker's baseline memory.
def _service():
    from . import service

    return service


def _sessions():
    from . import sessions

    return sessions


bp = Blueprint("layer_import", __name__, description="Loading layers from GIS files")

BASE = "/api/component/vector_layer"
SESSIONS = BASE + "/import/"
SESSION = BASE + "/import/<id>"


def _upload_ref(body: object) -> object:
    if not isinstance(body, dict) or body.get("id") is None:
        raise ValidationError("Missing required field - at `$.id`.",
                              data={"location": ["body", "id"]})
    return body


@route(bp, BASE + "/inspect", methods=["POST"], name="vector_layer.inspect",
       access=Authenticated(), summary="Layers of an uploaded file: names (as NGW) and details")
def inspect():
    return json_response(_service().inspect(db.connection(), _upload_ref(json_body())))


# -- import sessions ---------------------------------------------------------------------------

@route(bp, SESSIONS, methods=["POST"], name="vector_layer.import.collection",
       access=security.CheckedInView("'data.write' on the layer named by 'resource'."),
       summary="Start an import session: an upload against an existing layer", status=201)
def session_create():
    body = json_body()
    session = _sessions().create(db.connection(), current_identity(), body)
    return json_response(session, status=201)


@route(bp, SESSION, methods=["GET"], name="vector_layer.import.item",
       access=Authenticated(), summary="Session state, progress, columns, preview, mapping")
def session_get(id: str):
    return json_response(_sessions().get(db.connection(), current_identity(), id))


@route(bp, SESSION, methods=["PUT"], name="vector_layer.import.item",
       access=Authenticated(), summary="Set the column -> field mapping and the geometry")
def session_put(id: str):
    return json_response(_sessions().set_mapping(db.connection(), current_identity(), id,
                                              json_body()))


@route(bp, SESSION, methods=["DELETE"], name="vector_layer.import.item",
       access=Authenticated(), summary="Drop the session")
def session_delete(id: str):
    _sessions().delete(db.connection(), current_identity(), id)
    return json_response({})


@route(bp, SESSION + "/validation", methods=["GET"], name="vector_layer.import.validation",
       access=Authenticated(), summary="Per-row validation result, paged",
       params=[query_param("offset", "integer"), query_param("limit", "integer")])
def session_validation(id: str):
    offset = query_int("offset", default=0, minimum=0)
    limit = min(query_int("limit", default=100, minimum=1), 10000)
    return json_response(_sessions().validation(db.connection(), current_identity(), id,
                                             offset=offset, limit=limit))


@route(bp, SESSION + "/apply", methods=["POST"], name="vector_layer.import.apply",
       access=Authenticated(), summary="Write the rows: all or nothing, or skipping invalid")
def session_apply(id: str):
    body = json_body(allow_empty=True, default={})
    return json_response(_sessions().apply(db.connection(), current_identity(), id, body,
                                        request_engine=db.engine()))
