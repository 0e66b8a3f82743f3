"""Write rules of spec section 1.3: attribute permissions, owner, move and recursive delete."""

from __future__ import annotations

import pytest

from ..principals import allow, deny, error, not_found, set_acl, system_ids
from ..util import make_group, unique


def exists(admin, rid: int) -> bool:
    return admin.get(f"/api/resource/{rid}").status_code == 200


# -- attributes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("attr", ["display_name", "keyname", "description", "parent"])
def test_sending_unchanged_attribute_needs_update(admin, group, user, attr):
    rid = make_group(admin, group, keyname=unique("kn"), description="d")
    set_acl(admin, group, allow(user.id, "resource.read"))
    current = user.client.ok("GET", f"/api/resource/{rid}")["resource"]
    value = {"id": current["parent"]["id"]} if attr == "parent" else current[attr]
    resp = user.client.put(f"/api/resource/{rid}", json={"resource": {attr: value}})
    body = error(resp, 403, "AttributeUpdateForbidden")
    assert body["data"] == {"scope": "resource", "permission": "update",
                            "serializer": "resource", "attribute": attr}
    resp = user.client.put(f"/api/resource/{rid}", json={"resmeta": {"items": {}}})
    assert error(resp, 403, "AttributeUpdateForbidden")["data"]["serializer"] == "resmeta"


def test_read_only_keys_are_ignored(admin, group, user):
    set_acl(admin, group, allow(user.id, "resource.read"))
    doc = user.client.ok("GET", f"/api/resource/{group}")
    ignored = {k: doc["resource"][k] for k in ("id", "cls", "creation_date", "children",
                                               "interfaces", "scopes")}
    assert user.client.ok("PUT", f"/api/resource/{group}",
                          json={"resource": ignored, "no_such_section": {}}) == {}


def test_update_with_permission(admin, group, user):
    set_acl(admin, group, allow(user.id, "resource.read", "resource.update"))
    name, kn = unique(), unique("kn")
    user.client.ok("PUT", f"/api/resource/{group}", json={
        "resource": {"display_name": name, "keyname": kn, "description": "<i>x</i>"},
        "resmeta": {"items": {"a": 1}}})
    doc = admin.ok("GET", f"/api/resource/{group}")
    assert (doc["resource"]["display_name"], doc["resource"]["keyname"]) == (name, kn)
    assert doc["resource"]["description"] == "<i>x</i>"
    assert doc["resmeta"]["items"] == {"a": 1}
    user.client.ok("PUT", f"/api/resource/{group}", json={"resource": {"keyname": None}})
    assert admin.ok("GET", f"/api/resource/{group}")["resource"]["keyname"] is None


# -- owner --------------------------------------------------------------------------------------

def test_owner_change_is_for_administrators(admin, group, user, other):
    set_acl(admin, group, allow(user.id, "resource"))
    rid = make_group(admin, group)
    admin_id = admin.ok("GET", f"/api/resource/{rid}")["resource"]["owner_user"]["id"]
    for target in (user.id, other.id):  # not even to oneself
        resp = user.client.put(f"/api/resource/{rid}",
                               json={"resource": {"owner_user": {"id": target}}})
        error(resp, 403, "ForbiddenError")
    # Sending the current owner changes nothing and is allowed.
    user.client.ok("PUT", f"/api/resource/{rid}",
                   json={"resource": {"owner_user": {"id": admin_id}}})
    admin.ok("PUT", f"/api/resource/{rid}", json={"resource": {"owner_user": {"id": other.id}}})
    assert admin.ok("GET", f"/api/resource/{rid}")["resource"]["owner_user"] == {"id": other.id}
    sys = system_ids(admin)
    for bad in (sys["guest"], sys["administrators"], 2_000_000_000):
        resp = admin.put(f"/api/resource/{rid}", json={"resource": {"owner_user": {"id": bad}}})
        error(resp, 422)


