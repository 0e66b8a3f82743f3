"""Started as root, ``featuresvc serve`` runs its web workers as an unprivileged user that
owns the data directory (the cluster's files stay ``postgres``)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs to start the server as root")


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_status(int(entry.name))["PPid"]) == pid:
                    found.append(int(entry.name))
            except (OSError, KeyError):  # exited meanwhile
                continue
    return found


def test_workers_are_not_root(server, admin):
    workers = _children(server.process.pid)
    assert workers, "no worker processes found"
    for pid in workers:
        status = _status(pid)
        uids = {int(u) for u in status["Uid"].split()}
        gids = {int(g) for g in status["Gid"].split()}
        groups = {int(g) for g in status["Groups"].split()}
        assert 0 not in uids and 0 not in gids and 0 not in groups, status
        assert pwd.getpwuid(uids.pop()).pw_name == "featuresvc"
    # ... and they still serve, reading and writing the database and the data directory.
    admin.ok("GET", "/api/resource/0")


def test_data_directory_belongs_to_the_service_user(server, test_settings):
    data = test_settings.data_path
    user = pwd.getpwnam("featuresvc")
    assert data.stat().st_uid == user.pw_uid
    postgres = pwd.getpwnam("postgres").pw_uid
    assert (data / "pg").stat().st_uid == postgres
    run = data / "run"
    assert run.stat().st_uid == postgres and run.stat().st_gid == user.pw_gid
    assert run.stat().st_mode & 0o007 == 0  # nobody else reaches the cluster's socket
