"""A second server instance with its own settings (for periodic cleanup)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import requests

from ..conftest import ADMIN_PASSWORD, ROOT, _free_port


def server_env(test_settings, server, **settings: str) -> dict[str, str]:
    env = {**os.environ, "FEATURESVC_DATA_DIR": str(test_settings.data_path),
           "FEATURESVC_DATABASE_URL": server.database_url,
           "FEATURESVC_ADMIN_PASSWORD": ADMIN_PASSWORD}
    env.pop("FEATURESVC_CONFIG", None)
    env.update({f"FEATURESVC_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def extra_server(test_settings, server, log_path, **settings: str):
    """``featuresvc serve`` on another port against the same database and data directory."""
    port = _free_port()
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "featuresvc.cli", "serve", "--port", str(port)],
            env=server_env(test_settings, server, **settings), stdout=out,
            stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/api/component/pyramid/ping", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
