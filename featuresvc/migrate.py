"""Ordered plain-SQL migrations from ``sql/``, recorded in ``featuresvc_migration``.

Safe to run on every start and from several processes at once: an advisory lock serialises
runners, and each file is applied in its own transaction together with its record.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

LOCK_ID = 0x46535643  # "FSVC"


def migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "sql"


def pending(applied: set[str]) -> list[Path]:
    return [p for p in sorted(migrations_dir().glob("*.sql")) if p.name not in applied]


def upgrade(engine: Engine) -> list[str]:
    """Apply every migration not applied yet; returns the names applied now."""
    done: list[str] = []
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
        conn.execute(text(
            "CREATE TABLE IF NOT EXISTS featuresvc_migration ("
            " name text PRIMARY KEY,"
            " applied_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'))"
        ))
        applied = {r[0] for r in conn.execute(text("SELECT name FROM featuresvc_migration"))}
        for path in pending(applied):
            with conn.begin_nested():
                # Raw cursor, no parameters: psycopg then accepts several statements.
                conn.connection.cursor().execute(path.read_text())
                conn.execute(text("INSERT INTO featuresvc_migration (name) VALUES (:n)"),
                             {"n": path.name})
            done.append(path.name)
    return done
