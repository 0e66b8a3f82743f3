"""Request bodies are bounded per route kind: public routes (login) take a few KiB, JSON
routes ``max_json_body``, upload routes stream up to ``upload_max_size``. An over-long
Content-Length is refused before the body is read; a chunked body is cut off at the limit.
Passwords are capped at 1024 characters wherever they are hashed or checked."""

from __future__ import annotations

import base64

import pytest

from ..conftest import ADMIN_PASSWORD
from ..feature_layer.helpers import error
from ..util import Client, unique
from .bounds_util import raw_request, tight_server

LOGIN = "/api/component/auth/login"
AUTH = base64.b64encode(f"administrator:{ADMIN_PASSWORD}".encode()).decode()


@pytest.fixture(scope="module")
def tight(server, test_settings, tmp_path_factory):
    with tight_server(server, test_settings, tmp_path_factory) as (client, port):
        yield client, port


def _once(server) -> Client:
    """A client of its own for a body the server refuses unread: the server does not read
    the rest, so that connection must not be reused by other tests."""
    return Client(server.url, headers={"Connection": "close"})


def test_login_body_over_the_public_limit_is_413(server):
    resp = _once(server).post(LOGIN, json={"login": "administrator",
                                           "password": "x" * 1_000_000})
    assert resp.status_code == 413, resp.text
    assert "maximum of 8192 bytes" in error(resp)["message"]


def test_chunked_login_body_is_cut_off_at_the_limit(server):
    head = (f"POST {LOGIN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    status, data, _ = raw_request(server.port, head, [b"{" + b" " * 4096] * 64,
                                  chunked=True)
    assert status == 413, data[:500]
    assert b"maximum of 8192 bytes" in data


@pytest.mark.parametrize("form", [False, True])
def test_long_password_at_login_is_422(anon, form):
    body = {"login": "administrator", "password": "p" * 2000}
    resp = anon.post(LOGIN, data=body) if form else anon.post(LOGIN, json=body)
    assert resp.status_code == 422, resp.text
    assert "more than the maximum of 1024" in error(resp)["message"]


def test_long_password_at_user_create_and_change_is_422(admin):
    keyname = unique("u")
    resp = admin.post("/api/component/auth/user/", json={
        "keyname": keyname, "display_name": keyname, "password": "p" * 1025})
    assert resp.status_code == 422 and "1024" in error(resp)["message"]
    uid = admin.ok("POST", "/api/component/auth/user/", 201, json={
        "keyname": keyname, "display_name": keyname, "password": "p" * 1024})["id"]
    resp = admin.put(f"/api/component/auth/user/{uid}", json={"password": "q" * 5000})
    assert resp.status_code == 422 and "1024" in error(resp)["message"]


def test_content_length_over_the_json_limit_is_refused_before_reading(tight):
    """10 GB announced, nothing sent: the answer comes at once (the server never waits for
    the body)."""
    _, port = tight
    head = (f"POST /api/resource/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {AUTH}\r\n"
            "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n")
    status, data, seconds = raw_request(port, head)
    assert status == 413, data[:500]
    assert b"10000000000 bytes" in data and b"maximum of 65536 bytes" in data
    assert seconds < 5


def test_chunked_json_body_is_cut_off_at_the_limit(tight):
    _, port = tight
    head = (f"POST /api/resource/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {AUTH}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n")
    status, data, _ = raw_request(port, head, [b"[" + b" " * 65536] * 32, chunked=True)
    assert status == 413, data[:500]
    assert b"maximum of 65536 bytes" in data


def test_uploads_still_stream_beyond_the_json_limit(tight):
    """1 MiB raw PUT and chunked upload, on a server whose JSON limit is 64 KiB."""
    client, port = tight
    resp = client.put("/api/component/file_upload/", data=b"z" * (1 << 20))
    assert resp.status_code == 201, resp.text
    assert resp.json()["size"] == 1 << 20
    head = (f"PUT /api/component/file_upload/ HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Basic {AUTH}\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n")
    status, data, _ = raw_request(port, head, [b"y" * 65536] * 16, chunked=True)
    assert status == 201, data[:500]
    once = Client(client.base_url, auth=client.session.auth, headers={"Connection": "close"})
    resp = once.put("/api/component/file_upload/", data=b"z" * (9 << 20))
    assert resp.status_code == 413, resp.text


def test_other_public_routes_take_at_most_one_mib(anon, server):
    wkt = "LINESTRING (" + ", ".join(f"{i} {i}" for i in range(200_000)) + ")"
    resp = _once(server).post("/api/component/spatial_ref_sys/4326/geom_length", json={"geom": wkt})
    assert resp.status_code == 413, resp.text[:300]
    assert "maximum of 1048576 bytes" in error(resp)["message"]
    small = "LINESTRING (" + ", ".join(f"{i} 0" for i in range(20_000)) + ")"
    resp = anon.post("/api/component/spatial_ref_sys/4326/geom_length", json={"geom": small})
    assert resp.status_code == 200, resp.text[:300]
