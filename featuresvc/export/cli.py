"""``featuresvc export ID --format F -o FILE``: the HTTP export's code, run directly against
the database (no HTTP, no permission checks: the operator's command), with a progress bar.

Filters are the HTTP API's query parameters, given as ``-p KEY=VALUE`` (``-p fld_n__gt=5
-p ilike=main``); ``--srs``, ``--fields``, ``--fid``, ``--display-name`` and ``--encoding``
are shortcuts for theirs. The main file is written to FILE; formats made of several files
(Shapefile, MapInfo) get their companions (.dbf, .shx, .prj, ...) beside it under FILE's
stem, while the optional companions of single-file formats (CSV's .csvt and .prj) are only
written with ``--sidecars``. ``--zip`` or a FILE ending in ``.zip`` writes a zip with all of
them instead. Without ``--srs`` the output keeps the layer's coordinate system, except for
formats that only hold WGS 84 (KML, KMZ, GPX).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click
from werkzeug.datastructures import MultiDict

from ..config import Settings
from ..progress import progress_bar


def format_name(value: str) -> str:
    """A format by its name in any case, or by its file extension (``gpkg``, ``shp``)."""
    from .formats import FORMATS

    wanted = value.strip().lower().lstrip(".")
    by_name = {name.lower(): name for name in FORMATS}
    by_ext: dict[str, str] = {}
    for fmt in FORMATS.values():
        by_ext.setdefault(fmt.extension, fmt.name)
    if wanted in by_name:
        return by_name[wanted]
    if wanted in by_ext:
        return by_ext[wanted]
    raise click.ClickException(f"unknown format '{value}' (-f); expected one of "
                               f"{', '.join(FORMATS)} (any case) or a file extension")


def _args(fmt: str, srs: int | None, fields: str | None, fid: str | None, display_name: bool,
          encoding: str | None, params: tuple[str, ...]) -> MultiDict:
    args = MultiDict()
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.ClickException(f"-p '{item}' is not KEY=VALUE")
        args.add(key, value)
    args["format"] = fmt
    for key, value in (("srs", srs), ("fields", fields), ("fid", fid), ("encoding", encoding)):
        if value is not None:
            args[key] = str(value)
    if display_name:
        args["display_name"] = "true"
    args["zipped"] = "false"
    return args


def _place(files: list[str], output: Path, zipped: bool, workdir: str,
           companions: bool) -> list[Path]:
    """A zip at ``output``, or the main file at ``output`` and its companions beside it."""
    from . import service

    if zipped:
        service.zip_files(files, str(output), workdir)
        return [output]
    placed = [output]
    shutil.move(files[0], output)
    for file in files[1:] if companions else []:
        dest = output.parent / os.path.basename(file)
        shutil.move(file, dest)
        placed.append(dest)
    return placed


@click.command("export")
@click.argument("resource_id", type=int)
@click.option("-f", "--format", "fmt", required=True, callback=lambda c, p, v: format_name(v),
              help="GPKG, GeoJSON, 'ESRI Shapefile', CSV, CSV_MSEXCEL, KML, KMZ, GPX, DXF, "
                   "'MapInfo File (TAB)', 'MapInfo File (MIF/MID)'; any case, or a file "
                   "extension (gpkg, shp, csv, ...).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (its folder is created; a name ending in .zip writes a zip).")
@click.option("--srs", type=int, default=None,
              help="Output SRS id (default: the layer's; KML, KMZ and GPX are always 4326).")
@click.option("--fields", default=None,
              help="Comma-separated keynames, in output order (default: all fields).")
@click.option("--fid", default=None,
              help="Add the feature id as a column of this name (default: none).")
@click.option("--display-name", is_flag=True,
              help="Field display names as column names (default: keynames).")
@click.option("--encoding", default=None,
              help="Shapefile / MapInfo encoding (default: UTF-8).")
@click.option("--zip", "zipped", is_flag=True, help="Write a zip archive with every file.")
@click.option("--sidecars", is_flag=True,
              help="Also write the optional companion files of single-file formats (CSV's "
                   ".csvt column types and .prj); default: only the file itself.")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Any export parameter or feature filter of the HTTP API "
                   "(fld_name__op=value, id, like, ilike, intersects, intersects_srs, "
                   "filter). Repeatable.")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress bar (it is only shown when stderr is a terminal).")
@click.pass_obj
def export_command(settings: Settings, resource_id: int, fmt: str, output: Path,
                   srs: int | None, fields: str | None, fid: str | None, display_name: bool,
                   encoding: str | None, zipped: bool, sidecars: bool,
                   params: tuple[str, ...], quiet: bool) -> None:
    """Export feature layer RESOURCE_ID to a GIS file."""
    from .. import components
    from ..cli import _engine
    from ..errors import ServiceError
    from ..feature_layer import layers
    from ..resource import store as resource_store
    from . import options as opts
    from . import service

    components.setup_components()
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
            if srs is None and layer.srs_id is not None \
                    and opts.parse_format(fmt).lonlat != "only":
                args["srs"] = str(layer.srs_id)
            options = opts.parse(conn, layer, args)
            total = service.count(conn, layer, options)
            stem = output.name[:-4] if zipped and output.suffix.lower() == ".zip" \
                else output.stem
            with progress_bar(total, f"export {resource_id}", quiet) as bar:
                files = service.export_layer(conn, layer, options, workdir, stem,
                                             res.display_name, progress=bar.update)
        output.parent.mkdir(parents=True, exist_ok=True)
        placed = _place(files, output, zipped, workdir,
                        companions=sidecars or not options.format.single_file)
    except ServiceError as exc:
        raise click.ClickException(exc.message or exc.title) from None
    finally:
        service.remove(workdir)
        engine.dispose()
    click.echo(f"featuresvc: exported {total} features of layer {resource_id} to "
               f"{', '.join(str(p) for p in placed)}")
