"""Users and groups API (spec section 9), administrators only."""

from __future__ import annotations

import pytest

from ..principals import PASSWORD, create_group, create_user, error, system_ids
from ..util import Client, make_group, unique

AUTH = "/api/component/auth"
USER_KEYS = {"id", "system", "keyname", "display_name", "is_administrator", "superuser",
             "disabled", "password", "alink", "description", "language", "last_activity",
             "oauth_subject", "oauth_tstamp", "member_of", "permissions"}
GROUP_KEYS = {"id", "system", "keyname", "display_name", "description", "register",
              "oauth_mapping", "members", "permissions"}


@pytest.fixture(scope="module")
def sys(admin):
    return system_ids(admin)


def test_user_crud(admin, sys):
    keyname = unique("crud")
    uid = admin.ok("POST", f"{AUTH}/user/", 201, json={
        "keyname": keyname, "display_name": f"D {keyname}", "password": PASSWORD,
        "description": "d", "language": "ru"})["id"]
    doc = admin.ok("GET", f"{AUTH}/user/{uid}")
    assert set(doc) == USER_KEYS
    assert doc["keyname"] == keyname and doc["display_name"] == f"D {keyname}"
    assert doc["password"] is True and doc["member_of"] == [] and doc["system"] is False
    assert doc["is_administrator"] is False and doc["language"] == "ru"
    assert admin.ok("PUT", f"{AUTH}/user/{uid}", json={"display_name": "renamed",
                                                       "password": "new-pw-2"}) == {}
    client = Client(admin.base_url, auth=(keyname, "new-pw-2"))
    assert client.ok("GET", f"{AUTH}/current_user")["display_name"] == "renamed"
    error(Client(admin.base_url, auth=(keyname, PASSWORD)).get(f"{AUTH}/current_user"), 401)
    admin.ok("PUT", f"{AUTH}/user/{uid}", json={"password": False})
    assert admin.ok("GET", f"{AUTH}/user/{uid}")["password"] is False
    error(client.get(f"{AUTH}/current_user"), 401)
    assert admin.ok("DELETE", f"{AUTH}/user/{uid}") == {}
    error(admin.get(f"{AUTH}/user/{uid}"), 404, "PrincipalNotFound")
    error(admin.put(f"{AUTH}/user/{uid}", json={}), 404)
    error(admin.delete(f"{AUTH}/user/{uid}"), 404)
    # Groups are not users.
    error(admin.get(f"{AUTH}/user/{sys['administrators']}"), 404)


def test_user_list(admin, sys):
    brief = admin.ok("GET", f"{AUTH}/user/", params={"brief": "true"})
    assert all(set(u) == {"id", "system", "keyname", "display_name", "disabled"}
               for u in brief)
    assert {"guest", "everyone", "authenticated", "owner", "administrator"} <= \
        {u["keyname"] for u in brief}
    full = admin.ok("GET", f"{AUTH}/user/")
    assert all(set(u) == USER_KEYS for u in full)
    me = next(u for u in full if u["keyname"] == "administrator")
    assert me["is_administrator"] is True and sys["administrators"] in me["member_of"]


@pytest.mark.parametrize("keyname", ["1abc", "a b", "ä", "", "a.b", "-a", "_a"])
def test_keyname_pattern(admin, keyname):
    for kind in ("user", "group"):
        body = error(admin.post(f"{AUTH}/{kind}/", json={"keyname": keyname}), 422)
        assert "keyname" in body["message"]


def test_keyname_unique_ignoring_case(admin):
    keyname = unique("Dup")
    for kind in ("user", "group"):
        admin.ok("POST", f"{AUTH}/{kind}/", 201, json={"keyname": keyname})
        error(admin.post(f"{AUTH}/{kind}/", json={"keyname": keyname.upper()}), 422,
              "PrincipalNotUnique")
        other = admin.ok("POST", f"{AUTH}/{kind}/", 201, json={"keyname": unique("x")})["id"]
        error(admin.put(f"{AUTH}/{kind}/{other}", json={"keyname": keyname.lower()}), 422,
              "PrincipalNotUnique")
    error(admin.post(f"{AUTH}/user/", json={"keyname": "Administrator"}), 422)
    error(admin.post(f"{AUTH}/user/", json={"display_name": "x"}), 422)


