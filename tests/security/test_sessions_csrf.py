"""CSRF: a cookie-authenticated write must come from the server's own origin (or one listed in
``csrf_trusted_origins``); Basic and Bearer callers are unaffected; the login route is guarded
against login CSRF the same way."""

from __future__ import annotations

import pytest

from ..feature_layer.helpers import make_layer
from ..principals import PASSWORD, allow, create_user
from ..util import Client, make_group, unique
from .sessions_util import AUTH, envelope, extra_node, login

EVIL = "https://evil.example"
TRUSTED = "https://app.example.org"


@pytest.fixture(scope="module")
def writer(admin, server):
    """A user allowed to write under a fresh group, with a cookie session."""
    user = create_user(admin)
    gid = make_group(admin, 0, permissions=allow(user.id))
    return user, gid, login(server.url, user.keyname, PASSWORD)


def _writes(admin, gid):
    """One cookie-authenticated write per method: (method, path, body, check-not-written)."""
    child = make_group(admin, gid)
    layer = make_layer(admin, gid, fields=[("s", "STRING")])
    fid = admin.ok("POST", f"/api/resource/{layer}/feature/",
                   json={"geom": "POINT (1 2)", "fields": {"s": "before"}})["id"]
    name = unique("csrf")
    return [
        ("POST", "/api/resource/",
         f'{{"resource": {{"cls": "resource_group", "parent": {{"id": {gid}}}, '
         f'"display_name": "{name}"}}}}',
         lambda: not [r for r in admin.ok("GET", f"/api/resource/?parent={gid}")
                      if r["resource"]["display_name"] == name]),
        ("PUT", f"/api/resource/{child}", f'{{"resource": {{"display_name": "{name}-2"}}}}',
         lambda: admin.ok("GET", f"/api/resource/{child}")["resource"]["display_name"]
         != name + "-2"),
        ("PATCH", f"/api/resource/{layer}/feature/",
         f'[{{"id": {fid}, "fields": {{"s": "{name}"}}}}]',
         lambda: admin.ok("GET", f"/api/resource/{layer}/feature/{fid}")["fields"]["s"]
         == "before"),
        ("DELETE", f"/api/resource/{child}", None,
         lambda: admin.get(f"/api/resource/{child}").status_code == 200),
    ]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x",
                                          "application/json"])
@pytest.mark.parametrize("source", [{"Origin": EVIL}, {"Origin": "null"},
                                    {"Referer": EVIL + "/page.html"}])
def test_foreign_origin_cookie_writes_are_refused(admin, writer, content_type, source):
    _, gid, session = writer
    for method, path, body, untouched in _writes(admin, gid):
        resp = session.request(method, path, data=body,
                               headers={"Content-Type": content_type, **source})
        err = envelope(resp, 403, "ForbiddenError")
        assert next(iter(source.values())).split("/page")[0] in err["message"]
        assert untouched(), f"{method} {path} wrote despite the 403"


def test_same_origin_cookie_writes_work(admin, server, writer):
    _, gid, session = writer
    for headers in ({"Origin": server.url}, {"Referer": server.url + "/resource/1"}, {},
                    {"Origin": server.url.upper()}):
        for method, path, body, untouched in _writes(admin, gid):
            resp = session.request(method, path, data=body, headers={
                "Content-Type": "application/json", **headers})
            assert resp.status_code in (200, 201), f"{method} {path} {headers}: {resp.text}"
            assert not untouched(), f"{method} {path} did not write"


def test_safe_methods_ignore_origin(writer):
    _, gid, session = writer
    resp = session.get(f"/api/resource/{gid}", headers={"Origin": EVIL})
    assert resp.status_code == 200, resp.text


