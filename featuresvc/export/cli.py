"""``featuresvc export ID --format F -o FILE``: the HTTP export's code, run directly against
the database (no HTTP, no permission checks: the operator's command), with a progress bar.

Filters are the HTTP API's query parameters, given as ``-p KEY=VALUE`` (``-p fld_n__gt=5
-p ilike=main``); ``--srs``, ``--fields``, ``--fid``, ``--display-name`` and ``--encoding``
are shortcuts for theirs. The main file is written to FILE, companion files (.dbf, .prj,
.csvt...) beside it under FILE's stem; ``--zip`` or a FILE ending in ``.zip`` writes a zip
instead.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click
from werkzeug.datastructures import MultiDict

from ..config import Settings


def _args(fmt: str, srs: int | None, fields: str | None, fid: str | None, display_name: bool,
          encoding: str | None, params: tuple[str, ...]) -> MultiDict:
    args = MultiDict()
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{item}' is not KEY=VALUE.", param_hint="--param")
        args.add(key, value)
    args["format"] = fmt
    for key, value in (("srs", srs), ("fields", fields), ("fid", fid), ("encoding", encoding)):
        if value is not None:
            args[key] = str(value)
    if display_name:
        args["display_name"] = "true"
    args["zipped"] = "false"
    return args


def _place(files: list[str], output: Path, zipped: bool, workdir: str) -> list[Path]:
    """A zip at ``output``, or the main file at ``output`` and its companions beside it."""
    from . import service

    if zipped:
        service.zip_files(files, str(output), workdir)
        return [output]
    placed = [output]
    shutil.move(files[0], output)
    for file in files[1:]:
        dest = output.parent / os.path.basename(file)
        shutil.move(file, dest)
        placed.append(dest)
    return placed


@click.command("export")
@click.argument("resource_id", type=int)
@click.option("-f", "--format", "fmt", required=True, help="GPKG, GeoJSON, 'ESRI Shapefile', "
              "CSV, CSV_MSEXCEL, KML, KMZ, GPX, DXF, 'MapInfo File (TAB)', "
              "'MapInfo File (MIF/MID)'.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--srs", type=int, default=None, help="Output SRS id (default: the layer's).")
@click.option("--fields", default=None, help="Comma-separated keynames, in output order.")
@click.option("--fid", default=None, help="Add the feature id as a column of this name.")
@click.option("--display-name", is_flag=True, help="Field display names as column names.")
@click.option("--encoding", default=None, help="Shapefile / MapInfo encoding (UTF-8).")
@click.option("--zip", "zipped", is_flag=True, help="Write a zip archive.")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Any export parameter or feature filter of the HTTP API "
                   "(fld_name__op=value, id, like, ilike, intersects, intersects_srs, "
                   "filter). Repeatable.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def export_command(settings: Settings, resource_id: int, fmt: str, output: Path,
                   srs: int | None, fields: str | None, fid: str | None, display_name: bool,
                   encoding: str | None, zipped: bool, params: tuple[str, ...],
                   quiet: bool) -> None:
    """Export feature layer RESOURCE_ID to a GIS file."""
    from tqdm import tqdm

    from .. import registry
    from ..cli import _engine
    from ..errors import ServiceError
    from ..feature_layer import layers
    from ..resource import store as resource_store
    from . import options as opts
    from . import service

    registry.blueprints()  # registers the layer providers
    args = _args(fmt, srs, fields, fid, display_name, encoding, params)
    zipped = zipped or output.suffix.lower() == ".zip"
    engine = _engine(settings)
    workdir = service.workdir()
    try:
        with engine.connect() as conn, conn.begin():
            res = resource_store.get(conn, resource_id)
            if res is None or not layers.provides(res.cls):
                raise click.ClickException(f"Resource {resource_id} is not a feature layer.")
            layer = layers.load(conn, resource_id, res.cls)
            options = opts.parse(conn, layer, args)
            total = service.count(conn, layer, options)
            stem = output.name[:-4] if zipped and output.suffix.lower() == ".zip" \
                else output.stem
            with tqdm(total=total, unit=" features", unit_scale=True, file=sys.stderr,
                      disable=quiet, desc=f"export {resource_id}") as bar:
                files = service.export_layer(conn, layer, options, workdir, stem,
                                             res.display_name, progress=bar.update)
        output.parent.mkdir(parents=True, exist_ok=True)
        placed = _place(files, output, zipped, workdir)
    except ServiceError as exc:
        raise click.ClickException(exc.message or exc.title) from None
    finally:
        service.remove(workdir)
        engine.dispose()
    click.echo(f"featuresvc: exported {total} features of layer {resource_id} to "
               f"{', '.join(str(p) for p in placed)}")
