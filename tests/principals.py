"""Helpers for tests about who may do what: users, groups, ACL rules and error checks."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from .util import Client, unique

CHALLENGE = 'Basic realm="featuresvc"'
PASSWORD = "pw-secret-1"


@dataclass
class User:
    id: int
    keyname: str
    client: Client


def create_user(admin: Client, groups=(), password: str = PASSWORD, **extra) -> User:
    """A fresh user (Basic auth client); ``extra`` goes into the POST body."""
    keyname = extra.pop("keyname", None) or unique("user")
    uid = admin.ok("POST", "/api/component/auth/user/", 201, json={
        "keyname": keyname, "display_name": keyname, "password": password,
        "member_of": list(groups), **extra})["id"]
    return User(uid, keyname, Client(admin.base_url, auth=(keyname, password)))


def create_group(admin: Client, members=()) -> int:
    keyname = unique("grp")
    return admin.ok("POST", "/api/component/auth/group/", 201,
                    json={"keyname": keyname, "members": list(members)})["id"]


def system_ids(admin: Client) -> dict[str, int]:
    """Ids of the system principals and of the ``administrator`` user, by keyname."""
    users = admin.ok("GET", "/api/component/auth/user/?brief=true")
    groups = admin.ok("GET", "/api/component/auth/group/")
    ids = {u["keyname"]: u["id"] for u in users if u["system"]}
    ids.update({g["keyname"]: g["id"] for g in groups if g["system"]})
    ids["administrator"] = next(u["id"] for u in users if u["keyname"] == "administrator")
    return ids


def rule(action: str, principal: int, scope: str = "", permission: str = "", *,
         identity: str = "", propagate: bool = True) -> dict:
    return {"action": action, "principal": {"id": principal}, "identity": identity,
            "scope": scope, "permission": permission, "propagate": propagate}


def allow(principal: int, *perms: str, propagate: bool = True, identity: str = "") -> list[dict]:
    """One allow rule per ``scope.permission`` (``scope`` alone or "" for all)."""
    result = []
    for perm in perms or ("",):
        scope, _, name = perm.partition(".")
        result.append(rule("allow", principal, scope, name, propagate=propagate,
                           identity=identity))
    return result


def deny(principal: int, *perms: str, propagate: bool = True) -> list[dict]:
    return [{**r, "action": "deny"} for r in allow(principal, *perms, propagate=propagate)]


def set_acl(admin: Client, resource_id: int, rules: list[dict]) -> None:
    admin.ok("PUT", f"/api/resource/{resource_id}", json={"resource": {"permissions": rules}})


def error(resp: requests.Response, status: int, exception: str | None = None) -> dict:
    """Assert an NGW error envelope with ``status`` (and the class' last dotted part)."""
    assert resp.status_code == status, f"{resp.request.method} {resp.url}: " \
                                       f"{resp.status_code} {resp.text}"
    assert resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    assert body["status_code"] == status and body["message"], body
    assert body["exception"].startswith("featuresvc."), body
    if exception is not None:
        assert body["exception"].rsplit(".", 1)[1] == exception, body
    if status == 401:
        assert resp.headers.get("WWW-Authenticate") == CHALLENGE, resp.headers
    return body


def not_found(resp: requests.Response, resource_id: int) -> dict:
    body = error(resp, 404, "ResourceNotFound")
    assert body["data"] == {"resource_id": resource_id}
    return body


def without_request_id(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "request_id"}
