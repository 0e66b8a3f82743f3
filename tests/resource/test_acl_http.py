"""ACL semantics over HTTP (spec section 9): rules, principals, masks and the permission API."""

from __future__ import annotations

import pytest

from ..principals import (
    allow,
    create_group,
    create_user,
    deny,
    error,
    not_found,
    rule,
    set_acl,
    system_ids,
)
from ..util import make_group, unique

RESOURCE_PERMS = ("read", "create", "update", "delete", "manage_children", "change_permissions")


@pytest.fixture(scope="module")
def sys(admin):
    return system_ids(admin)


def perms(client, rid: int, **params) -> dict:
    return client.ok("GET", f"/api/resource/{rid}/permission", params=params)


def granted(client, rid: int) -> set[str]:
    return {f"{scope}.{name}" for scope, items in perms(client, rid).items()
            for name, value in items.items() if value}


def rename(client, rid: int):
    return client.put(f"/api/resource/{rid}", json={"resource": {"display_name": unique()}})


def test_deny_wins(admin, group, user):
    rid = make_group(admin, group, permissions=[
        *allow(user.id, "resource.read", "resource.update"),
        *deny(user.id, "resource.update"),
        *allow(user.id, "resource.update")])
    set_acl(admin, group, allow(user.id, "resource.read", propagate=False))
    assert granted(user.client, rid) == {"resource.read"}
    error(rename(user.client, rid), 403, "AttributeUpdateForbidden")
    # A deny on an ancestor beats an allow on the resource itself.
    set_acl(admin, group, [*allow(user.id, "resource.read", propagate=False),
                           *deny(user.id, "resource.update")])
    set_acl(admin, rid, allow(user.id, "resource"))
    assert "resource.update" not in granted(user.client, rid)
    assert "resource.delete" in granted(user.client, rid)


def test_propagate_and_non_propagate(admin, group, user):
    child = make_group(admin, group)
    set_acl(admin, group, allow(user.id, "resource.read", propagate=False))
    assert user.client.ok("GET", f"/api/resource/{group}")["resource"]["id"] == group
    not_found(user.client.get(f"/api/resource/{child}"), child)
    # The group shows no children: the only one is unreadable.
    assert user.client.ok("GET", f"/api/resource/{group}")["resource"]["children"] is False
    set_acl(admin, group, allow(user.id, "resource.read"))
    assert user.client.ok("GET", f"/api/resource/{child}")["resource"]["id"] == child
    assert user.client.ok("GET", f"/api/resource/{group}")["resource"]["children"] is True


def test_identity_filter(admin, group, user):
    set_acl(admin, group, allow(user.id, "resource.read", identity="resource_group"))
    child = make_group(admin, group)
    assert user.client.ok("GET", f"/api/resource/{child}")["resource"]["id"] == child
    resp = admin.put(f"/api/resource/{group}", json={"resource": {"permissions": allow(
        user.id, "resource.read", identity="no_such_class")}})
    assert error(resp, 422)["message"] == "Unknown resource class 'no_such_class'."
    others = [c for c in admin.ok("GET", "/api/component/resource/blueprint")["resources"]
              if c != "resource_group"]
    if others:  # a rule for another class does not apply to groups
        set_acl(admin, group, allow(user.id, "resource.read", identity=others[0]))
        not_found(user.client.get(f"/api/resource/{group}"), group)


def test_owner_principal(admin, group, sys, user, other):
    owner = user
    set_acl(admin, group, [*allow(sys["authenticated"], "resource.read", propagate=False),
                           *allow(sys["owner"], "resource.read", "resource.update")])
    rid = make_group(admin, group, owner_user={"id": owner.id})
    assert admin.ok("GET", f"/api/resource/{rid}")["resource"]["owner_user"] == {"id": owner.id}
    assert owner.client.ok("PUT", f"/api/resource/{rid}",
                           json={"resource": {"display_name": unique()}}) == {}
    not_found(other.client.get(f"/api/resource/{rid}"), rid)
    # The owner rule never matches the group itself (owned by the administrator).
    assert "resource.update" not in granted(owner.client, group)
    admin.ok("PUT", f"/api/resource/{rid}", json={"resource": {"owner_user": {"id": other.id}}})
    assert other.client.ok("GET", f"/api/resource/{rid}")["resource"]["id"] == rid
    not_found(owner.client.get(f"/api/resource/{rid}"), rid)


def test_everyone_and_authenticated(admin, anon, group, sys, user):
    rid = make_group(admin, group)
    set_acl(admin, group, allow(sys["authenticated"], "resource.read"))
    assert user.client.ok("GET", f"/api/resource/{rid}")["resource"]["id"] == rid
    # Guest is not "authenticated", and the root is not readable for guest by default.
    not_found(anon.get(f"/api/resource/{rid}"), rid)
    not_found(anon.get("/api/resource/0"), 0)


