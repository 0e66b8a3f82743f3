"""Export routes (spec 3.4): ``GET /api/resource/{id}/export`` for feature layers (a handler
of the shared route in :mod:`featuresvc.resource.api_export`) and the multi-layer
``GET|POST /api/component/feature_layer/export``.

The file is written to a private temporary directory while the view runs (inside the
request's transaction, so errors still get the error envelope), then streamed from disk:
the directory is removed as soon as the file is open, so nothing stays behind whatever
happens to the download.
"""

from __future__ import annotations

import os

from flask import Response, request
from flask_smorest import Blueprint
from werkzeug.datastructures import MultiDict
from werkzeug.wsgi import wrap_file

from .. import db, security
from ..errors import ValidationError
from ..feature_layer import layers
from ..feature_layer.access import listed_layer_node
from ..feature_layer.api import get_body
from ..http import json_body, query_dict, query_int_list
from ..resource import store as resource_store
from ..resource.api_access import resolver
from ..resource.require import require
from ..resource.store import Resource
from ..routing import query_param, route
from ..security import CheckedInView
from ..text import name_problem
from . import options as opts
from . import service
from .formats import FORMATS

bp = Blueprint("feature_export", __name__, description="Feature layer exports")

DATA_READ = "data.read"
ZIP_MIME = "application/zip"
EXPORT_PARAMS = [query_param(n, t, d) for n, t, d in (
    ("format", "string", ", ".join(FORMATS)), ("srs", "integer", "Output SRS"),
    ("zipped", "boolean", "Default true; multi-file formats are always zipped"),
    ("fid", "string", "Name of a column for the feature id"),
    ("fields", "string", "Comma-separated keynames (and their order)"),
    ("display_name", "boolean", "Field display names as column names"),
    ("encoding", "string", "Shapefile / MapInfo encoding (default UTF-8)"),
    ("intersects", "string", "WKT"), ("intersects_srs", "integer", "SRS of 'intersects'"),
    ("ilike", "string", ""), ("filter", "string", "JSON expression"))]


def send_file(path: str, mime: str, filename: str, directory: str) -> Response:
    """Stream ``path`` and remove ``directory`` right away (the open file stays readable)."""
    handle = open(path, "rb")  # noqa: SIM115 - closed by the response
    size = os.fstat(handle.fileno()).st_size
    service.remove(directory)
    resp = Response(wrap_file(request.environ, handle, 1 << 20), mimetype=mime,
                    direct_passthrough=True)
    resp.headers["Content-Type"] = mime
    resp.headers["Content-Length"] = str(size)
    resp.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return resp


def export_feature_layer(res: Resource) -> Response:
    require(resolver(), res.id, DATA_READ)
    conn = db.connection()
    layer = layers.load(conn, res.id, res.cls)
    options = opts.parse(conn, layer, request.args, get_body())
    fmt = options.format
    directory = service.workdir()
    try:
        basename = str(res.id)
        files = service.export_layer(conn, layer, options, directory, basename,
                                     res.display_name)
        filename = f"{basename}.{fmt.extension}"
        if options.zipped or not fmt.single_file:
            path = service.zip_files(files, os.path.join(directory, filename + ".zip"),
                                     directory)
            return send_file(path, ZIP_MIME, filename + ".zip", directory)
        return send_file(files[0], fmt.mime, filename, directory)
    except BaseException:
        service.remove(directory)
        raise


# -- several layers in one zip -------------------------------------------------------------------

def _body_args() -> tuple[MultiDict, list[tuple[int, str | None]]]:
    """The POST form: ``{"format", "resources": [{"id", "name"?}], other options...}``."""
    body = json_body()
    if not isinstance(body, dict):
        raise ValidationError("Request body must be a JSON object - at `$`.")
    items = body.get("resources")
    if not isinstance(items, list) or not items:
        raise ValidationError("Expected a non-empty array - at `$.resources`.")
    resources = []
    for index, item in enumerate(items):
        rid = item.get("id") if isinstance(item, dict) else None
        name = item.get("name") if isinstance(item, dict) else None
        if type(rid) is not int or not (name is None or isinstance(name, str)):
            raise ValidationError("Expected {\"id\": int, \"name\"?: str} - at "
                                  f"`$.resources[{index}]`.")
        resources.append((rid, name))
    args = MultiDict(request.args.items(multi=True))
    for key, value in body.items():
        if key == "resources" or value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        args[key] = str(value)
    return args, resources


def _query_args() -> tuple[MultiDict, list[tuple[int, str | None]]]:
    ids = query_int_list("resources")
    if not ids:
        raise ValidationError("Query parameter 'resources' is required (a list of ids).",
                              data={"location": ["query", "resources"]})
    names = query_dict("name")
    return MultiDict(request.args.items(multi=True)), [(i, names.get(str(i))) for i in ids]


def _check_name(name: str, taken: set[str]) -> str:
    problem = name_problem(name)
    if problem:
        raise ValidationError(f"File name parameter {problem}.")
    if not name or name in (".", "..") or os.path.basename(name) != name or "\\" in name:
        raise ValidationError(f"File name parameter '{name}' is not valid.")
    if name in taken:
        raise ValidationError(f"File name '{name}' is used for more than one layer.")
    taken.add(name)
    return name


@route(bp, "/api/component/feature_layer/export", methods=["GET", "POST"],
       name="feature_layer.export_multi",
       access=CheckedInView("'data.read' on every listed feature layer."),
       summary="Export several feature layers into one zip", params=EXPORT_PARAMS)
def export_multi():
    args, items = _body_args() if request.method == "POST" else _query_args()
    nodes = [listed_layer_node(rid) for rid, _ in dict.fromkeys(items)]
    security.mark_checked()
    conn = db.connection()
    common = opts.parse_common(conn, args)
    taken: set[str] = set()
    plans = []
    for (rid, name), node in zip(dict.fromkeys(items), nodes, strict=True):
        layer = layers.load(conn, rid, node.cls)
        plans.append((layer, _check_name(name or str(rid), taken),
                      opts.for_layer(conn, layer, common, args, strict_fields=False)))
    directory = service.workdir()
    try:
        root = os.path.join(directory, "layers")
        files: list[str] = []
        for layer, name, options in plans:
            sub = root if options.format.single_file else os.path.join(root, name)
            os.makedirs(sub, exist_ok=True)
            res = resource_store.get(conn, layer.resource_id)
            files += service.export_layer(conn, layer, options, sub, name,
                                          res.display_name if res else name)
        path = service.zip_files(files, os.path.join(directory, "layers.zip"), root)
        return send_file(path, ZIP_MIME, "layers.zip", directory)
    except BaseException:
        service.remove(directory)
        raise

