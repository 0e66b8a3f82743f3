"""lookup_table resources (spec section 6), with NGW's own sort cases."""

from __future__ import annotations

import pytest

from ..util import unique

ITEMS = {"z": "b", "a": "x", "l": "p", "k": "a"}


def create(client, parent, section, status=201, **extra):
    body = {"resource": {"cls": "lookup_table", "parent": {"id": parent},
                         "display_name": unique("lt")}, "lookup_table": section, **extra}
    return client.ok("POST", "/api/resource/", status, json=body)


def read(client, rid):
    return client.ok("GET", f"/api/resource/{rid}")["lookup_table"]


def test_mobile_create_and_read(admin, group):
    rid = create(admin, group, {"items": {"2": "two", "1": "one", "3": ""}},
                 resmeta={"items": {}})["id"]
    doc = admin.ok("GET", f"/api/resource/{rid}")
    assert doc["resource"]["cls"] == "lookup_table"
    assert doc["resource"]["scopes"] == ["resource"]
    assert doc["resmeta"] == {"items": {}}
    assert doc["lookup_table"] == {"sort": "KEY_ASC", "items": {"1": "one", "2": "two", "3": ""},
                                   "order": ["1", "2", "3"]}
    assert list(doc["lookup_table"]["items"]) == ["1", "2", "3"]


@pytest.mark.parametrize("data, expected", [
    ({"sort": "VALUE_ASC", "items": ITEMS}, [("k", "a"), ("z", "b"), ("l", "p"), ("a", "x")]),
    ({"sort": "KEY_DESC", "items": ITEMS}, [("z", "b"), ("l", "p"), ("k", "a"), ("a", "x")]),
    ({"sort": "CUSTOM", "items": ITEMS}, [("z", "b"), ("a", "x"), ("l", "p"), ("k", "a")]),
    ({"sort": "CUSTOM", "order": ["l", "a", "z", "k"]},
     [("l", "p"), ("a", "x"), ("z", "b"), ("k", "a")]),
    ({"sort": "VALUE_DESC"}, [("a", "x"), ("l", "p"), ("z", "b"), ("k", "a")]),
])
def test_sort_modes(admin, group, data, expected):
    rid = create(admin, group, {"items": ITEMS, "sort": "CUSTOM"})["id"]
    admin.ok("PUT", f"/api/resource/{rid}", json={"lookup_table": data})
    table = read(admin, rid)
    assert table["sort"] == data["sort"]
    assert list(table["items"].items()) == expected
    assert table["order"] == [k for k, _ in expected]


def test_changing_only_sort_resorts(admin, group):
    rid = create(admin, group, {"items": ITEMS})["id"]
    assert read(admin, rid)["order"] == ["a", "k", "l", "z"]
    admin.ok("PUT", f"/api/resource/{rid}", json={"lookup_table": {"sort": "KEY_DESC"}})
    assert read(admin, rid)["order"] == ["z", "l", "k", "a"]
    # An order alone changes nothing (NGW); items alone keep the current sort.
    admin.ok("PUT", f"/api/resource/{rid}", json={"lookup_table": {"order": ["a"]}})
    assert read(admin, rid)["order"] == ["z", "l", "k", "a"]
    admin.ok("PUT", f"/api/resource/{rid}", json={"lookup_table": {"items": {"m": "1",
                                                                             "b": "2"}}})
    assert read(admin, rid) == {"sort": "KEY_DESC", "items": {"m": "1", "b": "2"},
                                "order": ["m", "b"]}


@pytest.mark.parametrize("section", [
    {"items": {"a": 1}},
    {"items": {"a": None}},
    {"items": ["a"]},
    {"sort": "RANDOM"},
    {"sort": "CUSTOM", "items": {"a": "1", "b": "2"}, "order": ["a"]},
    {"sort": "CUSTOM", "items": {"a": "1"}, "order": "a"},
    "nope",
])
def test_bad_input_is_422(admin, group, section):
    resp = admin.post("/api/resource/", json={
        "resource": {"cls": "lookup_table", "parent": {"id": group}, "display_name": "x"},
        "lookup_table": section})
    assert resp.status_code == 422, resp.text
    assert resp.json()["message"]


def test_update_needs_resource_update(admin, group, make_user):
    rid = create(admin, group, {"items": {"a": "1"}})["id"]
    uid, user = make_user()
    admin.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": [
        {"action": "allow", "principal": {"id": uid}, "identity": "", "scope": "resource",
         "permission": "read", "propagate": True}]}})
    assert read(user, rid)["items"] == {"a": "1"}
    resp = user.put(f"/api/resource/{rid}", json={"lookup_table": {"items": {"b": "2"}}})
    assert resp.status_code == 403
    assert resp.json()["exception"].endswith(".AttributeUpdateForbidden")
    assert read(admin, rid)["items"] == {"a": "1"}


def test_gdal_lists_lookup_tables_with_items(admin, group):
    """GDAL >= 3.11: ``search/?cls=lookup_table`` (no serialization) needs the items."""
    rid = create(admin, group, {"items": {"1": "one", "2": ""}})["id"]
    found = admin.ok("GET", "/api/resource/search/?cls=lookup_table")
    mine = [d for d in found if d["resource"]["id"] == rid]
    assert mine and mine[0]["lookup_table"]["items"] == {"1": "one", "2": ""}
    slim = admin.ok("GET", "/api/resource/search/?cls=lookup_table&serialization=resource")
    assert all(set(d) == {"resource"} for d in slim)
    others = admin.ok("GET", "/api/resource/search/?cls=resource_group")
    assert all(set(d) == {"resource"} for d in others)


def test_delete(admin, group):
    rid = create(admin, group, {"items": {"a": "1"}})["id"]
    admin.ok("DELETE", f"/api/resource/{rid}")
    assert admin.get(f"/api/resource/{rid}").status_code == 404
