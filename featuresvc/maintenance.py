"""Cleanup: expired uploads, upload files without a row, stored files without a row, ended
login-throttle windows.

Run by ``featuresvc cleanup`` and periodically by every server worker; a PostgreSQL advisory
lock lets only one process run it at a time (the others skip that round).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from sqlalchemy import Engine, text

from .config import Settings

log = logging.getLogger("featuresvc")
CLEANUP_LOCK_ID = 0x46535644  # migrations use 0x46535643


def cleanup(engine: Engine, settings: Settings) -> dict[str, int]:
    from .auth.store import throttle_sweep
    from .file_storage import sweep_orphans
    from .file_upload.service import sweep

    stats = sweep(engine, settings)
    stats["orphan_files"] = sweep_orphans(engine, settings)
    with engine.begin() as conn:
        stats["login_throttle_rows"] = throttle_sweep(conn, settings.login_throttle_window)
    return stats


def cleanup_locked(engine: Engine, settings: Settings, *,
                   wait: bool = False) -> dict[str, int] | None:
    """:func:`cleanup` under the advisory lock; if another process holds it, wait for it
    (``wait``) or skip this round (returns None)."""
    with engine.connect() as conn:
        if wait:
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": CLEANUP_LOCK_ID})
            locked = True
        else:
            locked = conn.execute(text("SELECT pg_try_advisory_lock(:id)"),
                                  {"id": CLEANUP_LOCK_ID}).scalar()
        conn.commit()
        if not locked:
            return None
        try:
            return cleanup(engine, settings)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": CLEANUP_LOCK_ID})
            conn.commit()


def _loop(engine: Engine, settings: Settings) -> None:
    interval = settings.cleanup_interval
    # Spread the workers' first runs; later ones follow the interval.
    time.sleep(random.uniform(0, min(interval, 60)))
    while True:
        try:
            stats = cleanup_locked(engine, settings)
            if stats and any(stats.values()):
                log.info("cleanup: %s", stats)
        except Exception:  # noqa: BLE001 - keep the thread alive; the next round retries
            log.exception("periodic cleanup failed")
        time.sleep(interval)


def start_periodic(engine: Engine, settings: Settings) -> threading.Thread | None:
    """Start the cleanup thread of this worker (a daemon: it dies with the worker)."""
    if settings.cleanup_interval <= 0:
        return None
    thread = threading.Thread(target=_loop, args=(engine, settings),
                              name="featuresvc-cleanup", daemon=True)
    thread.start()
    return thread


def format_stats(stats: dict[str, Any]) -> str:
    return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in stats.items())
