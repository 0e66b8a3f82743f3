"""Database engine (an app extension) and the per-request connection.

Each API request runs in one transaction: the route wrapper in :mod:`featuresvc.routing`
commits after the view succeeds and rolls back on any error, so nothing is half-written.

Side effects outside the database that must follow the transaction's fate (removing a stored
file whose row was deleted, removing a file written for a row that was rolled back) register
with :func:`after_commit` / :func:`after_rollback`; they run right after the request's
transaction ends that way and are dropped otherwise. They are best effort: a crash between
commit and callback leaves an orphan file, which ``featuresvc cleanup`` removes later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Connection, Engine, create_engine

from .config import Settings
from .pgcluster import PrivateCluster

EXTENSION = "featuresvc.db"
log = logging.getLogger("featuresvc")


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
    _run_hooks("_after_commit")


def rollback() -> None:
    conn = g.get("_db_conn")
    if conn is not None and conn.in_transaction():
        conn.rollback()
    _run_hooks("_after_rollback")


def _hooks(kind: str) -> list[Callable[[], None]] | None:
    if not has_app_context():
        return None
    if kind not in g:
        setattr(g, kind, [])
    return getattr(g, kind)


def after_commit(fn: Callable[[], None]) -> bool:
    """Run ``fn`` once the request's transaction commits (returns False outside a request:
    the caller then relies on ``featuresvc cleanup``)."""
    hooks = _hooks("_after_commit")
    if hooks is None:
        return False
    hooks.append(fn)
    return True


def after_rollback(fn: Callable[[], None]) -> bool:
    """Run ``fn`` if the request's transaction rolls back (or the request fails)."""
    hooks = _hooks("_after_rollback")
    if hooks is None:
        return False
    hooks.append(fn)
    return True


def _run_hooks(kind: str) -> None:
    """Run and clear ``kind`` hooks; the opposite list is dropped (the outcome is known)."""
    run = g.pop(kind, None) or []
    g.pop("_after_rollback" if kind == "_after_commit" else "_after_commit", None)
    for fn in run:
        try:
            fn()
        except Exception:  # noqa: BLE001 - the transaction's outcome stands; log and go on
            log.exception("transaction hook %r failed", fn)


def _close_connection(_exc: BaseException | None) -> None:
    conn = g.pop("_db_conn", None)
    if conn is not None:
        conn.close()
    # A request that ended without commit (e.g. a streaming response) behaves as rolled back.
    _run_hooks("_after_rollback")
