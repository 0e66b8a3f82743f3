"""``featuresvc import PATH --parent ID``: a GIS file straight into a new vector layer.

No HTTP: the resource is created through the same service and section code as
``POST /api/resource/`` (so the same checks and the same loader), in one transaction, as the
given user (``administrator`` by default). Progress goes to stderr when it is a terminal;
the new resource id is the only thing printed on stdout.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import click

from ..config import Settings


@dataclass
class ProgressBar:
    """One line: features done, rate, time left (when the total is known)."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    width: int = 24
    started: float = field(default_factory=time.monotonic)
    shown: float = 0.0
    done: int = 0

    @property
    def enabled(self) -> bool:
        return self.stream.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        self.done = done
        now = time.monotonic()
        if not self.enabled or (now - self.shown < 0.2 and done != total):
            return
        self.shown = now
        self.stream.write("\r" + self.line(done, total, now - self.started))
        self.stream.flush()

    def line(self, done: int, total: int | None, elapsed: float) -> str:
        rate = done / elapsed if elapsed > 0 else 0.0
        text = f"{done:,} features  {rate:,.0f}/s"
        if total:
            filled = min(self.width, int(self.width * done / total))
            left = (total - done) / rate if rate > 0 else 0.0
            text = (f"[{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,} "
                    f"features  {rate:,.0f}/s  {_clock(left)} left")
        return text.ljust(78)

    def close(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def run(settings: Settings, path: str, *, parent: int, name: str | None, layer: str | None,
        srs: int | None, user: str) -> int:
    """Import and return the new resource id; ClickException (one line) on bad input."""
    from flask import g

    from .. import db
    from ..app import create_app
    from ..auth import store as auth_store
    from ..auth.identity import identity_for
    from ..errors import ServiceError
    from ..resource import service as resource_service
    from ..resource.access import resolver
    from ..resource.sections import Context
    from .gdal_guard import harden
    from .service import LocalSource

    if not Path(path).is_file():
        raise click.ClickException(f"{path}: no such file")
    harden()  # an uploaded file may be given to the CLI too
    app = create_app(settings=settings)
    bar = ProgressBar()
    started = time.monotonic()
    section: dict = {"source": LocalSource(str(Path(path).resolve()), progress=bar)}
    if layer is not None:
        section["source_layer"] = layer
    if srs is not None:
        section["srs"] = {"id": srs}
    body = {"resource": {"cls": "vector_layer", "parent": {"id": parent},
                         "display_name": name or Path(path).stem}, "vector_layer": section}
    with app.test_request_context("/"):
        try:
            conn = db.connection()
            row = auth_store.user_by_login(conn, user)
            if row is None:
                raise click.ClickException(f"user '{user}' not found")
            g.identity = identity_for(conn, row.id)
            ctx = Context(conn, g.identity, resolver())
            resource = resource_service.create(ctx, body)
            db.commit()
        except ServiceError as exc:
            db.rollback()
            bar.close()
            raise click.ClickException(f"{path}: {exc.message or exc.title}") from None
        except BaseException:
            db.rollback()
            bar.close()
            raise
    bar.close()
    elapsed = time.monotonic() - started
    rate = bar.done / elapsed if elapsed > 0 else 0.0
    click.echo(f"featuresvc: imported {bar.done:,} features from {path} into vector layer "
               f"{resource.id} in {elapsed:.1f} s ({rate:,.0f} features/s)", err=True)
    return resource.id
