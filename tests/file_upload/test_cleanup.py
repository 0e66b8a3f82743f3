"""``featuresvc cleanup`` and the server's periodic cleanup: expired uploads, orphan files."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import requests

from ..conftest import ADMIN_PASSWORD, ROOT
from .conftest import extra_server, server_env
from .helpers import BASE, bucket_file, create_bucket, upload
from .test_tus_clients import AUTH

TUS = {"Tus-Resumable": "1.0.0"}
HOUR = 3600


def run_cleanup(test_settings, server, **settings: str) -> str:
    out = subprocess.run([sys.executable, "-m", "featuresvc.cli", "cleanup"], cwd=ROOT,
                         env=server_env(test_settings, server, **settings),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout


def orphan(directory, key: str, age: float):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / key
    path.write_bytes(b"orphan")
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_cli_removes_expired_uploads_and_orphans(server, admin, group, test_settings):
    files = test_settings.data_path / "files"
    stored = upload(admin, "keep.txt", b"kept")
    rid = create_bucket(admin, group, {"files": [stored]})["id"]
    finished = upload(admin, "old.txt", b"old")
    unfinished = admin.post(BASE, headers={**TUS, "Upload-Length": "10"}).headers["Location"]

    key_old, key_new = secrets.token_hex(16), secrets.token_hex(16)
    store_old = orphan(files / "store" / key_old[:2] / key_old[2:4], key_old, 25 * HOUR)
    store_new = orphan(files / "store" / key_new[:2] / key_new[2:4], key_new, 2 * HOUR)
    upload_old = orphan(files / "upload", secrets.token_hex(16), 2 * HOUR)

    # Nothing has expired with the default lifetime: only old orphans go.
    out = run_cleanup(test_settings, server)
    assert "orphan files:" in out and "orphan uploads:" in out, out
    assert not store_old.exists() and not upload_old.exists() and store_new.exists()
    assert admin.get(BASE + finished["id"]).status_code == 200

    out = run_cleanup(test_settings, server, upload_lifetime="0")
    assert "expired uploads:" in out
    assert admin.get(BASE + finished["id"]).status_code == 404
    assert admin.session.get(unfinished).status_code == 404
    late = admin.put(f"/api/resource/{rid}", json={"file_bucket": {"files": [finished]}})
    assert late.status_code == 422
    # Stored files are untouched, even though their upload expired.
    assert bucket_file(admin, rid, "keep.txt").content == b"kept"
    store_new.unlink()


def test_cleanup_spares_an_upload_being_written(server, admin, test_settings):
    url = admin.post(BASE, headers={**TUS, "Upload-Length": "1000"}).headers["Location"]
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        sock.sendall((f"PATCH {urlsplit(url).path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}"
                      f"\r\nAuthorization: {AUTH}\r\nTus-Resumable: 1.0.0\r\n"
                      f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                      f"Content-Length: 1000\r\n\r\n").encode() + b"x" * 10)
        time.sleep(0.5)  # the PATCH now holds the upload's lock, waiting for more bytes
        run_cleanup(test_settings, server, upload_lifetime="0")
        sock.sendall(b"y" * 990)
        assert sock.recv(1024).startswith(b"HTTP/1.1 204")
    finally:
        sock.close()
    meta = admin.session.get(url).json()
    assert meta["size"] == 1000


def test_server_runs_cleanup_periodically(server, test_settings, tmp_path):
    with extra_server(test_settings, server, tmp_path / "periodic.log", workers="2",
                      cleanup_interval="1", upload_lifetime="1") as url:
        session = requests.Session()
        session.auth = ("administrator", ADMIN_PASSWORD)
        resp = session.put(url + BASE, data=b"short-lived")
        assert resp.status_code == 201
        item = url + BASE + resp.json()["id"]
        deadline = time.monotonic() + 20
        while session.get(item).status_code != 404:
            assert time.monotonic() < deadline, "the periodic cleanup did not run"
            time.sleep(0.3)
