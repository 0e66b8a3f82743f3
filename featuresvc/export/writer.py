"""Rows -> a GIS file, written by GDAL (pyogrio's bundled build) in one pass.

The rows arrive in chunks from a server-side cursor; each chunk becomes one Arrow record
batch, and GDAL pulls the batches one by one through an Arrow stream into a dataset it
opened once (``pyogrio.raw.write_arrow``). Memory therefore holds one chunk at a time,
whatever the number of features; the file grows on disk.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..feature_layer.model import Layer
from .formats import Format
from .options import Column

#: Arrow type (by name, pyarrow is imported lazily) of each datatype. TIME is text.
ARROW_TYPES = {"INTEGER": "int32", "BIGINT": "int64", "REAL": "float64", "STRING": "string",
               "DATE": "date32", "TIME": "string", "DATETIME": "timestamp[us]",
               "BOOLEAN": "bool"}
GEOMETRY_NAMES = {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon",
                  "MULTIPOINT": "MultiPoint", "MULTILINESTRING": "MultiLineString",
                  "MULTIPOLYGON": "MultiPolygon"}
#: Fields every GPX layer has (waypoints, routes, tracks); a layer field of the same name
#: cannot be added, so such columns get a suffix.
GPX_BUILTIN = ("ele", "time", "magvar", "geoidheight", "name", "cmt", "desc", "src",
               "link1_href", "link1_text", "link1_type", "link2_href", "link2_text",
               "link2_type", "sym", "type", "fix", "sat", "hdop", "vdop", "pdop",
               "ageofdgpsdata", "dgpsid", "number")
#: Name GDAL recognises as "use as feature id" when the layer has no FID column of its own.
ARROW_FID = "OGC_FID"


def unique_name(base: str, taken: Iterable[str]) -> str:
    used = {t.lower() for t in taken}
    name, n = base, 0
    while name.lower() in used:
        n += 1
        name = f"{base}_{n}"
    return name


def geometry_type(layer: Layer) -> str | None:
    if not layer.has_geometry:
        return None
    name = GEOMETRY_NAMES[layer.geometry_type.removesuffix("Z")]
    return f"{name} Z" if layer.has_z else name


@dataclass
class Target:
    """Where and how to write one layer."""

    directory: str
    basename: str  # file name without extension
    layer_name: str
    fmt: Format
    crs: str | None
    encoding: str
    fid: str | None  # an attribute column holding the feature id

    @property
    def path(self) -> str:
        ext = "kml" if self.fmt.kmz else self.fmt.extension
        return os.path.join(self.directory, f"{self.basename}.{ext}")


class Plan:
    """The Arrow schema and the per-row conversion for one export."""

    def __init__(self, layer: Layer, columns: list[Column], target: Target):
        import pyarrow as pa

        self.pa = pa
        self.target = target
        self.with_geom = layer.has_geometry
        fmt = target.fmt
        if fmt.driver == "GPX":
            columns = _rename(columns, GPX_BUILTIN)
        names = [c.name for c in columns] + ([target.fid] if target.fid else [])
        self.layer_options = dict(fmt.layer_options)
        self.fid_column: str | None = None
        if fmt.driver == "GPKG":
            self.fid_column = unique_name("fid", names)
            self.layer_options["FID"] = self.fid_column
            self.layer_options["GEOMETRY_NAME"] = unique_name("geom", names)
        elif fmt.fid_support:
            self.fid_column = ARROW_FID
        if fmt.driver == "CSV":
            self.layer_options["GEOMETRY_NAME"] = unique_name("GEOM", names)
        # pyogrio sets the Shapefile's ENCODING itself (from its ``encoding`` argument).
        self.encoding = target.encoding if fmt.driver == "ESRI Shapefile" else None
        if fmt.encoding_option and self.encoding is None:
            self.layer_options[fmt.encoding_option] = target.encoding
        fields: list[Any] = []
        if self.fid_column:
            fields.append(pa.field(self.fid_column, pa.int64()))
        self.geom_name = unique_name("wkb_geometry", [*names, self.fid_column or ""])
        if self.with_geom:
            fields.append(pa.field(self.geom_name, pa.binary(),
                                   metadata={b"ARROW:extension:name": b"ogc.wkb"}))
        fields += [pa.field(c.name, pa.type_for_alias(ARROW_TYPES[c.field.datatype]))
                   for c in columns]
        if target.fid:
            fields.append(pa.field(target.fid, pa.int32()))
        self.schema = pa.schema(fields)
        self.n_fields = len(columns)

    def batch(self, rows: list[Any]) -> Any:
        """One chunk of rows (id, [wkb], fields...) -> a record batch in schema order."""
        pa = self.pa
        cols = list(zip(*rows, strict=True)) if rows else [[]] * len(rows)
        ids = cols[0]
        arrays: list[Any] = []
        if self.fid_column:
            arrays.append(pa.array(ids, pa.int64()))
        start = 1
        if self.with_geom:
            arrays.append(pa.array(cols[1], pa.binary()))
            start = 2
        for index in range(self.n_fields):
            arrays.append(pa.array(cols[start + index],
                                   self.schema.field(len(arrays)).type))
        if self.target.fid:
            arrays.append(pa.array(ids, pa.int32()))
        return pa.record_batch(arrays, schema=self.schema)


def _rename(columns: list[Column], reserved: Iterable[str]) -> list[Column]:
    taken = [*reserved, *(c.name for c in columns)]
    result = []
    for column in columns:
        if column.name.lower() in reserved:
            column = Column(unique_name(column.name, taken), column.field)
            taken.append(column.name)
        result.append(column)
    return result


#: GDAL builds a GeoPackage's R-tree in memory (about 37 MB per million features) unless
#: this cap is reached, then it falls back to building it in SQLite (about 2x slower to
#: write). The cap keeps a large export inside the worker memory budget.
GPKG_RTREE_RAM = 16 << 20


def _configure_gdal() -> None:
    import pyogrio

    if pyogrio.get_gdal_config_option("OGR_GPKG_MAX_RAM_USAGE_RTREE") is None:
        pyogrio.set_gdal_config_options({"OGR_GPKG_MAX_RAM_USAGE_RTREE": str(GPKG_RTREE_RAM)})


def write(plan: Plan, chunks: Iterable[list[Any]], geometry: str | None) -> list[str]:
    """Write every chunk; returns the paths of the files made, the main one first (.shp,
    then .dbf, .prj...)."""
    from pyogrio import errors as ogr_errors
    from pyogrio.raw import write_arrow

    _configure_gdal()
    target = plan.target
    before = set(os.listdir(target.directory))
    batches: Iterator[Any] = (plan.batch(rows) for rows in chunks if rows)
    reader = plan.pa.RecordBatchReader.from_batches(plan.schema, batches)
    kwargs: dict[str, Any] = {}
    if plan.with_geom:
        kwargs.update(geometry_name=plan.geom_name, geometry_type=geometry, crs=target.crs)
    try:
        write_arrow(reader, target.path, layer=target.layer_name, driver=target.fmt.driver,
                    encoding=plan.encoding,
                    dataset_options=dict(target.fmt.dataset_options) or None,
                    layer_options=plan.layer_options, **kwargs)
    except (ogr_errors.DataSourceError, ogr_errors.DataLayerError, ogr_errors.FieldError,
            ogr_errors.FeatureError, ogr_errors.GeometryError, ogr_errors.CRSError) as exc:
        raise ValidationError(f"Export to {target.fmt.name} failed: {exc}".rstrip(". ")
                              + ".") from None
    if target.fmt.kmz:
        return [_pack_kmz(target)]
    made = sorted(set(os.listdir(target.directory)) - before)
    others = [os.path.join(target.directory, n) for n in made
              if os.path.join(target.directory, n) != target.path]
    return [target.path, *others]  # the main file first (.csv before its .csvt)


def _pack_kmz(target: Target) -> str:
    kml = target.path
    kmz = os.path.join(target.directory, f"{target.basename}.kmz")
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(kml, "doc.kml")
    os.unlink(kml)
    return kmz
