from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import current_app, request
from flask_smorest import Blueprint

from .. import NGW_COMPAT_VERSION, __version__, db
from ..http import json_response
from ..routing import route
from ..security import Public
from . import store

bp = Blueprint("pyramid", __name__, description="System routes")
STARTED = datetime.now(UTC).replace(tzinfo=None).isoformat()
_ARG = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@route(bp, "/api/component/pyramid/pkg_version", methods=["GET"], name="pyramid.pkg_version",
       access=Public(), summary="Package versions (NGW 4.9.0 for GDAL, spec Decision 5)")
def pkg_version():
    return json_response({"nextgisweb": NGW_COMPAT_VERSION, "featuresvc": __version__})


def route_table() -> dict[str, list[str]]:
    """NGW route names to ``[template, *params]`` for every named route."""
    table: dict[str, list[str]] = {}
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions.get(rule.endpoint)
        name = getattr(view, "ngw_route_name", None)
        if not name or name in table:
            continue
        params = _ARG.findall(rule.rule)
        template = rule.rule
        for index, param in enumerate(params):
            template = re.sub(rf"<(?:[a-z]+:)?{param}>", f"{{{index}}}", template)
        table[name] = [template, *params]
    return dict(sorted(table.items()))


@route(bp, "/api/component/pyramid/route", methods=["GET"], name="pyramid.route",
       access=Public(), summary="Route table used by NGW JavaScript clients")
def routes():
    return json_response(route_table())


@route(bp, "/api/component/pyramid/ping", methods=["GET"], name="pyramid.ping",
       access=Public(), summary="Liveness")
def ping():
    return json_response({"current": datetime.now(UTC).replace(tzinfo=None).isoformat(),
                          "started": STARTED})


@route(bp, "/api/component/pyramid/healthcheck", methods=["GET"], name="pyramid.healthcheck",
       access=Public(), summary="Database health (503 when it fails)")
def healthcheck():
    try:
        store.postgis_version(db.connection())
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        current_app.logger.warning("healthcheck failed: %s", exc)
        return json_response({"success": False, "component": {"database": {
            "success": False, "message": "Database is not available."}}}, status=503)
    return json_response({"success": True, "component": {"database": {"success": True}}})


@route(bp, "/api/component/pyramid/settings", methods=["GET"], name="pyramid.settings",
       access=Public(), summary="Client settings of a component")
def settings():
    component = request.args.get("component", "")
    known = {"pyramid": {"support_url": None, "help_page": None},
             "resource": {"quota_limit": None}, "auth": {"alink": False, "oauth": None}}
    return json_response(known.get(component, {}))
