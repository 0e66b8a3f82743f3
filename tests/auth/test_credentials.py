"""Authentication media (spec section 9): Basic, the ngw_sid session and bearer tokens."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from ..principals import PASSWORD, create_user, error, system_ids
from ..util import Client, unique

AUTH = "/api/component/auth"


def basic(login: str, password: str, encoding: str = "utf-8") -> dict:
    raw = f"{login}:{password}".encode(encoding)
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def whoami(client: Client, **kw) -> dict:
    return client.ok("GET", f"{AUTH}/current_user", **kw)


@pytest.fixture(scope="module")
def db(server):
    engine = create_engine(server.database_url)
    yield engine
    engine.dispose()


# -- Basic --------------------------------------------------------------------------------------

def test_basic_login_is_case_insensitive(admin, anon):
    user = create_user(admin, keyname=unique("MiXed"))
    for login in (user.keyname, user.keyname.upper(), user.keyname.lower()):
        me = whoami(anon, headers=basic(login, PASSWORD))
        assert (me["id"], me["keyname"], me["auth_medium"]) == (user.id, user.keyname, "basic")
        assert me["auth_provider"] == "local_pw"


def test_unicode_password(admin, anon):
    user = create_user(admin, password="пароль-ü-🔑")
    assert whoami(anon, headers=basic(user.keyname, "пароль-ü-🔑"))["id"] == user.id


@pytest.mark.parametrize("route", ["/api/component/pyramid/ping", f"{AUTH}/current_user",
                                   "/api/resource/0", "/api/resource/search/"])
def test_wrong_password(admin, anon, route):
    user = create_user(admin)
    resp = anon.get(route, headers=basic(user.keyname, "wrong"))
    body = error(resp, 401, "InvalidCredentialsException")
    assert body["message"]


def test_disabled_user(admin, anon):
    user = create_user(admin)
    admin.ok("PUT", f"{AUTH}/user/{user.id}", json={"disabled": True})
    error(user.client.get(f"{AUTH}/current_user"), 401, "InvalidCredentialsException")
    resp = anon.post(f"{AUTH}/login", json={"login": user.keyname, "password": PASSWORD})
    error(resp, 401, "InvalidCredentialsException")
    admin.ok("PUT", f"{AUTH}/user/{user.id}", json={"disabled": False})
    assert whoami(user.client)["id"] == user.id


@pytest.mark.parametrize("login", ["guest", "everyone", "authenticated", "owner", "GUEST"])
def test_system_users_cannot_log_in(anon, login):
    error(anon.get(f"{AUTH}/current_user", headers=basic(login, "")), 401,
          "InvalidCredentialsException")
    error(anon.post(f"{AUTH}/login", json={"login": login, "password": ""}), 401,
          "InvalidCredentialsException")


@pytest.mark.parametrize("header", [
    "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Basic",
    "Basic " + base64.b64encode("user:pässword".encode("latin-1")).decode(),
    "Digest username=x", "Negotiate abc",
])
def test_malformed_authorization(anon, header):
    resp = anon.get(f"{AUTH}/current_user", headers={"Authorization": header})
    error(resp, 400, "MalformedAuthorizationHeader")


def test_anonymous(admin, anon):
    guest = system_ids(admin)["guest"]
    assert whoami(anon) == {"id": guest, "keyname": "guest", "display_name": "Guest",
                            "language": "en", "auth_medium": None, "auth_provider": None}
    resp = anon.get(f"{AUTH}/current_user", params={"require_authenticated": "true"})
    error(resp, 401)
    assert whoami(admin, params={"require_authenticated": "yes"})["keyname"] == "administrator"
    body = error(anon.get(f"{AUTH}/current_user", params={"require_authenticated": "maybe"}), 422)
    assert body["data"]["location"] == ["query", "require_authenticated"]


# -- session ------------------------------------------------------------------------------------

def _session_client(server, resp) -> Client:
    assert resp.status_code == 200, resp.text
    cookie = resp.cookies.get("ngw_sid")
    assert cookie, resp.headers
    assert "httponly" in resp.headers["Set-Cookie"].lower()
    client = Client(server.url)
    client.session.cookies.set("ngw_sid", cookie)
    return client


def test_session_login_json(admin, anon, server, db):
    user = create_user(admin)
    resp = anon.post(f"{AUTH}/login", json={"login": user.keyname.upper(), "password": PASSWORD})
    assert resp.json() == {"id": user.id, "keyname": user.keyname,
                           "display_name": user.keyname, "home_url": None}
    client = _session_client(server, resp)
    me = whoami(client)
    assert (me["id"], me["auth_medium"], me["auth_provider"]) == (user.id, "session", "local_pw")
    sid = client.session.cookies["ngw_sid"]
    with db.connect() as conn:
        stored = conn.execute(text("SELECT id_hash FROM auth_session WHERE user_id = :u"),
                              {"u": user.id}).scalars().all()
    assert hashlib.sha256(sid.encode()).hexdigest() in stored and sid not in stored
    assert client.ok("POST", f"{AUTH}/logout") == {}
    # The old cookie no longer authenticates: the caller is a guest again.
    stale = Client(server.url)
    stale.session.cookies.set("ngw_sid", sid)
    assert whoami(stale)["keyname"] == "guest"


def test_session_login_form(admin, anon, server):
    user = create_user(admin)
    resp = anon.post(f"{AUTH}/login", data={"login": user.keyname, "password": PASSWORD})
    assert whoami(_session_client(server, resp))["id"] == user.id


def test_session_login_json_as_form(admin, anon, server):
    """GDAL style: a JSON body sent as application/x-www-form-urlencoded."""
    user = create_user(admin)
    body = f'{{"login": "{user.keyname}", "password": "{PASSWORD}"}}'
    resp = anon.post(f"{AUTH}/login", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert whoami(_session_client(server, resp))["id"] == user.id


def test_session_login_errors(admin, anon):
    user = create_user(admin)
    error(anon.post(f"{AUTH}/login", json={"login": user.keyname, "password": "bad"}), 401,
          "InvalidCredentialsException")
    error(anon.post(f"{AUTH}/login", json={"login": "nobody-" + unique(), "password": "x"}), 401,
          "InvalidCredentialsException")
    error(anon.post(f"{AUTH}/login", json={"login": user.keyname}), 422)
    error(anon.post(f"{AUTH}/login", data="{"), 400, "MalformedJSONBody")


def test_session_of_disabled_user_ends(admin, anon, server):
    user = create_user(admin)
    client = _session_client(server, anon.post(
        f"{AUTH}/login", json={"login": user.keyname, "password": PASSWORD}))
    admin.ok("PUT", f"{AUTH}/user/{user.id}", json={"disabled": True})
    assert whoami(client)["keyname"] == "guest"


# -- bearer tokens ------------------------------------------------------------------------------

def bearer(server, token: str) -> Client:
    return Client(server.url, headers={"Authorization": f"Bearer {token}"})


def test_token_lifecycle(admin, server, db):
    user = create_user(admin)
    created = user.client.ok("POST", f"{AUTH}/token/", 201, json={"description": "ci"})
    token = created["token"]
    assert created["prefix"] == token[:12] and created["description"] == "ci"
    assert created["expires"] is None and created["last_used"] is None
    me = whoami(bearer(server, token))
    assert (me["id"], me["auth_medium"], me["auth_provider"]) == (user.id, "bearer", None)
    listed = user.client.ok("GET", f"{AUTH}/token/")
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0] and listed[0]["last_used"] is not None
    with db.connect() as conn:
        row = conn.execute(text("SELECT * FROM auth_token WHERE id = :id"),
                           {"id": created["id"]}).mappings().one()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(value) for value in row.values())
    # Another user cannot revoke it, its owner can; a revoked token is refused.
    other = create_user(admin)
    error(other.client.delete(f"{AUTH}/token/{created['id']}"), 404)
    assert other.client.ok("GET", f"{AUTH}/token/") == []
    assert user.client.ok("DELETE", f"{AUTH}/token/{created['id']}") == {}
    error(bearer(server, token).get(f"{AUTH}/current_user"), 401, "InvalidCredentialsException")
    error(user.client.delete(f"{AUTH}/token/{created['id']}"), 404)


def test_expired_and_bad_tokens(admin, server):
    user = create_user(admin)
    past = (datetime.utcnow() - timedelta(minutes=1)).isoformat()
    future = (datetime.utcnow() + timedelta(days=1)).isoformat(timespec="seconds")
    expired = user.client.ok("POST", f"{AUTH}/token/", 201, json={"expires": past})["token"]
    error(bearer(server, expired).get(f"{AUTH}/current_user"), 401,
          "InvalidCredentialsException")
    valid = user.client.ok("POST", f"{AUTH}/token/", 201, json={"expires": future})
    assert valid["expires"] == future
    assert whoami(bearer(server, valid["token"]))["id"] == user.id
    for token in ("", "nope", valid["token"] + "x"):
        error(bearer(server, token).get(f"{AUTH}/current_user"), 401)
    error(user.client.post(f"{AUTH}/token/", json={"expires": "soon"}), 422)
    # A disabled user's token stops working.
    admin.ok("PUT", f"{AUTH}/user/{user.id}", json={"disabled": True})
    error(bearer(server, valid["token"]).get(f"{AUTH}/current_user"), 401)


def test_token_needs_authentication(anon):
    error(anon.post(f"{AUTH}/token/", json={}), 401)
    error(anon.get(f"{AUTH}/token/"), 401)


def test_token_use_never_waits_on_other_requests(admin, server, db):
    """Recording last_used must not serialise requests that share a token: a long request
    holding the token's row must not block the next one."""
    user = create_user(admin)
    created = user.client.ok("POST", f"{AUTH}/token/", 201, json={})
    with db.begin() as conn:
        conn.execute(text("SELECT 1 FROM auth_token WHERE id = :id FOR UPDATE"),
                     {"id": created["id"]})
        resp = bearer(server, created["token"]).get(f"{AUTH}/current_user", timeout=5)
        assert resp.status_code == 200 and resp.json()["id"] == user.id
