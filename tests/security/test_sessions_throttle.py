"""Brute force: failed logins (login route and Basic) are counted per login and per client
address in PostgreSQL, shared by every worker and node; past the limit the caller gets 429
with Retry-After until the window passes, even with the right password."""

from __future__ import annotations

import base64
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text

from ..principals import PASSWORD, create_user
from ..util import ROOT, unique
from .sessions_util import AUTH, envelope, extra_node

WINDOW = 30  # seconds: a test waits for a lock-out to pass, yet 40 failures fit in it
LOGIN_LIMIT, ADDRESS_LIMIT = 10, 50  # the defaults


@pytest.fixture(scope="module")
def node(server, test_settings, tmp_path_factory):
    """A node behind a trusted proxy: each test picks its own client address."""
    with extra_node(server, test_settings.data_path, tmp_path_factory.mktemp("throttle"),
                    trusted_proxies="127.0.0.1", login_throttle_window=str(WINDOW)) as url:
        yield url


@pytest.fixture(scope="module")
def db(server):
    engine = create_engine(server.database_url)
    yield engine
    engine.dispose()


def address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def via_login(url: str, login: str, password: str, addr: str) -> requests.Response:
    """Each call is a new connection, so the calls spread over the node's workers."""
    return requests.post(f"{url}{AUTH}/login", json={"login": login, "password": password},
                         headers={"X-Forwarded-For": f"203.0.113.9, {addr}"}, timeout=60)


def via_basic(url: str, login: str, password: str, addr: str) -> requests.Response:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    return requests.get(f"{url}{AUTH}/current_user", timeout=60, headers={
        "Authorization": f"Basic {token}", "X-Forwarded-For": addr})


def assert_locked(resp: requests.Response, name: str) -> int:
    body = envelope(resp, 429, "TooManyLoginAttempts")
    retry = int(resp.headers["Retry-After"])
    assert 1 <= retry <= WINDOW and body["data"]["retry_after"] == retry
    assert name.lower() in body["message"].lower() or "address" in body["message"]
    return retry


def test_login_route_locks_a_login(admin, node):
    user, addr = create_user(admin), address()
    # A success resets the login's counter: the earlier failures do not add up.
    for _ in range(LOGIN_LIMIT - 1):
        envelope(via_login(node, user.keyname, "wrong", addr), 401)
    assert via_login(node, user.keyname, PASSWORD, addr).status_code == 200
    for _ in range(LOGIN_LIMIT - 1):
        envelope(via_login(node, user.keyname.upper(), "wrong", addr), 401)
    assert_locked(via_login(node, user.keyname, "wrong", addr), user.keyname)
    # Locked: the right password, from any address, over Basic too, still gets 429.
    retry = assert_locked(via_login(node, user.keyname, PASSWORD, address()), user.keyname)
    assert_locked(via_basic(node, user.keyname, PASSWORD, address()), user.keyname)
    # Other logins from the same address are not affected.
    other = create_user(admin)
    assert via_login(node, other.keyname, PASSWORD, addr).status_code == 200
    time.sleep(retry + 0.5)
    assert via_login(node, user.keyname, PASSWORD, addr).status_code == 200


def test_basic_failures_lock_despite_cached_success(admin, node):
    user, addr = create_user(admin), address()
    for _ in range(9):  # the per-worker credential cache now holds the password everywhere
        assert via_basic(node, user.keyname, PASSWORD, addr).status_code == 200
    for _ in range(LOGIN_LIMIT - 1):
        envelope(via_basic(node, user.keyname, "wrong", addr), 401,
                 "InvalidCredentialsException")
    assert_locked(via_basic(node, user.keyname, "wrong", addr), user.keyname)
    for _ in range(6):  # every worker refuses, cached credentials or not
        assert_locked(via_basic(node, user.keyname, PASSWORD, addr), user.keyname)


def test_unknown_logins_are_throttled_alike(node):
    login, addr = unique("nobody"), address()
    for _ in range(LOGIN_LIMIT - 1):
        envelope(via_login(node, login, "x", addr), 401, "InvalidCredentialsException")
    assert_locked(via_login(node, login, "x", addr), login)


def test_address_limit_counts_concurrent_failures_exactly(admin, node, db):
    addr = address()
    logins = [unique("spray") for _ in range(ADDRESS_LIMIT - 10)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda lg: via_basic(node, lg, "x", addr).status_code, logins))
    assert statuses == [401] * len(logins)
    with db.connect() as conn:
        failures = conn.execute(text("SELECT failures FROM auth_throttle "
                                     "WHERE kind = 'address' AND key = :a"), {"a": addr}).scalar()
    assert failures == len(logins)  # no update lost between workers
    for _ in range(9):
        envelope(via_login(node, unique("spray"), "x", addr), 401)
    assert_locked(via_login(node, unique("spray"), "x", addr), addr)
    user = create_user(admin)
    assert_locked(via_login(node, user.keyname, PASSWORD, addr), addr)
    assert via_login(node, user.keyname, PASSWORD, address()).status_code == 200


def test_nodes_share_the_counter(admin, server, node):
    """Failures seen by another node (the shared test server) count on this one."""
    user = create_user(admin)
    for _ in range(LOGIN_LIMIT // 2):
        envelope(via_login(server.url, user.keyname, "wrong", address()), 401)
    for _ in range(LOGIN_LIMIT // 2 - 1):
        envelope(via_login(node, user.keyname, "wrong", address()), 401)
    assert_locked(via_login(node, user.keyname, "wrong", address()), user.keyname)


@pytest.fixture(scope="module")
def direct(server, test_settings, tmp_path_factory):
    """A node with no trusted proxy and a small address limit."""
    with extra_node(server, test_settings.data_path, tmp_path_factory.mktemp("direct"),
                    workers="1", login_throttle_window=str(WINDOW),
                    login_throttle_address_failures="3") as url:
        yield url


def test_forwarded_for_from_untrusted_peer_is_ignored(direct, db):
    forget = text("DELETE FROM auth_throttle WHERE kind = 'address' AND key = '127.0.0.1'")
    with db.begin() as conn:  # forget the failures other tests made from 127.0.0.1
        conn.execute(forget)
    try:
        for _ in range(2):
            envelope(via_login(direct, unique("nobody"), "x", address()), 401)
        assert_locked(via_login(direct, unique("nobody"), "x", address()), "address")
    finally:  # the lock holds on every node: lift it for the tests that follow
        with db.begin() as conn:
            conn.execute(forget)


def test_cleanup_forgets_ended_windows(server, test_settings, db):
    """``featuresvc cleanup`` drops rows whose window and lock have ended, keeps the rest."""
    ended, running = address(), address()
    with db.begin() as conn:
        conn.execute(text(
            "INSERT INTO auth_throttle (kind, key, failures, window_start, locked_until) VALUES "
            "('address', :a, 50, now() - interval '2 hours', now() - interval '1 hour'), "
            "('address', :b, 50, now() - interval '2 hours', now() + interval '1 hour')"),
            {"a": ended, "b": running})
    env = {**os.environ, "FEATURESVC_DATA_DIR": str(test_settings.data_path),
           "FEATURESVC_DATABASE_URL": server.database_url}
    env.pop("FEATURESVC_CONFIG", None)
    out = subprocess.run([sys.executable, "-m", "featuresvc.cli", "cleanup"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    assert "login throttle rows:" in out.stdout
    with db.connect() as conn:
        left = conn.execute(text("SELECT key FROM auth_throttle WHERE key IN (:a, :b)"),
                            {"a": ended, "b": running}).scalars().all()
    assert left == [running]
