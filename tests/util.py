"""Helpers shared by the tests: an HTTP client and resource factories."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], log_path: Path, args: tuple[str, ...] = (),
                   timeout: float = 90) -> Iterator[tuple[str, int, subprocess.Popen]]:
    """``featuresvc serve`` on a free port with ``env``; yields (url, port, process) once it
    answers, and stops it afterwards. Startup failures show the server's log."""
    port = free_port()
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "featuresvc.cli", "serve", "--port", str(port), *args],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(url + "/api/component/pyramid/ping", timeout=5).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):  # workers still booting
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + Path(log_path).read_text())
            time.sleep(0.2)
        yield url, port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


class Client:
    """A thin HTTP client: ``api.get("/api/resource/0")`` returns a requests.Response."""

    def __init__(self, base_url: str, auth=None, headers=None):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers.update(headers or {})

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def ok(self, method: str, path: str, status: int = 200, **kw):
        """Request and assert the status; returns the decoded JSON body."""
        resp = self.request(method, path, **kw)
        assert resp.status_code == status, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json()


def unique(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"



def make_group(client: Client, parent: int, **resource) -> int:
    body = {"resource": {"cls": "resource_group", "parent": {"id": parent},
                         "display_name": unique("group"), **resource}}
    return client.ok("POST", "/api/resource/", 201, json=body)["id"]