def test_owner_on_create(admin, group, user, other):
    set_acl(admin, group, allow(user.id, "resource"))
    body = {"cls": "resource_group", "parent": {"id": group}, "display_name": unique()}
    rid = user.client.ok("POST", "/api/resource/", 201, json={"resource": body})["id"]
    assert admin.ok("GET", f"/api/resource/{rid}")["resource"]["owner_user"] == {"id": user.id}
    resp = user.client.post("/api/resource/", json={"resource": {
        **body, "display_name": unique(), "owner_user": {"id": other.id}}})
    error(resp, 403, "ForbiddenError")
    rid = admin.ok("POST", "/api/resource/", 201, json={"resource": {
        **body, "display_name": unique(), "owner_user": {"id": other.id}}})["id"]
    assert admin.ok("GET", f"/api/resource/{rid}")["resource"]["owner_user"] == {"id": other.id}


def test_acl_on_create_needs_change_permissions(admin, group, user):
    sys = system_ids(admin)
    set_acl(admin, group, [*allow(user.id, "resource"),
                           *deny(user.id, "resource.change_permissions")])
    body = {"cls": "resource_group", "parent": {"id": group}, "display_name": unique(),
            "permissions": allow(sys["everyone"], "resource.read")}
    resp = user.client.post("/api/resource/", json={"resource": body})
    assert error(resp, 403, "AttributeUpdateForbidden")["data"]["attribute"] == "permissions"
    # Granting oneself change_permissions in the new ACL does not help either.
    resp = user.client.post("/api/resource/", json={"resource": {
        **body, "permissions": allow(user.id, "resource")}})
    error(resp, 403, "AttributeUpdateForbidden")
    set_acl(admin, group, allow(user.id, "resource"))
    rid = user.client.ok("POST", "/api/resource/", 201, json={"resource": body})["id"]
    assert admin.ok("GET", f"/api/resource/{rid}")["resource"]["permissions"] == \
        body["permissions"]


def test_create_needs_manage_children_and_create(admin, group, user):
    body = {"resource": {"cls": "resource_group", "parent": {"id": group},
                         "display_name": unique()}}
    set_acl(admin, group, allow(user.id, "resource.read", "resource.create"))
    error(user.client.post("/api/resource/", json=body), 403, "InsufficientPermissions")
    set_acl(admin, group, allow(user.id, "resource.read", "resource.manage_children"))
    body_ = error(user.client.post("/api/resource/", json=body), 403, "InsufficientPermissions")
    assert body_["data"] == {"resource": {"id": group}, "permission": "create",
                             "scope": "resource"}
    # resource.create is evaluated on the new resource: an identity-specific rule counts.
    set_acl(admin, group, [*allow(user.id, "resource.read", "resource.manage_children"),
                           *allow(user.id, "resource.create", identity="resource_group")])
    user.client.ok("POST", "/api/resource/", 201, json=body)


# -- move ---------------------------------------------------------------------------------------

@pytest.fixture
def move(admin, group, user):
    """Container C readable (and create-able) by the user, with A, B under it and X in A."""
    c = make_group(admin, group, permissions=allow(user.id, "resource.read", "resource.create"))
    set_acl(admin, group, allow(user.id, "resource.read", propagate=False))
    a, b = make_group(admin, c), make_group(admin, c)
    x = make_group(admin, a, permissions=allow(user.id, "resource.update"))
    return {"C": c, "A": a, "B": b, "X": x}


def put_parent(client, rid, parent):
    return client.put(f"/api/resource/{rid}", json={"resource": {"parent": {"id": parent}}})


def test_move_allowed(admin, user, move):
    for key in "AB":
        set_acl(admin, move[key], allow(user.id, "resource.manage_children", propagate=False))
    assert user.client.ok("PUT", f"/api/resource/{move['X']}",
                          json={"resource": {"parent": {"id": move["B"]}}}) == {}
    assert admin.ok("GET", f"/api/resource/{move['X']}")["resource"]["parent"]["id"] == move["B"]


