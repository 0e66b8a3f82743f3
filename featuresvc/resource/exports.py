"""``GET /api/resource/{id}/export``: one route, dispatched by resource class.

NGW serves different exports on this path per class (feature layers: GPKG/CSV/…; file
buckets: a zip). Components register a handler for their class with :func:`register`; the
handler gets the resource and must check its own permission (e.g. ``data.read``) with
:func:`featuresvc.resource.require.require`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response
from flask_smorest import Blueprint

from .. import db, security
from ..errors import NotFound
from ..routing import route
from . import store
from .access import resolver
from .require import require
from .store import Resource

bp = Blueprint("resource_export", __name__, description="Resource exports")

ExportHandler = Callable[[Resource], Response]
_handlers: dict[str, ExportHandler] = {}


def register(cls_identity: str, handler: ExportHandler) -> None:
    _handlers[cls_identity] = handler


@route(bp, "/api/resource/<int:id>/export", methods=["GET"], name="feature_layer.export",
       access=security.CheckedInView("'resource.read', then what the class's export needs "
                                     "('data.read' for file buckets and feature layers)."),
       summary="Export a resource (format depends on its class)")
def export(id: int):
    require(resolver(), id)
    res = store.get(db.connection(), id)
    handler = _handlers.get(res.cls)
    if handler is None:
        raise NotFound(f"Resource id = {id} of class '{res.cls}' has no export.")
    return handler(res)
