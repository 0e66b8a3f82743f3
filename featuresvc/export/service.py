"""One layer export, shared by the HTTP routes and ``featuresvc export``: options in, files
in a directory out. Packaging (zip or bare file, HTTP response or a path) is the caller's."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable

from sqlalchemy import Connection

from ..feature_layer.model import Layer
from . import options as opts
from . import store, writer
from .options import ExportOptions

Progress = Callable[[int], None]


def layer_name(display_name: str, fmt_driver: str) -> str:
    """GeoPackage reserves ``gpkg*`` table names and dislikes leading punctuation (NGW)."""
    if fmt_driver == "GPKG" and (display_name[:1] in "`~!@#$%^&*()+-={}|[]\\:\";'<>?,./"
                                 or display_name.lower().startswith("gpkg")):
        return f"_{display_name}"
    return display_name


def count(conn: Connection, layer: Layer, options: ExportOptions) -> int:
    return store.count(conn, layer, options.query,
                       needs_geometry=options.format.needs_geometry)


def export_layer(conn: Connection, layer: Layer, options: ExportOptions, directory: str,
                 basename: str, name: str, progress: Progress | None = None) -> list[str]:
    """Write the layer's selected features into ``directory``; returns the files made."""
    fmt = options.format
    columns = opts.columns(layer, options)
    srs_id = options.srs_id if options.srs_id is not None else layer.srs_id
    crs = opts.srs_definition(conn, srs_id) if layer.has_geometry else None
    target = writer.Target(directory=directory, basename=basename,
                           layer_name=layer_name(name, fmt.driver), fmt=fmt, crs=crs,
                           encoding=options.encoding, fid=options.fid)
    plan = writer.Plan(layer, columns, target)
    stmt = store.select(layer, options.query, [c.field for c in columns], srs_id,
                        with_geom=layer.has_geometry, needs_geometry=fmt.needs_geometry)
    chunks = store.stream(conn, stmt, on_chunk=progress)
    return writer.write(plan, chunks, writer.geometry_type(layer))


def zip_files(files: list[str], path: str, base: str) -> str:
    """Zip ``files`` (names relative to ``base``) into ``path``, from disk, deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for file in files:
            archive.write(file, os.path.relpath(file, base))
    return path


def workdir() -> str:
    return tempfile.mkdtemp(prefix="featuresvc-export-")


def remove(directory: str) -> None:
    shutil.rmtree(directory, ignore_errors=True)
