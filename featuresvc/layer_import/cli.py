"""``featuresvc import PATH --parent ID``: a GIS file straight into a new vector layer.

No HTTP: the resource is created through the same service and section code as
``POST /api/resource/`` (so the same checks and the same loader), in one transaction, as the
given user (``administrator`` by default). Progress (tqdm) goes to stderr when it is a terminal;
the new resource id is the only thing printed on stdout.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from sqlalchemy import Engine

from ..config import Settings
from ..progress import progress_bar


class Progress:
    """The loader's progress callback (features done, total) driving the shared tqdm bar."""

    def __init__(self, desc: str, quiet: bool):
        self.bar = progress_bar(None, desc, quiet)
        self.done = 0

    def __call__(self, done: int, total: int | None) -> None:
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        self.bar.close()


def run(settings: Settings, path: str, *, parent: int, name: str | None, layer: str | None,
        srs: int | None, user: str, quiet: bool = False) -> int:
    """Import and return the new resource id; ClickException (one line) on bad input."""
    from .. import db
    from ..app import create_app
    from ..errors import ServiceError
    from .gdal_guard import harden
    from .service import LocalSource

    if not Path(path).is_file():
        raise click.ClickException(f"{path}: no such file")
    harden()  # an uploaded file may be given to the CLI too
    app = create_app(settings=settings)  # registers the resource classes, owns the engine
    bar = Progress(f"import {Path(path).name}", quiet)
    started = time.monotonic()
    section: dict = {"source": LocalSource(str(Path(path).resolve()), progress=bar)}
    if layer is not None:
        section["source_layer"] = layer
    if srs is not None:
        section["srs"] = {"id": srs}
    body = {"resource": {"cls": "vector_layer", "parent": {"id": parent},
                         "display_name": name or Path(path).stem}, "vector_layer": section}
    try:
        resource_id = _create(app.extensions[db.EXTENSION], settings, user, body)
    except ServiceError as exc:
        raise click.ClickException(f"{path}: {exc.message or exc.title}") from None
    finally:
        bar.close()
    elapsed = time.monotonic() - started
    rate = bar.done / elapsed if elapsed > 0 else 0.0
    click.echo(f"featuresvc: imported {bar.done:,} features from {path} into vector layer "
               f"{resource_id} in {elapsed:.1f} s ({rate:,.0f} features/s)", err=True)
    return resource_id


def _create(engine: Engine, settings: Settings, user: str, body: dict) -> int:
    """Create the resource as ``user`` in one transaction (rolled back on any error)."""
    from ..auth import store as auth_store
    from ..auth.identity import identity_for
    from ..resource import service as resource_service
    from ..resource.access import PermissionResolver
    from ..resource.sections import Context
    from ..scope import Scope, opened

    with engine.connect() as conn, conn.begin():
        row = auth_store.user_by_login(conn, user)
        if row is None:
            raise click.ClickException(f"user '{user}' not found")
        identity = identity_for(conn, row.id)
        ctx = Context(conn, identity, PermissionResolver(conn, identity), settings)
        with opened(Scope(settings, identity)):
            return resource_service.create(ctx, body).id
