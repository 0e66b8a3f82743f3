"""Bulk export / import of a layer's descriptions (NGW ``feature_description/export|import``);
the zip formats are :mod:`.service`'s."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask_smorest import Blueprint

from .. import db
from ..errors import ValidationError
from ..feature_attachment.zipstream import zip_stream
from ..feature_layer.access import OnFeatureLayer, current_layer
from ..http import json_body, json_response
from ..routing import route
from . import service

bp = Blueprint("feature_description", __name__, description="Feature descriptions")


@route(bp, "/api/resource/<int:id>/feature_description/export", methods=["GET"],
       access=OnFeatureLayer("data.read"), name="feature_description.export",
       summary="Every description of the layer as a zip of {fid:010d}.html files")
def export(id: int):
    current_layer(id)
    conn = db.engine().connect()  # outlives the request's transaction while streaming
    resp = Response(stream_with_context(zip_stream(service.documents(conn, id))),
                    mimetype="application/zip", headers={
                        "Content-Disposition": f'attachment; filename="{id}.descriptions.zip"'})
    resp.call_on_close(conn.close)  # also when the client goes before the first chunk
    return resp


@route(bp, "/api/resource/<int:id>/feature_description/import", methods=["PUT"],
       access=OnFeatureLayer("data.write"), name="feature_description.import",
       summary='Import a zip of {fid}.html files: {"source": upload meta, "replace": false} '
               '-> {"imported", "skipped"}')
def import_(id: int):
    conn = db.connection()
    layer = current_layer(id, write=True)
    body = json_body()
    if not isinstance(body, dict) or body.get("source") is None:
        raise ValidationError("Missing required field - at `$.source`.",
                              data={"location": ["body", "source"]})
    return json_response(service.import_zip(conn, layer, body["source"],
                                            replace=body.get("replace", False) is True))
