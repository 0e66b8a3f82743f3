"""Database engine (an app extension) and the per-request connection.

Each API request runs in one transaction: the route wrapper in :mod:`featuresvc.api`
commits after the view succeeds and rolls back on any error, so nothing is half-written.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine

from .config import Settings
from .pgcluster import PrivateCluster

EXTENSION = "featuresvc.db"


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return PrivateCluster.from_settings(settings).url()


def make_engine(settings: Settings, url: str | None = None) -> Engine:
    return create_engine(
        url or database_url(settings),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
    )


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION] = make_engine(settings)
    app.teardown_appcontext(_close_connection)


def engine() -> Engine:
    return current_app.extensions[EXTENSION]


def connection() -> Connection:
    """The request's connection, inside its transaction (opened on first use)."""
    conn = g.get("_db_conn")
    if conn is None:
        conn = engine().connect()
        conn.begin()
        g._db_conn = conn
    return conn


def commit() -> None:
    conn = g.get("_db_conn")
    if conn is not None and conn.in_transaction():
        conn.commit()


def rollback() -> None:
    conn = g.get("_db_conn")
    if conn is not None and conn.in_transaction():
        conn.rollback()


def _close_connection(_exc: BaseException | None) -> None:
    conn = g.pop("_db_conn", None)
    if conn is not None:
        conn.close()
