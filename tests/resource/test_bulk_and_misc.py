"""Bulk delete, quota, blueprint, volume and transactions of the resource API."""

from __future__ import annotations

from ..principals import allow, deny, error, set_acl
from ..util import make_group, unique

EMPTY = {"count": 0, "resources": {}}


def exists(admin, rid: int) -> bool:
    return admin.get(f"/api/resource/{rid}").status_code == 200


def summary(client, *ids) -> dict:
    return client.ok("GET", "/api/resource/delete",
                     params={"resources": ",".join(map(str, ids))})


def test_dry_run(admin, group):
    a = make_group(admin, group)
    make_group(admin, a)
    b = make_group(admin, group)
    missing = make_group(admin, group)
    admin.ok("DELETE", f"/api/resource/{missing}")
    assert summary(admin, a, b, a) == {
        "affected": {"count": 3, "resources": {"resource_group": 3}}, "unaffected": EMPTY}
    assert summary(admin, b, 0, missing) == {
        "affected": {"count": 1, "resources": {"resource_group": 1}},
        "unaffected": {"count": 2, "resources": {"resource_group": 1, "resource": 1}}}
    assert all(exists(admin, rid) for rid in (a, b))
    error(admin.get("/api/resource/delete"), 422)
    error(admin.get("/api/resource/delete?resources=1,x"), 422)


def test_bulk_delete(admin, group, user):
    set_acl(admin, group, allow(user.id, "resource.read", "resource.delete",
                                "resource.manage_children"))
    free = [make_group(admin, group) for _ in range(2)]
    make_group(admin, free[0])
    blocked = make_group(admin, group, permissions=deny(user.id, "resource.delete"))
    ids = ",".join(map(str, [*free, blocked]))
    # Without partial: one blocked resource fails the whole request, nothing is deleted.
    error(user.client.post(f"/api/resource/delete?resources={ids}"), 403,
          "InsufficientPermissions")
    assert all(exists(admin, rid) for rid in (*free, blocked))
    assert summary(user.client, *free, blocked) == {
        "affected": {"count": 3, "resources": {"resource_group": 3}},
        "unaffected": {"count": 1, "resources": {"resource_group": 1}}}
    assert user.client.ok("POST", f"/api/resource/delete?resources={ids}&partial=true") == {}
    assert not any(exists(admin, rid) for rid in free) and exists(admin, blocked)
    assert admin.ok("POST", f"/api/resource/delete?resources={blocked}") == {}
    assert not exists(admin, blocked)


def test_bulk_delete_unreadable_and_missing(admin, group, user):
    hidden = make_group(admin, group)
    set_acl(admin, group, allow(user.id, "resource.read", "resource.delete",
                                "resource.manage_children", propagate=False))
    mine = make_group(admin, group, permissions=allow(user.id, "resource"))
    resp = user.client.post(f"/api/resource/delete?resources={mine},{hidden}")
    assert error(resp, 404, "ResourceNotFound")["data"] == {"resource_id": hidden}
    assert exists(admin, mine)
    user.client.ok("POST", f"/api/resource/delete?resources={mine},{hidden}&partial=yes")
    assert not exists(admin, mine) and exists(admin, hidden)
    error(user.client.post("/api/resource/delete"), 422)


def test_quota_and_check_quota(admin, anon):
    quota = anon.ok("GET", "/api/resource/quota")
    assert set(quota) == {"limit", "count"} and quota["limit"] is None
    assert isinstance(quota["count"], int) and quota["count"] >= 0  # only what anon reads
    assert admin.ok("GET", "/api/resource/quota")["count"] >= 1
    url = "/api/component/resource/check_quota"
    assert admin.ok("POST", url, json={"resource_group": 2}) == {"success": True}
    assert admin.ok("POST", url, json={}) == {"success": True}
    error(admin.post(url, json={"no_such_class": 1}), 422)
    error(admin.post(url, json=[1]), 422)
    error(admin.post(url, json={"resource_group": "x"}), 422)
    error(admin.post(url, json={"resource_group": -1}), 422)
    error(admin.post(url, data="{"), 400, "MalformedJSONBody")


def test_blueprint(anon):
    doc = anon.ok("GET", "/api/component/resource/blueprint")
    assert set(doc) == {"resources", "scopes", "categories"}
    group = doc["resources"]["resource_group"]
    assert group == {"identity": "resource_group", "label": "Resource group",
                     "base_classes": ["resource"], "interfaces": [], "scopes": ["resource"],
                     "category": "resource_group", "order": 0}
    assert set(doc["scopes"]["resource"]["permissions"]) == {
        "read", "create", "update", "delete", "manage_children", "change_permissions"}
    assert doc["scopes"]["resource"]["permissions"]["read"] == {"identity": "read",
                                                                "label": "Read"}
    assert set(doc["scopes"]["data"]["permissions"]) == {"read", "write"}
    for cls in doc["resources"].values():
        assert cls["category"] in doc["categories"]
        assert set(cls["scopes"]) <= set(doc["scopes"])


def test_volume(admin, group):
    assert admin.ok("GET", f"/api/resource/{group}/volume") == {"volume": 0}


# -- transactions -------------------------------------------------------------------------------

def test_failed_create_writes_nothing(admin, group):
    name = unique()
    resp = admin.post("/api/resource/", json={
        "resource": {"cls": "resource_group", "parent": {"id": group}, "display_name": name,
                     "keyname": unique("kn")},
        "resmeta": {"items": {"ok": 1, "bad": {"nested": True}}}})
    assert "$.resmeta.items.bad" in error(resp, 422)["message"]
    assert admin.ok("GET", "/api/resource/search/", params={"display_name": name}) == []
    assert admin.ok("GET", f"/api/resource/{group}")["resource"]["children"] is False
    # The name is free: nothing half-written holds it.
    make_group(admin, group, display_name=name)


def test_failed_update_writes_nothing(admin, group):
    rid = make_group(admin, group)
    before = admin.ok("GET", f"/api/resource/{rid}")
    resp = admin.put(f"/api/resource/{rid}", json={
        "resource": {"display_name": unique(), "description": "changed"},
        "resmeta": {"items": {"x": [1]}}})
    error(resp, 422)
    assert admin.ok("GET", f"/api/resource/{rid}") == before
