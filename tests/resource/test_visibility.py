"""A resource the caller cannot read never shows (spec Decision 1): not in listings, search,
the ``children`` flag, bulk-delete summaries or error messages, and its 404 is a missing id's."""

from __future__ import annotations

import pytest

from ..principals import allow, deny, error, set_acl, without_request_id
from ..util import make_group, unique


@pytest.fixture
def world(admin, group, user):
    """P (the reader may read and create in it) holding H, which the reader cannot see."""
    reader = user
    set_acl(admin, group, allow(reader.id, "resource.read", propagate=False))
    p = make_group(admin, group, permissions=allow(
        reader.id, "resource.read", "resource.create", "resource.update",
        "resource.manage_children", "resource.delete"))
    h_name = unique("hidden")
    h = make_group(admin, p, display_name=h_name, keyname=unique("hk"),
                   permissions=deny(reader.id, "resource.read"))
    make_group(admin, h)
    missing = make_group(admin, group)
    admin.ok("DELETE", f"/api/resource/{missing}")
    return {"reader": reader.client, "P": p, "H": h, "h_name": h_name, "missing": missing}


def test_listing_and_children_flag(admin, world):
    reader, p, h = world["reader"], world["P"], world["H"]
    assert reader.ok("GET", f"/api/resource/?parent={p}") == []
    assert reader.ok("GET", f"/api/resource/{p}")["resource"]["children"] is False
    assert admin.ok("GET", f"/api/resource/{p}")["resource"]["children"] is True
    visible = make_group(admin, p)
    listed = reader.ok("GET", f"/api/resource/?parent={p}")
    assert [d["resource"]["id"] for d in listed] == [visible]
    assert reader.ok("GET", f"/api/resource/{p}")["resource"]["children"] is True
    assert h in [d["resource"]["id"] for d in admin.ok("GET", f"/api/resource/?parent={p}")]


@pytest.mark.parametrize("params", [
    {"parent": "{P}"}, {"root": "{P}"}, {"id": "{H}"}, {"display_name": "{h_name}"},
    {"root": "{P}", "serialization": "full"}, {"keyname__ilike": "hk%", "root": "{P}"},
])
def test_search(admin, world, params):
    params = {k: v.format(**world) for k, v in params.items()}
    bare = world["reader"].ok("GET", "/api/resource/search/", params=params)
    assert world["H"] not in [d["resource"]["id"] for d in bare]
    page = world["reader"].ok("GET", "/api/resource/search/", params={**params, "limit": 100})
    assert page["total_count"] == len(bare) == len(page["items"])
    assert world["H"] not in [d["resource"]["id"] for d in page["items"]]
    full = admin.ok("GET", "/api/resource/search/", params={**params, "limit": 100})
    assert full["total_count"] > page["total_count"]  # the admin does see H


def test_delete_summary(world):
    reader, h, missing = world["reader"], world["H"], world["missing"]
    assert reader.ok("GET", f"/api/resource/delete?resources={h}") == \
        reader.ok("GET", f"/api/resource/delete?resources={missing}") == {
            "affected": {"count": 0, "resources": {}},
            "unaffected": {"count": 1, "resources": {"resource": 1}}}
    # P is readable but holds H: one group is unaffected, nothing of H is counted.
    assert reader.ok("GET", f"/api/resource/delete?resources={world['P']}") == {
        "affected": {"count": 0, "resources": {}},
        "unaffected": {"count": 1, "resources": {"resource_group": 1}}}


ROUTES = [
    ("GET", "/api/resource/{id}", None), ("GET", "/api/resource/{id}/permission", None),
    ("GET", "/api/resource/{id}/permission/explain", None),
    ("GET", "/api/resource/{id}/volume", None), ("GET", "/api/resource/?parent={id}", None),
    ("PUT", "/api/resource/{id}", {"resource": {"display_name": "x"}}),
    ("PUT", "/api/resource/{id}", {}),
    ("DELETE", "/api/resource/{id}", None), ("POST", "/api/resource/delete?resources={id}", None),
    ("POST", "/api/resource/", {"resource": {"cls": "resource_group", "parent": {"id": "{id}"},
                                             "display_name": "x"}}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_not_found_is_identical(world, method, path, body):
    def call(rid):
        payload = body
        if body and "resource" in body and "parent" in body["resource"]:
            payload = {"resource": {**body["resource"], "parent": {"id": rid}}}
        resp = world["reader"].request(method, path.format(id=rid), json=payload)
        return error(resp, 404, "ResourceNotFound")

    hidden, missing = call(world["H"]), call(world["missing"])
    shown = str(without_request_id(hidden)).replace(str(world["H"]), str(world["missing"]))
    assert shown == str(without_request_id(missing))


def test_move_into_hidden_parent_is_not_found(admin, world):
    rid = make_group(admin, world["P"])
    body = {"resource": {"parent": {"id": world["H"]}}}
    hidden = error(world["reader"].put(f"/api/resource/{rid}", json=body), 404,
                   "ResourceNotFound")
    assert hidden["data"] == {"resource_id": world["H"]}


def test_name_conflict_with_hidden_sibling(admin, world):
    reader, p, h, name = world["reader"], world["P"], world["H"], world["h_name"]
    body = {"resource": {"cls": "resource_group", "parent": {"id": p}, "display_name": name}}
    conflict = error(reader.post("/api/resource/", json=body), 422, "DisplayNameNotUnique")
    assert conflict["data"] == {"resource_id": None}
    assert str(h) not in conflict["message"]
    # The administrator sees which resource holds the name.
    assert error(admin.post("/api/resource/", json=body), 422)["data"] == {"resource_id": h}
    # Renaming a sibling and moving a resource into P meet the same hidden name.
    sibling = make_group(admin, p)
    resp = reader.put(f"/api/resource/{sibling}", json={"resource": {"display_name": name}})
    assert error(resp, 422, "DisplayNameNotUnique")["data"] == {"resource_id": None}
    elsewhere = make_group(admin, sibling, display_name=name)
    resp = reader.put(f"/api/resource/{elsewhere}", json={"resource": {"parent": {"id": p}}})
    body = error(resp, 422, "DisplayNameNotUnique")
    assert body["data"] == {"resource_id": None} and str(h) not in body["message"]


def test_keyname_conflict_with_hidden_resource(admin, world):
    keyname = admin.ok("GET", f"/api/resource/{world['H']}")["resource"]["keyname"]
    resp = world["reader"].post("/api/resource/", json={"resource": {
        "cls": "resource_group", "parent": {"id": world["P"]}, "display_name": unique(),
        "keyname": keyname}})
    body = error(resp, 422)
    assert str(world["H"]) not in body["message"] and body["data"] == {}