def test_basic_and_bearer_are_unaffected(admin, server, writer):
    user, gid, _ = writer
    token = user.client.ok("POST", f"{AUTH}/token/", 201, json={})["token"]
    bearer = Client(server.url, headers={"Authorization": f"Bearer {token}"})
    for client in (user.client, bearer):
        for method, path, body, untouched in _writes(admin, gid):
            resp = client.request(method, path, data=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Origin": EVIL})
            assert resp.status_code in (200, 201), f"{method} {path}: {resp.text}"
            assert not untouched()


def test_login_csrf_is_refused(admin, server):
    anon = Client(server.url)  # its own cookie jar: the login below must not leak into others
    user = create_user(admin)
    for headers in ({"Origin": EVIL}, {"Referer": EVIL + "/"}, {"Origin": "null"}):
        resp = anon.post(f"{AUTH}/login", data={"login": user.keyname, "password": PASSWORD},
                         headers=headers)
        envelope(resp, 403, "ForbiddenError")
        assert "ngw_sid" not in resp.headers.get("Set-Cookie", "")
    same = anon.post(f"{AUTH}/login", data={"login": user.keyname, "password": PASSWORD},
                     headers={"Origin": server.url})
    assert same.status_code == 200 and same.cookies.get("ngw_sid")


def test_logout_from_foreign_origin_is_refused(admin, server):
    user = create_user(admin)
    session = login(server.url, user.keyname, PASSWORD)
    envelope(session.post(f"{AUTH}/logout", headers={"Origin": EVIL}), 403, "ForbiddenError")
    assert session.ok("GET", f"{AUTH}/current_user")["id"] == user.id


def test_expired_cookie_with_foreign_origin_is_a_guest_not_a_403(anon):
    """Only a request the cookie authenticates is checked; a stale cookie is a guest."""
    client = Client(anon.base_url)
    client.session.cookies.set("ngw_sid", "stale")
    resp = client.post(f"{AUTH}/logout", headers={"Origin": EVIL})
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def proxied(server, test_settings, tmp_path_factory):
    """A node behind a trusted proxy (127.0.0.1) with one extra trusted origin."""
    with extra_node(server, test_settings.data_path, tmp_path_factory.mktemp("csrf"),
                    trusted_proxies="127.0.0.1/32, ::1",
                    csrf_trusted_origins=TRUSTED + ", https://other.example:8443") as url:
        yield url


def test_configured_origins_and_forwarded_host(admin, proxied, server):
    user = create_user(admin)
    for origin in (TRUSTED, "HTTPS://APP.example.org:443", "https://other.example:8443"):
        session = login(proxied, user.keyname, PASSWORD, Origin=origin)
        assert session.ok("POST", f"{AUTH}/logout", headers={"Origin": origin}) == {}
    session = login(proxied, user.keyname, PASSWORD)
    for origin in (EVIL, "https://other.example", "http://app.example.org"):
        envelope(session.post(f"{AUTH}/logout", headers={"Origin": origin}), 403,
                 "ForbiddenError")
    # A trusted proxy's X-Forwarded-Host/-Proto define the server's own origin.
    forwarded = {"X-Forwarded-Host": "gis.example.net", "X-Forwarded-Proto": "https"}
    resp = Client(proxied).post(f"{AUTH}/login",
                                json={"login": user.keyname, "password": PASSWORD},
                                headers={"Origin": "https://gis.example.net", **forwarded})
    assert resp.status_code == 200, resp.text
    session = Client(proxied)  # the cookie is Secure: hand it over as the proxy would
    session.session.cookies.set("ngw_sid", resp.cookies["ngw_sid"])
    envelope(session.post(f"{AUTH}/logout", headers={"Origin": "https://gis.example.net"}),
             403, "ForbiddenError")  # without the proxy's headers the origin is 127.0.0.1
    assert session.ok("POST", f"{AUTH}/logout",
                      headers={"Origin": "https://gis.example.net", **forwarded}) == {}
    # The same headers from an untrusted peer do not change the origin.
    resp = Client(server.url).post(f"{AUTH}/login",
                                   json={"login": user.keyname, "password": PASSWORD},
                                   headers={"Origin": "https://gis.example.net", **forwarded})
    envelope(resp, 403, "ForbiddenError")
