"""Web workers never run as root: started as root, ``featuresvc serve`` hands them to an
unprivileged system user that owns the data directory.

A worker parses user files with GDAL and stores uploads; as root a flaw there would own the
machine. The gunicorn master stays root only to bind the port and manage the workers. The
user (:data:`SERVICE_USER`, ``service_user`` setting) is created with ``useradd --system``
when missing. It owns everything under the data directory except the private cluster's part
(``pg/``, ``run/``, ``pg.log``, which stay ``postgres``); it reaches the cluster's socket
through the socket folder's group (see :meth:`PrivateCluster.grant_socket`). The folders
above the data directory, the interpreter and the code get search permission (x) so the
workers can reach them.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Kept by the private cluster's own user.
CLUSTER_PARTS = ("pg", "run", "pg.log")


class RunAsError(RuntimeError):
    pass


@dataclass(frozen=True)
class ServiceUser:
    name: str
    uid: int
    gid: int


def running_as_root() -> bool:
    return os.geteuid() == 0


def ensure_user(name: str) -> ServiceUser:
    """The system user (and its group), created when missing."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        proc = subprocess.run(
            [useradd, "--system", "--user-group", "--no-create-home", "--home-dir",
             "/nonexistent", "--shell", "/usr/sbin/nologin", name],
            capture_output=True, text=True)
        if proc.returncode != 0 and "already exists" not in proc.stderr:
            raise RunAsError(f"could not create the system user '{name}': "
                             f"{proc.stderr.strip()}") from None
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise RunAsError(f"the service user '{name}' must not be root or in group root.")
    grp.getgrgid(entry.pw_gid)
    return ServiceUser(name, entry.pw_uid, entry.pw_gid)


def own_data_dir(data_path: Path, user: ServiceUser) -> None:
    """Give the data directory (created if missing) to the service user, leaving the
    cluster's files to ``postgres``; only entries not already theirs are changed."""
    data_path.mkdir(parents=True, exist_ok=True)
    _chown(data_path, user)
    for child in data_path.iterdir():
        if child.name in CLUSTER_PARTS:
            continue
        _chown(child, user)
        if child.is_dir() and not child.is_symlink():
            for root, dirs, files in os.walk(child):
                for entry in dirs + files:
                    _chown(Path(root) / entry, user)
    grant_search(data_path)


def grant_search(*paths: Path) -> None:
    """Search (x, not read) on the parents of ``paths`` for everyone, as the cluster does
    for ``postgres``: the workers must reach the data directory, the interpreter (e.g. a
    pyenv under /root) and the code."""
    for path in paths:
        for parent in path.parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)


def code_paths() -> list[Path]:
    """Where the workers import from: the interpreter, the virtualenv, this package."""
    return [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
            Path(__file__).resolve().parent]


def _chown(path: Path, user: ServiceUser) -> None:
    st = path.lstat()
    if (st.st_uid, st.st_gid) != (user.uid, user.gid):
        os.chown(path, user.uid, user.gid, follow_symlinks=False)


def gunicorn_options(user: ServiceUser) -> dict:
    """Worker uid/gid. gunicorn's own ``initgroups`` forgets ``setgid`` (the worker would
    keep gid 0), so the groups are set in ``post_fork``, before gunicorn sets the uid."""

    def post_fork(server, worker) -> None:
        os.initgroups(user.name, user.gid)  # root's supplementary groups go
        os.setgid(user.gid)

    return {"user": user.uid, "group": user.gid, "post_fork": post_fork}
