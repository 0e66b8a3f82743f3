"""Test fixtures: one private PostGIS cluster per run and the real server over HTTP.

The cluster lives in ``.testdata/`` (override with FEATURESVC_TEST_DATA_DIR) and is reused by
later runs; the ``featuresvc_test`` database is recreated at the start of each run. The server
is ``featuresvc serve`` (gunicorn, several workers) on a free port, so tests exercise exactly
what users run.
"""

from __future__ import annotations

import os

import pytest

from featuresvc.bootstrap import prepare
from featuresvc.config import load_settings

from .util import ROOT, Client, free_port, make_group, running_server, unique

ADMIN_PASSWORD = "admin-test-pw"
DEFAULT_WORKERS = 3


@pytest.fixture(scope="session")
def test_settings():
    data_dir = os.environ.get("FEATURESVC_TEST_DATA_DIR", str(ROOT / ".testdata"))
    env = {"FEATURESVC_DATA_DIR": data_dir, "FEATURESVC_ADMIN_PASSWORD": ADMIN_PASSWORD}
    return load_settings(env=env)


@pytest.fixture(scope="session")
def database_url(test_settings) -> str:
    return prepare(test_settings, database="featuresvc_test", recreate=True, quiet=True)


@pytest.fixture(scope="session")
def server(test_settings, database_url, tmp_path_factory):
    env = {
        **os.environ,
        "FEATURESVC_DATA_DIR": str(test_settings.data_path),
        "FEATURESVC_DATABASE_URL": database_url,
        "FEATURESVC_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "FEATURESVC_WORKERS": str(DEFAULT_WORKERS),
        "FEATURESVC_THREADS": "4",
        # The access matrix and others use wrong credentials on purpose, all from 127.0.0.1:
        # the login throttle's defaults would lock them out. tests/security/ starts its own
        # nodes to test the throttle.
        "FEATURESVC_LOGIN_THROTTLE_LOGIN_FAILURES": "1000000",
        "FEATURESVC_LOGIN_THROTTLE_ADDRESS_FAILURES": "1000000",
    }
    env.pop("FEATURESVC_CONFIG", None)
    log = tmp_path_factory.mktemp("server") / "server.log"
    with running_server(env, log) as (url, port, proc):
        yield Server(url=url, port=port, process=proc, log=log, database_url=database_url)


class Server:
    def __init__(self, url, port, process, log, database_url):
        self.url, self.port, self.process, self.log = url, port, process, log
        self.database_url = database_url


@pytest.fixture(scope="session")
def admin(server) -> Client:
    return Client(server.url, auth=("administrator", ADMIN_PASSWORD))


@pytest.fixture(scope="session")
def anon(server) -> Client:
    return Client(server.url)


@pytest.fixture
def make_user(admin, server):
    """Create a user (optionally in groups); returns (id, Client authenticated as them)."""

    def factory(groups=(), password="pw-secret-1"):
        keyname = unique("user")
        uid = admin.ok("POST", "/api/component/auth/user/", 201, json={
            "keyname": keyname, "display_name": keyname, "password": password,
            "member_of": list(groups)})["id"]
        return uid, Client(server.url, auth=(keyname, password))

    return factory


@pytest.fixture
def group(admin):
    """A fresh resource group under the root, owned by the administrator."""
    return make_group(admin, 0)


_free_port = free_port  # older name, kept for test modules that import it
