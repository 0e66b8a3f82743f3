"""Hostile input never gives a 500 (spec Decision 2): huge ids, NUL bytes, odd bodies."""

from __future__ import annotations

import base64

import pytest

from ..principals import error

BIG = "99999999999999999999"  # beyond 64 bits

QUERIES = [
    ("GET", f"/api/resource/{BIG}", 404), ("GET", f"/api/resource/?parent={BIG}", 404),
    ("PUT", f"/api/resource/{BIG}", 404), ("DELETE", f"/api/resource/{BIG}", 404),
    ("GET", f"/api/resource/{BIG}/permission", 404),
    ("POST", f"/api/resource/delete?resources={BIG}", 404),
    ("GET", f"/api/component/auth/user/{BIG}", 404),
    ("GET", f"/api/component/auth/group/{BIG}", 404),
    ("DELETE", f"/api/component/auth/token/{BIG}", 404),
    ("GET", f"/api/resource/0/permission?user={BIG}", 422),
    ("GET", f"/api/resource/search/?limit={BIG}", 422),
    ("GET", f"/api/resource/search/?offset={BIG}", 422),
    ("GET", "/api/resource/search/?display_name=a%00b", 422),
    ("GET", "/api/resource/search/?resmeta__has[a%00]=true", 422),
    ("GET", "/api/resource/search/?resmeta__json[k]=%22%5Cu0000%22", 422),
]


@pytest.mark.parametrize(("method", "path", "status"), QUERIES,
                         ids=[f"{m} {p}" for m, p, _ in QUERIES])
def test_query(admin, method, path, status):
    error(admin.request(method, path, json={}), status)


BODIES = [
    ("POST", "/api/resource/", '{"resource": {"cls": "resource_group", "parent": {"id": 0}, '
                               '"display_name": "x\\u0000y"}}'),
    ("POST", "/api/resource/", '{"resource": {"cls": "resource_group", "parent": {"id": 0}, '
                               '"display_name": "nul-meta"}, "resmeta": {"items": {"k": '
                               '"a\\u0000b"}}}'),
    ("PUT", "/api/resource/0", '{"resource": {"keyname": "a\\u0000"}}'),
    ("POST", "/api/component/auth/user/", '{"keyname": "nul_user", "display_name": "\\u0000"}'),
    ("POST", "/api/component/auth/group/", '{"keyname": "nul_group", "description": "\\u0000"}'),
    ("POST", "/api/component/auth/token/", '{"description": "\\u0000"}'),
]


@pytest.mark.parametrize(("method", "path", "body"), BODIES, ids=[b for _, _, b in BODIES])
def test_body(admin, method, path, body):
    body_ = error(admin.request(method, path, data=body), 422)
    assert "NUL" in body_["message"] or "escape" in body_["message"]


def test_nul_in_credentials(anon):
    error(anon.post("/api/component/auth/login", data='{"login": "a\\u0000", "password": "x"}'),
          401, "InvalidCredentialsException")
    header = "Basic " + base64.b64encode(b"adm\x00in:x").decode()
    error(anon.get("/api/component/auth/current_user", headers={"Authorization": header}), 401,
          "InvalidCredentialsException")
