"""The private PostgreSQL + PostGIS cluster kept under the data directory.

It listens only on a unix socket in ``<data_dir>/run`` (mode 0700), so two instances with
different data directories never collide and nothing is reachable over TCP. PostgreSQL refuses
to run as root: when we are root, the cluster files belong to Debian's ``postgres`` user and
every server command runs as that user. The web workers then run as the unprivileged service
user (:mod:`featuresvc.runas`): the socket folder becomes ``postgres:<its group>`` mode 0750
and the socket 0770, so that group (and root) is the only other way in.
"""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Settings

SUPERUSER = "featuresvc"
DATABASE = "featuresvc"
RUN_AS_WHEN_ROOT = "postgres"


class ClusterError(RuntimeError):
    pass


@dataclass
class PrivateCluster:
    data_path: Path
    port: int
    bin_dir: Path
    #: Group allowed to connect besides the owner (the service user's; root only).
    socket_group: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> PrivateCluster:
        return cls(settings.data_path, settings.pg_port, Path(settings.pg_bin_dir),
                   settings.service_user)

    @property
    def pgdata(self) -> Path:
        return self.data_path / "pg"

    @property
    def socket_dir(self) -> Path:
        return self.data_path / "run"

    @property
    def logfile(self) -> Path:
        return self.data_path / "pg.log"

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    # -- running commands as the cluster owner -------------------------------------------

    @property
    def _owner(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(RUN_AS_WHEN_ROOT)
        except KeyError:
            raise ClusterError(
                "Running as root needs the unprivileged 'postgres' user to own the cluster; "
                "install the 'postgresql' package or run as a normal user."
            ) from None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._owner is not None:
            cmd = ["runuser", "-u", RUN_AS_WHEN_ROOT, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if check and proc.returncode != 0:
            raise ClusterError(f"{args[0]} failed: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc

    def _prepare_dirs(self) -> None:
        self.data_path.mkdir(parents=True, exist_ok=True)
        for path in (self.pgdata, self.socket_dir):
            path.mkdir(mode=0o700, exist_ok=True)
        self.logfile.touch(exist_ok=True)
        owner = self._owner
        if owner is None:
            return
        for path in (self.pgdata, self.socket_dir, self.logfile):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        # The postgres user must be able to reach the data dir: grant search (x) only.
        for parent in [self.data_path, *self.data_path.parents]:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def initialized(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> bool:
        """Create the cluster unless it exists; returns True when it was created."""
        if not (self.bin_dir / "initdb").exists():
            raise ClusterError(f"PostgreSQL server binaries not found in {self.bin_dir}.")
        self._prepare_dirs()
        if self.initialized:
            return False
        self._run(
            "initdb", "-D", str(self.pgdata), "-U", SUPERUSER, "--auth-local=trust",
            "--auth-host=reject", "--encoding=UTF8", "--locale=C.UTF-8",
        )
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write(
                "\n# featuresvc private cluster\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "unix_socket_permissions = 0700\n"
                "max_connections = 200\n"
                "shared_buffers = 256MB\n"
                "max_wal_size = 2GB\n"
            )
        return True

    def status(self) -> bool:
        if not self.initialized:
            return False
        return self._run("pg_ctl", "status", "-D", str(self.pgdata), check=False).returncode == 0

    def start(self) -> bool:
        """Start the cluster (initialising it first); returns True if it was not running."""
        self.init()
        self._prepare_dirs()
        if self.status():
            self.grant_socket()
            return False
        self._run(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.pgdata), "-l", str(self.logfile),
            "-o", f"-p {self.port}",
        )
        self._wait_ready()
        self.grant_socket()
        return True

    def grant_socket(self) -> None:
        """As root: let the service user's group reach the socket (PostgreSQL creates it
        0700 on every start; root may change it afterwards)."""
        owner = self._owner
        if owner is None or not self.socket_group:
            return
        try:
            gid = grp.getgrnam(self.socket_group).gr_gid
        except KeyError:  # not created yet: `serve` creates it before starting
            return
        os.chown(self.socket_dir, owner.pw_uid, gid)
        os.chmod(self.socket_dir, 0o750)
        socket = self.socket_dir / f".s.PGSQL.{self.port}"
        if socket.exists():
            os.chown(socket, owner.pw_uid, gid)
            os.chmod(socket, 0o770)

    def stop(self) -> bool:
        if not self.status():
            return False
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.pgdata))
        return True

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self._run(
                "pg_isready", "-h", str(self.socket_dir), "-p", str(self.port), check=False
            )
            if proc.returncode == 0:
                return
            time.sleep(0.2)
        raise ClusterError(f"PostgreSQL did not become ready; see {self.logfile}.")

    def ensure_database(self, name: str = DATABASE, *, recreate: bool = False) -> None:
        """Create the database with PostGIS (dropping it first when ``recreate``)."""
        import psycopg
        from psycopg import sql

        conninfo = f"host={self.socket_dir} port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone()
            if exists and recreate:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = None
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

