"""Helpers of the sessions/cookies/proxy security tests: extra server nodes on the test
database (started with their own settings) and cookie-session clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..conftest import ADMIN_PASSWORD
from ..util import Client, running_server

AUTH = "/api/component/auth"


@contextmanager
def extra_node(server, data_dir: Path, log_dir: Path, **settings: str) -> Iterator[str]:
    """Another ``featuresvc serve`` on the same database (a second node of the cluster),
    with ``settings`` as FEATURESVC_* variables; yields its base URL."""
    env = {**os.environ, "FEATURESVC_DATA_DIR": str(data_dir),
           "FEATURESVC_DATABASE_URL": server.database_url,
           "FEATURESVC_ADMIN_PASSWORD": ADMIN_PASSWORD, "FEATURESVC_WORKERS": "3",
           "FEATURESVC_THREADS": "4", "FEATURESVC_CLEANUP_INTERVAL": "0"}
    env.pop("FEATURESVC_CONFIG", None)
    env.update({"FEATURESVC_" + k.upper(): v for k, v in settings.items()})
    with running_server(env, log_dir / "server.log") as (url, _port, _proc):
        yield url


def login(base_url: str, keyname: str, password: str, **headers: str) -> Client:
    """A client holding a fresh ``ngw_sid`` session cookie (and nothing else)."""
    client = Client(base_url)
    resp = client.post(f"{AUTH}/login", json={"login": keyname, "password": password},
                       headers=headers)
    assert resp.status_code == 200, resp.text
    assert client.session.cookies.get("ngw_sid")
    return client


def envelope(resp, status: int, exception: str | None = None) -> dict:
    """The NGW error envelope of ``resp``, checked for status and class name."""
    assert resp.status_code == status, f"{resp.status_code} {resp.text}"
    body = resp.json()
    assert body["status_code"] == status and body["message"], body
    if exception:
        assert body["exception"].rsplit(".", 1)[-1] == exception, body
    return body