@pytest.mark.parametrize("missing", ["A", "B"])
def test_move_needs_manage_children_on_both_parents(admin, user, move, missing):
    other = "B" if missing == "A" else "A"
    set_acl(admin, move[other], allow(user.id, "resource.manage_children", propagate=False))
    body = error(put_parent(user.client, move["X"], move["B"]), 403, "ForbiddenError")
    assert f"id = {move[missing]}" in body["message"]
    assert admin.ok("GET", f"/api/resource/{move['X']}")["resource"]["parent"]["id"] == move["A"]


def test_move_needs_create_under_new_parent(admin, user, move):
    set_acl(admin, move["A"], allow(user.id, "resource.manage_children", propagate=False))
    set_acl(admin, move["B"], [*allow(user.id, "resource.manage_children", propagate=False),
                               *deny(user.id, "resource.create")])
    body = error(put_parent(user.client, move["X"], move["B"]), 403, "ForbiddenError")
    assert "'resource.create'" in body["message"]


def test_move_needs_update(admin, user, move):
    for key in "AB":
        set_acl(admin, move[key], allow(user.id, "resource.manage_children", propagate=False))
    set_acl(admin, move["X"], [])
    error(put_parent(user.client, move["X"], move["B"]), 403, "AttributeUpdateForbidden")


def test_move_into_unreadable_parent_is_not_found(admin, group, user, move):
    set_acl(admin, move["A"], allow(user.id, "resource.manage_children", propagate=False))
    hidden = make_group(admin, group)
    missing = make_group(admin, group)
    admin.ok("DELETE", f"/api/resource/{missing}")
    bodies = [not_found(put_parent(user.client, move["X"], rid), rid) for rid in (hidden, missing)]
    assert bodies[0]["message"].replace(str(hidden), str(missing)) == bodies[1]["message"]


def test_move_name_conflict_and_cycle(admin, move):
    name = admin.ok("GET", f"/api/resource/{move['X']}")["resource"]["display_name"]
    twin = make_group(admin, move["B"], display_name=name)
    body = error(put_parent(admin, move["X"], move["B"]), 422, "DisplayNameNotUnique")
    assert body["data"] == {"resource_id": twin}
    error(put_parent(admin, move["A"], move["X"]), 422, "HierarchyError")
    error(put_parent(admin, 0, move["A"]), 422, "HierarchyError")


# -- delete -------------------------------------------------------------------------------------

@pytest.fixture
def tree(admin, group, user):
    """T > T1 > T2, all deletable by the user."""
    t = make_group(admin, group, permissions=allow(
        user.id, "resource.read", "resource.delete", "resource.manage_children"))
    set_acl(admin, group, allow(user.id, "resource.read", propagate=False))
    t1 = make_group(admin, t)
    return [t, t1, make_group(admin, t1)]


@pytest.mark.parametrize("rules", [
    pytest.param(lambda uid: deny(uid, "resource.delete"), id="no-delete"),
    pytest.param(lambda uid: deny(uid, "resource.manage_children"), id="no-manage-children"),
    pytest.param(lambda uid: deny(uid, "resource.read"), id="unreadable"),
])
def test_one_protected_descendant_blocks_delete(admin, user, tree, rules):
    set_acl(admin, tree[2], rules(user.id))
    body = error(user.client.delete(f"/api/resource/{tree[0]}"), 403, "InsufficientPermissions")
    assert str(tree[2]) not in body["message"] and body["data"]["resource"] == {"id": tree[0]}
    assert all(exists(admin, rid) for rid in tree)
    error(user.client.post(f"/api/resource/delete?resources={tree[0]}"), 403)
    assert all(exists(admin, rid) for rid in tree)


def test_delete_whole_subtree(admin, user, tree):
    assert user.client.ok("DELETE", f"/api/resource/{tree[0]}") == {}
    assert not any(exists(admin, rid) for rid in tree)


def test_delete_root(admin):
    error(admin.delete("/api/resource/0"), 422, "ResourceRootDeleteError")
    error(admin.post("/api/resource/delete?resources=0"), 422, "ResourceRootDeleteError")
    assert admin.ok("POST", "/api/resource/delete?resources=0&partial=true") == {}
