"""SQL of the system routes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection


def postgis_version(conn: Connection) -> str | None:
    """A query that needs both the database and PostGIS (the healthcheck's probe)."""
    return conn.execute(sa.select(sa.func.postgis_version())).scalar()
