"""The ``featuresvc`` command.

Every failure is one line on stderr (exit 1), with the message the HTTP API would give;
``FEATURESVC_DEBUG=1`` shows the traceback of an unexpected error instead.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import socket
import sys
from typing import Any

import click

from . import instance
from .config import ConfigError, Settings, load_settings


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Commands(click.Group):
    """Turns every error below into one line instead of a traceback or a usage block."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "featuresvc"
            click.echo(f"Error: {_one_line(exc.format_message())} (see '{where} --help')",
                       err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import ServiceError

        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ServiceError as exc:
            raise click.ClickException(_one_line(exc.message or exc.title)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:
            if os.environ.get("FEATURESVC_DEBUG"):
                raise
            from sqlalchemy.exc import DBAPIError

            reason = str(exc.orig).splitlines()[0] if isinstance(exc, DBAPIError) \
                else str(exc).splitlines()[0] if str(exc) else ""
            raise click.ClickException(_one_line(
                f"unexpected error ({type(exc).__name__}): {reason} "
                "(FEATURESVC_DEBUG=1 shows the traceback)")) from None


@click.group(cls=_Commands)
@click.option("--config", "config_file", envvar="FEATURESVC_CONFIG", default=None,
              metavar="FILE",
              help="INI file (format of config.example.ini). Default: FEATURESVC_CONFIG, "
                   "else FEATURESVC_DATA_DIR, else a featuresvc.ini or data/ instance found "
                   "in the current directory or its parents, else the checkout's data/.")
@click.pass_context
def main(ctx: click.Context, config_file: str | None) -> None:
    """featuresvc: a NextGIS Web compatible feature service."""
    try:
        found = instance.locate(config_file)
        overrides = {"data_dir": found.data_dir} if found.data_dir else None
        ctx.obj = load_settings(found.config_file or config_file, overrides=overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _prepared_settings(settings: Settings, quiet: bool = False, *,
                       create: bool = False) -> Settings:
    """Start the instance's database and bring it up to date. Only ``serve`` and ``pg
    start`` may create a private cluster; the other commands need an existing one."""
    from .bootstrap import prepare
    from .pgcluster import ClusterError, PrivateCluster

    if not create and settings.uses_private_cluster \
            and not PrivateCluster.from_settings(settings).initialized:
        root = click.get_current_context().find_root()
        if instance.explicit(root.params.get("config_file"), os.environ):
            raise click.ClickException(
                f"no featuresvc instance in {settings.data_path} (no cluster in its pg/); "
                "run 'featuresvc serve' with this data directory first")
        raise click.ClickException(instance.not_found_message())
    try:
        url = prepare(settings, quiet=quiet)
    except ClusterError as exc:
        raise click.ClickException(_one_line(str(exc))) from None
    return dataclasses.replace(settings, database_url=url)


def _check_port_free(host: str, port: int) -> None:
    """One clear line instead of gunicorn retrying the bind and logging each failure."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise click.ClickException(f"port {port} is in use on {host}") from None
            raise click.ClickException(f"cannot listen on {host}:{port}: "
                                       f"{exc.strerror}") from None


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: the 'host' "
              "setting, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: the 'port' "
              "setting, 8080).")
@click.option("--workers", type=int, default=None, help="Gunicorn worker processes "
              "(default: the 'workers' setting, 4).")
@click.option("--threads", type=int, default=None, help="Threads per worker (default: the "
              "'threads' setting, 4).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None,
          threads: int | None) -> None:
    """Prepare the database (creating the private cluster on first use) and serve the API
    with gunicorn."""
    overrides = {k: v for k, v in {"host": host, "port": port, "workers": workers,
                                   "threads": threads}.items() if v is not None}
    settings = dataclasses.replace(settings, **overrides)
    _check_port_free(settings.host, settings.port)
    user = _service_user(settings)
    runtime = _prepared_settings(settings, create=True)
    options = _hand_over(settings, user)
    from .server import run

    click.echo(f"featuresvc: serving http://{settings.host}:{settings.port}/api/ "
               f"({settings.workers} workers x {settings.threads} threads)")
    run(runtime, options)


def _service_user(settings: Settings):
    """As root: the workers' system user, created if missing (before the cluster starts, so
    its socket can be granted to that user's group); None otherwise."""
    from . import runas

    if not runas.running_as_root():
        return None
    try:
        return runas.ensure_user(settings.service_user)
    except runas.RunAsError as exc:
        raise click.ClickException(str(exc)) from None


def _hand_over(settings: Settings, user) -> dict:
    """The data directory becomes the service user's; the gunicorn options that switch the
    workers to it."""
    from . import runas

    if user is None:
        return {}
    try:
        runas.own_data_dir(settings.data_path, user)
        runas.grant_search(*runas.code_paths())
    except OSError as exc:
        raise click.ClickException(f"cannot give {settings.data_path} to '{user.name}': "
                                   f"{exc.strerror}") from None
    click.echo(f"featuresvc: started as root; the workers run as '{user.name}'", err=True)
    return runas.gunicorn_options(user)


@main.group()
def db() -> None:
    """Database schema (of an existing instance)."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Start the private cluster if used, and apply pending migrations."""
    _prepared_settings(settings)
    click.echo("featuresvc: database is up to date")


@main.group()
def user() -> None:
    """Users of the instance."""


def _engine(settings: Settings):
    from .db import make_engine

    return make_engine(settings, _prepared_settings(settings, quiet=True).database_url)


def _user_body(login: str, password: str, display_name: str | None) -> dict:
    """The body the HTTP API would get, checked by its schema (same rules, same messages)."""
    from .auth.schema import UserWrite
    from .http import load

    return load(UserWrite(), {"keyname": login, "display_name": display_name or login,
                              "password": password})


@user.command("create")
@click.argument("login")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The password (asked for when not given).")
@click.option("--display-name", default=None, help="Display name (default: the login).")
@click.option("--admin", is_flag=True, help="Add to the administrators group.")
@click.pass_obj
def user_create(settings: Settings, login: str, password: str, display_name: str | None,
                admin: bool) -> None:
    """Add a user named LOGIN."""
    from .auth import service, store

    body = _user_body(login, password, display_name)
    engine = _engine(settings)
    with engine.begin() as conn:
        groups = [store.system_principals(conn)["administrators"]] if admin else []
        user_id = service.create_user(conn, {**body, "member_of": groups})
    click.echo(f"created user '{login}' (id {user_id})")


@user.command("passwd")
@click.argument("login")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The new password (asked for when not given).")
@click.pass_obj
def user_passwd(settings: Settings, login: str, password: str) -> None:
    """Set the password of user LOGIN."""
    from .auth import service

    with _engine(settings).begin() as conn:
        service.set_password(conn, login, password)
    click.echo(f"password of '{login}' changed")


@user.command("list")
@click.pass_obj
def user_list(settings: Settings) -> None:
    """List users: id, login, display name and flags."""
    from .auth import store

    with _engine(settings).connect() as conn:
        admins = store.system_principals(conn)["administrators"]
        for row in store.list_principals(conn, "U"):
            flags = [f for f, on in (("system", row.system), ("disabled", row.disabled),
                                     ("admin", admins in row.member_of)) if on]
            click.echo(f"{row.id:>5}  {row.keyname:<24} {row.display_name:<24} "
                       f"{','.join(flags)}")


@main.command()
@click.pass_obj
def cleanup(settings: Settings) -> None:
    """Remove expired uploads and stored files no database row refers to."""
    from .maintenance import cleanup_locked, format_stats

    engine = _engine(settings)
    try:
        stats = cleanup_locked(engine, settings, wait=True)
    finally:
        engine.dispose()
    click.echo(f"featuresvc: cleanup done ({format_stats(stats)})")


@main.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--parent", type=int, required=True,
              help="Id of the resource group to create the layer in (0: the root).")
@click.option("--name", default=None, help="Display name (default: the file name).")
@click.option("--layer", default=None,
              help="Layer of a multi-layer file (default: its only non-empty layer).")
@click.option("--srs", type=int, default=None, help="SRS id of the new layer (default 3857).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress bar (it is only shown when stderr is a terminal).")
@click.option("--user", default="administrator", show_default=True,
              help="Create the layer as this user (permissions are checked).")
@click.pass_obj
def import_(settings: Settings, path: str, parent: int, name: str | None, layer: str | None,
            srs: int | None, user: str, quiet: bool) -> None:
    """Create a vector layer from a GIS file (GeoPackage, GeoJSON, zipped Shapefile, CSV,
    KML, GPX, ...), straight into the database; prints the new resource id."""
    from .layer_import.cli import run

    runtime = _prepared_settings(settings, quiet=True)
    click.echo(run(runtime, path, parent=parent, name=name, layer=layer, srs=srs, user=user,
                   quiet=quiet))


@main.group()
def pg() -> None:
    """The private PostgreSQL cluster in the data directory."""


def _cluster(settings: Settings):
    from .pgcluster import PrivateCluster

    if not settings.uses_private_cluster:
        raise click.ClickException("database_url is set: no private cluster is used.")
    return PrivateCluster.from_settings(settings)


@pg.command("start")
@click.pass_obj
def pg_start(settings: Settings) -> None:
    """Start the private cluster (creating it in the data directory on first use)."""
    cluster = _cluster(settings)
    started = cluster.start()
    cluster.ensure_database()
    click.echo(f"PostgreSQL {'started' if started else 'already running'} "
               f"({cluster.pgdata}, socket {cluster.socket_dir}, port {cluster.port})")


@pg.command("stop")
@click.pass_obj
def pg_stop(settings: Settings) -> None:
    """Stop the private cluster."""
    click.echo("PostgreSQL stopped" if _cluster(settings).stop() else "PostgreSQL not running")


@pg.command("status")
@click.pass_obj
def pg_status(settings: Settings) -> None:
    """Say whether the private cluster runs (exit status 3 when it does not)."""
    cluster = _cluster(settings)
    running = cluster.status()
    click.echo(f"PostgreSQL {'running' if running else 'not running'} ({cluster.pgdata})")
    sys.exit(0 if running else 3)


def _register_commands() -> None:
    from .export.cli import export_command

    main.add_command(export_command)


_register_commands()

if __name__ == "__main__":
    main()
