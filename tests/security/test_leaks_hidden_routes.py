"""Every resource-scoped route, every method: a layer the caller cannot read answers exactly
like a resource id that does not exist (status and body, apart from the id and request id).

The routes come from the server's own OpenAPI document, so a new route is covered without
editing this file. Callers: an authenticated user without access, and an anonymous one.
"""

from __future__ import annotations

import re

import pytest

from ..feature_attachment.helpers import attach, new_feature
from ..feature_layer.helpers import make_layer
from ..principals import create_user
from ..util import make_group

BODIES = {"get": None, "delete": None, "post": {}, "put": {}, "patch": []}


def resource_routes(anon) -> list[tuple[str, str]]:
    spec = anon.ok("GET", "/api/openapi.json")
    return [(method, path) for path, ops in spec["paths"].items()
            if path.startswith("/api/resource/{id}") for method in ops if method in BODIES]


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x.txt"), path)


def comparable(resp, layer: int, missing: int) -> tuple[int, str]:
    try:
        body = resp.json()
    except ValueError:
        body = resp.text
    if isinstance(body, dict):
        body.pop("request_id", None)
    return resp.status_code, re.sub(rf"\b{layer}\b", str(missing), repr(body))


@pytest.fixture(scope="module")
def hidden(admin):
    group = make_group(admin, 0)
    layer = make_layer(admin, group, fields=[("s", "STRING")])
    fid = new_feature(admin, layer)
    aid = attach(admin, layer, fid)
    missing = make_group(admin, group)
    admin.ok("DELETE", f"/api/resource/{missing}")
    return {"layer": layer, "fid": fid, "aid": aid, "missing": missing}


@pytest.mark.parametrize("who", ["stranger", "anonymous"])
def test_hidden_layer_answers_as_missing(admin, anon, hidden, who):
    client = create_user(admin).client if who == "stranger" else anon
    routes = resource_routes(anon)
    assert ("get", "/api/resource/{id}/feature_count") in routes
    for method, path in routes:
        results = []
        for rid in (hidden["layer"], hidden["missing"]):
            url = fill(path, {"id": str(rid), "fid": str(hidden["fid"]),
                              "aid": str(hidden["aid"])})
            kwargs = {} if BODIES[method] is None else {"json": BODIES[method]}
            results.append(client.request(method.upper(), url, **kwargs))
        seen, missing = (comparable(r, hidden["layer"], hidden["missing"]) for r in results)
        assert seen == missing, (method, path)
        assert seen[0] == 404, (method, path, seen)
    # nothing was changed on the way
    assert admin.ok("GET", f"/api/resource/{hidden['layer']}/feature_count")["total_count"] == 1
    assert len(admin.ok("GET", f"/api/resource/{hidden['layer']}/feature/{hidden['fid']}"
                               "/attachment/")) == 1


def test_hidden_layer_named_in_query_or_body_answers_as_missing(admin, anon, hidden):
    """Routes that take the resource from a query parameter or the body."""
    stranger = create_user(admin).client
    meta = stranger.ok("POST", "/api/component/file_upload/",
                       files={"file": ("p.csv", b"s,lon,lat\na,1,2\n")})["upload_meta"][0]
    calls = [
        ("GET", "/api/component/feature_layer/mvt", {"params": {"z": 0, "x": 0, "y": 0,
                                                                "resource": "{id}"}}),
        ("GET", "/api/component/feature_layer/export", {"params": {"resources": "{id}",
                                                                   "format": "GeoJSON"}}),
        ("POST", "/api/component/feature_layer/export",
         {"json": {"resources": [{"id": "{id}"}], "format": "GeoJSON"}}),
        ("GET", "/api/resource/", {"params": {"parent": "{id}"}}),
        ("POST", "/api/component/vector_layer/import/",
         {"json": {"resource": {"id": "{id}"}, "source": meta}}),
        ("POST", "/api/resource/", {"json": {"resource": {
            "cls": "vector_layer", "parent": {"id": "{id}"}, "display_name": "x"},
            "vector_layer": {"srs": {"id": 3857}, "geometry_type": "POINT"}}}),
    ]

    def bind(value, rid):
        if value == "{id}":
            return rid if rid is not None else value
        if isinstance(value, dict):
            return {k: bind(v, rid) for k, v in value.items()}
        if isinstance(value, list):
            return [bind(v, rid) for v in value]
        return value

    for client in (stranger, anon):
        for method, path, kwargs in calls:
            answers = [comparable(client.request(method, path, **bind(kwargs, rid)),
                                  hidden["layer"], hidden["missing"])
                       for rid in (hidden["layer"], hidden["missing"])]
            assert answers[0] == answers[1], (method, path, answers)
