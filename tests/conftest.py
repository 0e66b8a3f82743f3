"""Test fixtures: one private PostGIS cluster per run and the real server over HTTP.

The cluster lives in ``.testdata/`` (override with FEATURESVC_TEST_DATA_DIR) and is reused by
later runs; the ``featuresvc_test`` database is recreated at the start of each run. The server
is ``featuresvc serve`` (gunicorn, several workers) on a free port, so tests exercise exactly
what users run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from featuresvc.bootstrap import prepare
from featuresvc.config import load_settings

from .util import Client, make_group, unique

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "admin-test-pw"
DEFAULT_WORKERS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    port = _free_port()
    env = {
        **os.environ,
        "FEATURESVC_DATA_DIR": str(test_settings.data_path),
        "FEATURESVC_DATABASE_URL": database_url,
        "FEATURESVC_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "FEATURESVC_WORKERS": str(DEFAULT_WORKERS),
        "FEATURESVC_THREADS": "4",
    }
    env.pop("FEATURESVC_CONFIG", None)
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "featuresvc.cli", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url + "/api/component/pyramid/ping", timeout=2).ok:
                break
        except (requests.ConnectionError, requests.Timeout):  # workers still booting
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("server did not start:\n" + log.read_text())
        time.sleep(0.2)
    yield Server(url=url, port=port, process=proc, log=log, database_url=database_url)
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


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