def test_member_of_and_members(admin, sys):
    gid = create_group(admin)
    user = create_user(admin, groups=[gid])
    assert admin.ok("GET", f"{AUTH}/user/{user.id}")["member_of"] == [gid]
    assert admin.ok("GET", f"{AUTH}/group/{gid}")["members"] == [user.id]
    admin.ok("PUT", f"{AUTH}/group/{gid}", json={"members": []})
    assert admin.ok("GET", f"{AUTH}/user/{user.id}")["member_of"] == []
    # Membership in administrators gives the admin routes.
    error(user.client.get(f"{AUTH}/user/"), 403, "ForbiddenError")
    admin.ok("PUT", f"{AUTH}/user/{user.id}", json={"member_of": [sys["administrators"]]})
    assert admin.ok("GET", f"{AUTH}/user/{user.id}")["is_administrator"] is True
    user.client.ok("GET", f"{AUTH}/user/")
    for bad in ([user.id], [2_000_000_000], ["x"]):
        error(admin.put(f"{AUTH}/user/{user.id}", json={"member_of": bad}), 422)
    for bad in ([gid], [sys["guest"]], [2_000_000_000]):
        error(admin.put(f"{AUTH}/group/{gid}", json={"members": bad}), 422)


def test_group_crud(admin, sys):
    user = create_user(admin)
    keyname = unique("grp")
    gid = admin.ok("POST", f"{AUTH}/group/", 201, json={
        "keyname": keyname, "display_name": f"G {keyname}", "members": [user.id]})["id"]
    doc = admin.ok("GET", f"{AUTH}/group/{gid}")
    assert set(doc) == GROUP_KEYS
    assert doc["members"] == [user.id] and doc["system"] is False
    assert admin.ok("PUT", f"{AUTH}/group/{gid}", json={"description": "d"}) == {}
    assert admin.ok("GET", f"{AUTH}/group/{gid}")["description"] == "d"
    assert gid in [g["id"] for g in admin.ok("GET", f"{AUTH}/group/")]
    assert admin.ok("DELETE", f"{AUTH}/group/{gid}") == {}
    error(admin.get(f"{AUTH}/group/{gid}"), 404, "PrincipalNotFound")
    assert admin.ok("GET", f"{AUTH}/user/{user.id}")["member_of"] == []
    error(admin.get(f"{AUTH}/group/{user.id}"), 404)


def test_system_principals_are_protected(admin, sys):
    error(admin.delete(f"{AUTH}/user/{sys['guest']}"), 422)
    error(admin.delete(f"{AUTH}/group/{sys['administrators']}"), 422)
    error(admin.put(f"{AUTH}/user/{sys['guest']}", json={"keyname": "visitor"}), 422)
    error(admin.put(f"{AUTH}/group/{sys['administrators']}", json={"keyname": "admins"}), 422)
    assert admin.ok("GET", f"{AUTH}/user/{sys['guest']}")["system"] is True


def test_user_owning_resources_cannot_be_deleted(admin, group):
    user = create_user(admin)
    rid = make_group(admin, group, owner_user={"id": user.id})
    error(admin.delete(f"{AUTH}/user/{user.id}"), 422)
    admin.ok("PUT", f"/api/resource/{rid}", json={"resource": {"owner_user": {
        "id": admin.ok("GET", f"{AUTH}/current_user")["id"]}}})
    assert admin.ok("DELETE", f"{AUTH}/user/{user.id}") == {}


def test_admin_routes_refuse_others(admin, anon):
    user = create_user(admin)
    for method, path in (("GET", "user/"), ("POST", "user/"), ("GET", "group/"),
                         ("PUT", f"user/{user.id}"), ("DELETE", f"group/{create_group(admin)}")):
        error(user.client.request(method, f"{AUTH}/{path}", json={}), 403, "ForbiddenError")
        error(anon.request(method, f"{AUTH}/{path}", json={}), 401)
