"""The ``featuresvc`` command."""

from __future__ import annotations

import dataclasses
import sys

import click

from .config import ConfigError, Settings, load_settings


@click.group()
@click.option("--config", "config_file", envvar="FEATURESVC_CONFIG", default=None,
              help="INI file (format of config.example.ini).")
@click.pass_context
def main(ctx: click.Context, config_file: str | None) -> None:
    """featuresvc: a NextGIS Web compatible feature service."""
    try:
        ctx.obj = load_settings(config_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _prepared_settings(settings: Settings, quiet: bool = False) -> Settings:
    from .bootstrap import prepare
    from .pgcluster import ClusterError

    try:
        url = prepare(settings, quiet=quiet)
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from None
    return dataclasses.replace(settings, database_url=url)


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--workers", type=int, default=None)
@click.option("--threads", type=int, default=None)
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None,
          threads: int | None) -> None:
    """Prepare the database and serve the API with gunicorn."""
    overrides = {k: v for k, v in {"host": host, "port": port, "workers": workers,
                                   "threads": threads}.items() if v is not None}
    settings = dataclasses.replace(settings, **overrides)
    user = _service_user(settings)
    runtime = _prepared_settings(settings)
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
    """Database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Start the private cluster if used, and apply pending migrations."""
    _prepared_settings(settings)
    click.echo("featuresvc: database is up to date")


@main.group()
def user() -> None:
    """Users."""


def _engine(settings: Settings):
    from .db import make_engine

    return make_engine(settings, _prepared_settings(settings, quiet=True).database_url)


@user.command("create")
@click.argument("login")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name", default=None)
@click.option("--admin", is_flag=True, help="Add to the administrators group.")
@click.pass_obj
def user_create(settings: Settings, login: str, password: str, display_name: str | None,
                admin: bool) -> None:
    from .auth import service, store
    from .errors import ServiceError

    engine = _engine(settings)
    try:
        with engine.begin() as conn:
            groups = [store.system_principals(conn)["administrators"]] if admin else []
            user_id = service.create_user(conn, {
                "keyname": login, "display_name": display_name or login,
                "password": password, "member_of": groups})
    except ServiceError as exc:
        raise click.ClickException(exc.message or exc.title) from None
    click.echo(f"created user '{login}' (id {user_id})")


@user.command("passwd")
@click.argument("login")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.pass_obj
def user_passwd(settings: Settings, login: str, password: str) -> None:
    from .auth import service
    from .errors import ServiceError

    try:
        with _engine(settings).begin() as conn:
            service.set_password(conn, login, password)
    except ServiceError as exc:
        raise click.ClickException(exc.message or exc.title) from None
    click.echo(f"password of '{login}' changed")


@user.command("list")
@click.pass_obj
def user_list(settings: Settings) -> None:
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
@click.option("--parent", type=int, required=True, help="Resource group to create the layer in.")
@click.option("--name", default=None, help="Display name (default: the file name).")
@click.option("--layer", default=None, help="Layer of a multi-layer file.")
@click.option("--srs", type=int, default=None, help="SRS id of the new layer (default 3857).")
@click.option("--user", default="administrator", show_default=True,
              help="Create the layer as this user (permissions are checked).")
@click.pass_obj
def import_(settings: Settings, path: str, parent: int, name: str | None, layer: str | None,
            srs: int | None, user: str) -> None:
    """Create a vector layer from a GIS file (GeoPackage, GeoJSON, zipped Shapefile, CSV,
    KML, GPX, ...), straight into the database; prints the new resource id."""
    from .layer_import.cli import run

    runtime = _prepared_settings(settings, quiet=True)
    click.echo(run(runtime, path, parent=parent, name=name, layer=layer, srs=srs, user=user))


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
    cluster = _cluster(settings)
    started = cluster.start()
    cluster.ensure_database()
    click.echo(f"PostgreSQL {'started' if started else 'already running'} "
               f"({cluster.pgdata}, socket {cluster.socket_dir}, port {cluster.port})")


@pg.command("stop")
@click.pass_obj
def pg_stop(settings: Settings) -> None:
    click.echo("PostgreSQL stopped" if _cluster(settings).stop() else "PostgreSQL not running")


@pg.command("status")
@click.pass_obj
def pg_status(settings: Settings) -> None:
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
