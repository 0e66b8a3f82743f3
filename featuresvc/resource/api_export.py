"""``GET /api/resource/{id}/export``: one route, dispatched by resource class.

NGW serves different exports on this path per class (feature layers: GPKG/CSV/…; file
buckets: a zip). Components add a handler for their class to the registry; the
handler gets the resource and must check its own permission (e.g. ``data.read``) with
:func:`featuresvc.resource.require.require`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response
from flask_smorest import Blueprint

from .. import db, registry, security
from ..errors import NotFound
from ..routing import route
from . import store
from .api_access import resolver
from .require import require
from .store import Resource

bp = Blueprint("resource_export", __name__, description="Resource exports")

ExportHandler = Callable[[Resource], Response]


@route(bp, "/api/resource/<int:id>/export", methods=["GET"], name="feature_layer.export",
       access=security.CheckedInView("'resource.read', then what the class's export needs "
                                     "('data.read' for file buckets and feature layers)."),
       summary="Export a resource (format depends on its class)")
def export(id: int):
    require(resolver(), id)
    res = store.get(db.connection(), id)
    handler = registry.current.exports.get(res.cls)
    if handler is None:
        raise NotFound(f"Resource id = {id} of class '{res.cls}' has no export.")
    return handler(res)