def test_group_membership(admin, group):
    user = create_user(admin)
    team = create_group(admin, [user.id])
    set_acl(admin, group, allow(team, "resource.read", "resource.update"))
    rid = make_group(admin, group)
    assert user.client.ok("PUT", f"/api/resource/{rid}",
                          json={"resource": {"display_name": unique()}}) == {}
    admin.ok("PUT", f"/api/component/auth/group/{team}", json={"members": []})
    not_found(user.client.get(f"/api/resource/{rid}"), rid)
    # Membership set from the user's side works the same way.
    admin.ok("PUT", f"/api/component/auth/user/{user.id}", json={"member_of": [team]})
    assert user.client.ok("GET", f"/api/resource/{rid}")["resource"]["id"] == rid


def test_read_needs_parent_read(admin, group, user):
    child = make_group(admin, group, permissions=allow(user.id, "resource"))
    not_found(user.client.get(f"/api/resource/{child}"), child)
    assert admin.ok("GET", f"/api/resource/{child}/permission",
                    params={"user": user.id}) == {"resource": dict.fromkeys(RESOURCE_PERMS,
                                                                           False)}


def test_permission_without_read_grants_nothing(admin, group, user):
    set_acl(admin, group, allow(user.id, "resource.update", "resource.delete"))
    not_found(user.client.get(f"/api/resource/{group}"), group)
    assert admin.ok("GET", f"/api/resource/{group}/permission",
                    params={"user": user.id})["resource"]["update"] is False


def test_put_permissions_needs_change_permissions(admin, group, user):
    set_acl(admin, group, allow(user.id, "resource.read", "resource.update"))
    new_acl = allow(user.id, "resource")
    resp = user.client.put(f"/api/resource/{group}", json={"resource": {"permissions": new_acl}})
    body = error(resp, 403, "AttributeUpdateForbidden")
    assert body["data"] == {"scope": "resource", "permission": "change_permissions",
                            "serializer": "resource", "attribute": "permissions"}
    set_acl(admin, group, allow(user.id, "resource.read", "resource.change_permissions"))
    user.client.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": new_acl}})
    assert admin.ok("GET", f"/api/resource/{group}")["resource"]["permissions"] == new_acl


@pytest.mark.parametrize("perm", ["read", "update", "change_permissions"])
def test_administrators_keep_access(admin, group, sys, perm):
    before = admin.ok("GET", f"/api/resource/{group}")["resource"]["permissions"]
    resp = admin.put(f"/api/resource/{group}", json={"resource": {
        "display_name": unique(), "permissions": deny(sys["administrators"], f"resource.{perm}")}})
    assert f"'resource.{perm}'" in error(resp, 422)["message"]
    assert admin.ok("GET", f"/api/resource/{group}")["resource"]["permissions"] == before
    # On create too: nobody may make a resource the administrators cannot manage.
    resp = admin.post("/api/resource/", json={"resource": {
        "cls": "resource_group", "parent": {"id": group}, "display_name": unique(),
        "permissions": deny(sys["administrators"], f"resource.{perm}")}})
    error(resp, 422)
    # Denying something else is fine.
    set_acl(admin, group, deny(sys["administrators"], "resource.delete"))
    error(admin.delete(f"/api/resource/{make_group(admin, group)}"), 403)


def test_root_acl_cannot_lose_administrators(admin):
    root_acl = admin.ok("GET", "/api/resource/0")["resource"]["permissions"]
    error(admin.put("/api/resource/0", json={"resource": {"permissions": []}}), 422)
    assert admin.ok("GET", "/api/resource/0")["resource"]["permissions"] == root_acl


def test_permission_document_per_class_scopes(admin, group):
    assert perms(admin, group) == {"resource": dict.fromkeys(RESOURCE_PERMS, True)}


def test_permission_for_another_user(admin, group, sys, user, other):
    reader = user
    set_acl(admin, group, allow(reader.id, "resource.read"))
    assert perms(admin, group, user=reader.id)["resource"] == {
        **dict.fromkeys(RESOURCE_PERMS, False), "read": True}
    assert perms(admin, group, user=other.id)["resource"]["read"] is False
    error(reader.client.get(f"/api/resource/{group}/permission",
                            params={"user": other.id}), 403, "ForbiddenError")
    for bad in ("abc", sys["administrators"], 2_000_000_000):
        body = error(admin.get(f"/api/resource/{group}/permission", params={"user": bad}), 422)
        assert body["data"]["location"] == ["query", "user"]


def test_permission_explain(admin, group, sys, user):
    set_acl(admin, group, [*allow(user.id, "resource.read", "resource.update"),
                           *deny(user.id, "resource.update")])
    doc = admin.ok("GET", f"/api/resource/{group}/permission/explain",
                   params={"user": user.id})
    assert set(doc) == {"resource"}
    read, update = doc["resource"]["read"], doc["resource"]["update"]
    assert read["result"] is True and update["result"] is False
    assert {"resource": {"id": group}, **rule("allow", user.id, "resource", "read")} \
        in read["allowed_by"]
    assert update["denied_by"] == [{"resource": {"id": group},
                                    **rule("deny", user.id, "resource", "update")}]
    # Own explanation: the administrators' rule on the root grants everything.
    own = admin.ok("GET", f"/api/resource/{group}/permission/explain")
    assert {"resource": {"id": 0}, **rule("allow", sys["administrators"])} \
        in own["resource"]["delete"]["allowed_by"]
