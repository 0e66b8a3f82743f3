"""Gunicorn, embedded: several worker processes, each with its own app and engine."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from .config import Settings


class FeatureServer(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any] | None = None):
        self.settings = settings
        self.options = {
            "bind": f"{settings.host}:{settings.port}",
            "workers": settings.workers,
            "threads": settings.threads,
            "worker_class": "gthread",
            "timeout": settings.timeout,
            "graceful_timeout": 30,
            "control_socket_disable": True,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": settings.log_level.lower(),
            "post_worker_init": _post_worker_init,
            # X-Forwarded-Proto counts only from ``trusted_proxies`` (featuresvc.proxy);
            # gunicorn would otherwise believe it from any local peer.
            "secure_scheme_headers": {},
            **(options or {}),
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from .app import create_app

        return create_app(settings=self.settings)


def _post_worker_init(worker) -> None:
    """Per-worker set-up once the app is loaded: GDAL confined before any request can hand
    it a file, then background work (periodic cleanup)."""
    from . import db
    from .layer_import.gdal_guard import harden
    from .maintenance import start_periodic

    harden()
    app = worker.wsgi
    start_periodic(app.extensions[db.EXTENSION], app.config["FEATURESVC"])


def run(settings: Settings, options: dict[str, Any] | None = None) -> None:
    FeatureServer(settings, options).run()
