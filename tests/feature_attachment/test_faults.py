"""Consistency under faults: a server worker killed (SIGKILL) in the middle of an attachment
POST or of a bulk import leaves no attachment row; the files it stored are orphans that
``featuresvc cleanup`` removes.

To stop a request at a known point, the test holds an uncommitted attachment row with the
keyname the request will insert: the worker stores its file(s), inserts the fileobj rows,
then waits on that row's lock at the attachment INSERT. That is where we kill it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import psycopg
import pytest

from ..conftest import ADMIN_PASSWORD
from ..file_upload.procs import worker_pids
from ..file_upload.test_cleanup import run_cleanup
from ..file_upload.test_tus_clients import AUTH
from ..util import Client
from .helpers import att_url, attach, query, upload
from .test_bulk import zip_of

DAY = 24 * 3600


def wait_for(predicate, timeout=20.0, step=0.05):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)
    return result


def stored_files(test_settings) -> set[Path]:
    root = test_settings.data_path / "files" / "store"
    return {p for p in root.glob("*/*/*") if p.is_file()}


def connection_owner(pids: list[int], server_port: int, client_port: int) -> int | None:
    """The worker holding the server side of the TCP connection from ``client_port``."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote = parts[1].split(":")[1], parts[2].split(":")[1]
        if int(local, 16) == server_port and int(remote, 16) == client_port:
            inode = parts[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def blocked_insert(server) -> bool:
    return bool(query(server, "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                      "AND query LIKE 'INSERT INTO feature_attachment %%'"))


class Blocker:
    """An open transaction holding an attachment row with ``keyname`` in ``layer``."""

    def __init__(self, server, layer: int, keyname: str):
        url = server.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.conn = psycopg.connect(url)
        fileobj = self.conn.execute("SELECT fileobj_id FROM feature_attachment "
                                    "WHERE resource_id = %s LIMIT 1", (layer,)).fetchone()[0]
        self.conn.execute("INSERT INTO feature_attachment (resource_id, feature_id, "
                          "fileobj_id, keyname, mime_type, size) VALUES (%s, 0, %s, %s, "
                          "'text/plain', 0)", (layer, fileobj, keyname))

    def release(self):
        self.conn.rollback()
        self.conn.close()


def send_and_kill(server, method: str, path: str, body: dict) -> None:
    """Send a request on a raw socket, wait until its worker blocks, SIGKILL that worker."""
    data = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        sock.sendall((f"{method} {path} HTTP/1.1\r\n"
                      f"Host: 127.0.0.1:{server.port}\r\nAuthorization: {AUTH}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
                      ).encode() + data)
        wait_for(lambda: blocked_insert(server))
        pid = wait_for(lambda: connection_owner(worker_pids(server.process.pid), server.port,
                                                sock.getsockname()[1]))
        os.kill(pid, signal.SIGKILL)
        assert sock.recv(1024) == b""  # the connection died with the worker, unanswered
    finally:
        sock.close()


def age(paths: set[Path]) -> None:
    old = time.time() - 2 * DAY
    for path in paths:
        os.utime(path, (old, old))


@pytest.fixture
def own_client(server):
    """Connections kept alive to a killed worker must not leak into the shared client."""
    return Client(server.url, auth=("administrator", ADMIN_PASSWORD))


def test_worker_killed_during_attachment_post(server, own_client, test_settings, layer, fid):
    admin = own_client
    first = attach(admin, layer, fid, b"kept", "kept.txt")
    meta = upload(admin, "photo.txt", b"never attached")
    before = stored_files(test_settings)
    blocker = Blocker(server, layer, "main")
    try:
        send_and_kill(server, "POST", att_url(layer, fid),
                      {"file_upload": meta, "keyname": "main", "name": "doomed.txt"})
    finally:
        blocker.release()
    # The killed request's backend finds its client gone and rolls back.
    wait_for(lambda: not blocked_insert(server))
    orphans = stored_files(test_settings) - before
    assert len(orphans) == 1  # the file was stored before the row would have been inserted
    keys = [p.name for p in orphans]
    assert query(server, "SELECT 1 FROM fileobj WHERE key = ANY(%s)", keys) == []
    assert [a["id"] for a in wait_for(lambda: _listing(admin, layer, fid))] == [first]

    age(orphans)
    out = run_cleanup(test_settings, server)
    assert "orphan files:" in out
    assert not any(p.exists() for p in orphans)
    assert admin.get(att_url(layer, fid, first, "/download")).content == b"kept"
    # The same upload can still be attached.
    aid = admin.ok("POST", att_url(layer, fid), json={"file_upload": meta, "keyname": "main"})
    assert admin.ok("GET", att_url(layer, fid, aid["id"]))["name"] == "photo.txt"


def test_worker_killed_during_import(server, own_client, test_settings, layer, fid):
    admin = own_client
    attach(admin, layer, fid, b"kept", "kept.txt")
    files = {f"{fid:010d}/f{i}.bin": os.urandom(200_000) for i in range(20)}
    items = {name: {"feature_id": fid, "name": name.rsplit("/", 1)[1]} for name in files}
    items[f"{fid:010d}/f7.bin"]["keyname"] = "main"
    archive = zip_of({**files, "metadata.json": json.dumps({"items": items}).encode()})
    meta = upload(admin, "big.zip", archive)
    before = stored_files(test_settings)
    blocker = Blocker(server, layer, "main")
    try:
        send_and_kill(server, "PUT", f"/api/resource/{layer}/feature_attachment/import",
                      {"source": meta})
    finally:
        blocker.release()
    wait_for(lambda: not blocked_insert(server))
    orphans = stored_files(test_settings) - before
    assert len(orphans) == 20
    assert [a["name"] for a in admin.ok("GET", att_url(layer, fid))] == ["kept.txt"]
    age(orphans)
    run_cleanup(test_settings, server)
    assert not any(p.exists() for p in orphans)
    result = admin.ok("PUT", f"/api/resource/{layer}/feature_attachment/import",
                      json={"source": meta})
    assert result == {"imported": 20, "skipped": 0}


def _listing(admin, layer, fid):
    try:
        return admin.ok("GET", att_url(layer, fid))
    except Exception:  # noqa: BLE001 - a kept-alive connection to the killed worker
        return None
