"""Getting a database ready: private cluster, PostGIS database, migrations, administrator."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from . import migrate
from .auth import service as auth_service
from .auth import store as auth_store
from .config import Settings
from .db import make_engine
from .pgcluster import DATABASE, ClusterError, PrivateCluster

ADMIN_LOGIN = "administrator"
PASSWORD_FILE = "admin_password"


def ensure_database(settings: Settings, database: str = DATABASE, *,
                    recreate: bool = False) -> str | None:
    """Start the private cluster and create the database when no URL is configured.

    Returns the database URL to use (None means ``settings.database_url``).
    """
    if not settings.uses_private_cluster:
        return None
    cluster = PrivateCluster.from_settings(settings)
    if cluster.start():
        print(f"featuresvc: started PostgreSQL in {cluster.pgdata} (socket {cluster.socket_dir})")
    cluster.ensure_database(database, recreate=recreate)
    return cluster.url(database)


def ensure_admin_password(engine: Engine, settings: Settings) -> str | None:
    """Give ``administrator`` its initial password; returns it when it was generated now."""
    with engine.begin() as conn:
        row = auth_store.user_by_login(conn, ADMIN_LOGIN)
        if row is None or row.password_hash:
            return None
        password = settings.admin_password
        generated = not password
        if generated:
            password = auth_service.generate_password()
            path = Path(settings.data_path) / PASSWORD_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(password + "\n")
            os.chmod(path, 0o600)
        auth_service.set_password(conn, ADMIN_LOGIN, password)
    return password if generated else None


def _ensure_postgis(engine: Engine) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except DBAPIError as exc:
        if "postgis" in str(exc.orig).lower() and "control file" in str(exc.orig).lower():
            raise ClusterError(
                "PostGIS is not installed for this PostgreSQL; install it with "
                "'apt-get install postgresql-15-postgis-3' (./run.sh does that).") from None
        raise


def prepare(settings: Settings, *, database: str = DATABASE, recreate: bool = False,
            quiet: bool = False) -> str:
    """Everything before serving; returns the database URL. Safe to run on every start."""
    url = ensure_database(settings, database, recreate=recreate) or settings.database_url
    engine = make_engine(settings, url)
    try:
        _ensure_postgis(engine)
        applied = migrate.upgrade(engine)
        if applied and not quiet:
            print(f"featuresvc: applied migrations {', '.join(applied)}")
        generated = ensure_admin_password(engine, settings)
        if generated and not quiet:
            print(f"featuresvc: generated password for '{ADMIN_LOGIN}': {generated}\n"
                  f"featuresvc: (stored in {settings.data_path / PASSWORD_FILE}, mode 0600)")
    finally:
        engine.dispose()
    return url
