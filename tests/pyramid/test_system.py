"""System routes (spec section 11): versions, the route table, liveness, docs."""

from __future__ import annotations

import re
from datetime import datetime

from featuresvc import __version__
from featuresvc.app import DOCS_BLUEPRINT, create_app

# Route names, templates and parameters NGW publishes (spec section 11) that exist here.
NGW_ROUTES = {
    "resource.item": ["/api/resource/{0}", "id"],
    "resource.collection": ["/api/resource/"],
    "resource.search": ["/api/resource/search/"],
    "resource.permission": ["/api/resource/{0}/permission", "id"],
    "auth.current_user": ["/api/component/auth/current_user"],
    "pyramid.route": ["/api/component/pyramid/route"],
    "pyramid.pkg_version": ["/api/component/pyramid/pkg_version"],
    "pyramid.settings": ["/api/component/pyramid/settings"],
}


def test_pkg_version(anon):
    resp = anon.get("/api/component/pyramid/pkg_version")
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json() == {"nextgisweb": "4.9.0", "featuresvc": __version__}


def test_route_table_shape(anon):
    table = anon.ok("GET", "/api/component/pyramid/route?client=mobile")
    for name, expected in NGW_ROUTES.items():
        assert table[name] == expected, name
    for name, (template, *params) in table.items():
        assert template.startswith("/api/"), name
        placeholders = re.findall(r"\{(\d+)\}", template)
        assert placeholders == [str(i) for i in range(len(params))], (name, template, params)
        assert "<" not in template, name


def test_ping_and_healthcheck(anon):
    ping = anon.ok("GET", "/api/component/pyramid/ping")
    assert set(ping) == {"current", "started"}
    assert datetime.fromisoformat(ping["started"]) <= datetime.fromisoformat(ping["current"])
    health = anon.ok("GET", "/api/component/pyramid/healthcheck")
    assert health == {"success": True, "component": {"database": {"success": True}}}


def test_settings(anon):
    assert anon.ok("GET", "/api/component/pyramid/settings?component=resource") == {
        "quota_limit": None}
    assert anon.ok("GET", "/api/component/pyramid/settings?component=nope") == {}


def test_openapi_lists_every_route(anon, server):
    spec = anon.ok("GET", "/api/openapi.json")
    app = create_app(config={"database_url": server.database_url})
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(DOCS_BLUEPRINT + "."):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path].get(method.lower())
            assert operation is not None, f"{method} {path}"
            assert operation["description"].startswith("Access: "), f"{method} {path}"


def test_docs_page(anon):
    resp = anon.get("/api/docs")
    assert resp.status_code == 200
    assert "swagger" in resp.text.lower()
