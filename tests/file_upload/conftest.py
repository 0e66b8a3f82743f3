"""A second server instance with its own settings (for periodic cleanup)."""

from __future__ import annotations

import os
from contextlib import contextmanager

from ..conftest import ADMIN_PASSWORD
from ..util import running_server


def server_env(test_settings, server, **settings: str) -> dict[str, str]:
    env = {**os.environ, "FEATURESVC_DATA_DIR": str(test_settings.data_path),
           "FEATURESVC_DATABASE_URL": server.database_url,
           "FEATURESVC_ADMIN_PASSWORD": ADMIN_PASSWORD}
    env.pop("FEATURESVC_CONFIG", None)
    env.update({f"FEATURESVC_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def extra_server(test_settings, server, log_path, **settings: str):
    """``featuresvc serve`` on another port against the same database and data directory."""
    with running_server(server_env(test_settings, server, **settings), log_path) as (url, _, _):
        yield url
