"""Session cookie flags, trusted proxies, and sessions ending on a password change."""

from __future__ import annotations

import random

import pytest
import requests
from sqlalchemy import create_engine, text

from ..principals import PASSWORD, create_user, system_ids
from ..util import Client, unique
from .sessions_util import AUTH, envelope, extra_node, login

HTTPS = {"X-Forwarded-Proto": "https"}


def _set_cookie(resp) -> str:
    assert resp.status_code == 200, resp.text
    header = resp.headers["Set-Cookie"]
    assert header.startswith("ngw_sid="), header
    return header.lower()


def _flags(header: str) -> set[str]:
    return {part.strip().split("=")[0] for part in header.split(";")[1:]}


def _login(base_url: str, keyname: str, **headers) -> str:
    return _set_cookie(Client(base_url).post(
        f"{AUTH}/login", json={"login": keyname, "password": PASSWORD}, headers=headers))


def test_plain_http_cookie_flags(admin, server):
    user = create_user(admin)
    header = _login(server.url, user.keyname)
    assert {"httponly", "samesite", "path", "max-age"} <= _flags(header)
    assert "samesite=lax" in header
    assert "secure" not in _flags(header)


def test_spoofed_forwarded_proto_from_untrusted_peer_is_ignored(admin, server):
    user = create_user(admin)
    assert "secure" not in _flags(_login(server.url, user.keyname, **HTTPS))


@pytest.fixture(scope="module")
def behind_proxy(server, test_settings, tmp_path_factory):
    with extra_node(server, test_settings.data_path, tmp_path_factory.mktemp("proxy"),
                    trusted_proxies="10.0.0.0/8,127.0.0.1") as url:
        yield url


@pytest.fixture(scope="module")
def secure_node(server, test_settings, tmp_path_factory):
    with extra_node(server, test_settings.data_path, tmp_path_factory.mktemp("secure"),
                    session_cookie_secure="true", workers="1") as url:
        yield url


def test_forwarded_proto_from_trusted_proxy_sets_secure(admin, behind_proxy):
    user = create_user(admin)
    assert "secure" in _flags(_login(behind_proxy, user.keyname, **HTTPS))
    assert "secure" not in _flags(_login(behind_proxy, user.keyname,
                                         **{"X-Forwarded-Proto": "http"}))
    assert "secure" not in _flags(_login(behind_proxy, user.keyname))
    # Logout clears the cookie with the same attributes.
    session = login(behind_proxy, user.keyname, PASSWORD, **HTTPS)
    cleared = session.post(f"{AUTH}/logout", headers=HTTPS).headers["Set-Cookie"].lower()
    assert cleared.startswith("ngw_sid=") and "secure" in _flags(cleared)


def test_session_cookie_secure_setting(admin, secure_node):
    user = create_user(admin)
    assert "secure" in _flags(_login(secure_node, user.keyname))


# -- a password change ends the user's other sessions ------------------------------------------

def _alive(client: Client, user_id: int) -> bool:
    return client.ok("GET", f"{AUTH}/current_user")["id"] == user_id


def test_admin_password_change_ends_the_users_sessions(admin, server):
    user = create_user(admin)
    other = create_user(admin)
    first, second = (login(server.url, user.keyname, PASSWORD) for _ in range(2))
    bystander = login(server.url, other.keyname, PASSWORD)
    assert _alive(first, user.id) and _alive(second, user.id)
    admin.ok("PUT", f"{AUTH}/user/{user.id}", json={"password": "new-secret-2"})
    assert not _alive(first, user.id) and not _alive(second, user.id)
    assert _alive(bystander, other.id)
    # The new password works for a new session; the old one does not.
    assert _alive(login(server.url, user.keyname, "new-secret-2"), user.id)
    envelope(Client(server.url).post(f"{AUTH}/login",
                                     json={"login": user.keyname, "password": PASSWORD}),
             401, "InvalidCredentialsException")


def test_other_changes_keep_sessions(admin, server):
    user = create_user(admin)
    session = login(server.url, user.keyname, PASSWORD)
    admin.ok("PUT", f"{AUTH}/user/{user.id}", json={"description": "x", "password": True})
    assert _alive(session, user.id)


def test_removing_the_password_ends_sessions(admin, server):
    user = create_user(admin)
    session = login(server.url, user.keyname, PASSWORD)
    admin.ok("PUT", f"{AUTH}/user/{user.id}", json={"password": None})
    assert not _alive(session, user.id)


def test_own_password_change_keeps_the_current_session_only(admin, server):
    admins = system_ids(admin)["administrators"]
    user = create_user(admin, groups=[admins])
    current, other = (login(server.url, user.keyname, PASSWORD) for _ in range(2))
    current.ok("PUT", f"{AUTH}/user/{user.id}", json={"password": "mine-2"},
               headers={"Origin": server.url})
    assert _alive(current, user.id)
    assert not _alive(other, user.id)
    # The same change over Basic keeps no session at all: Basic has none.
    basic = Client(server.url, auth=(user.keyname, "mine-2"))
    basic.ok("PUT", f"{AUTH}/user/{user.id}", json={"password": "mine-3"})
    assert not _alive(current, user.id)


def test_client_address_is_the_last_untrusted_forwarded_for_hop(behind_proxy, server):
    """With 10.0.0.0/8 and 127.0.0.1 trusted, the client of "spoof, client, 10.x" is the
    client: the left-most entry is whatever the client itself sent."""
    client, spoof = f"198.51.100.{random.randrange(1, 255)}", "192.0.2.1"
    resp = requests.post(f"{behind_proxy}{AUTH}/login", timeout=60,
                         json={"login": unique("nobody"), "password": "x"},
                         headers={"X-Forwarded-For": f"{spoof}, {client}, 10.1.2.3"})
    envelope(resp, 401, "InvalidCredentialsException")
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            keys = set(conn.execute(text(
                "SELECT key FROM auth_throttle WHERE kind = 'address' "
                "AND key IN (:c, :s, '10.1.2.3')"), {"c": client, "s": spoof}).scalars())
    finally:
        engine.dispose()
    assert keys == {client}
