"""Opening GIS files with pyogrio (its bundled GDAL): which file, which driver, which layer.

Uploads are stored without a file name, and GDAL picks some drivers by extension (CSV) or
needs ``/vsizip/`` for archives, so a source is opened through a private temporary folder
holding a symbolic link named with the upload's extension (sniffed from the first bytes when
the name has none). A zip is looked into: its shapefile(s), else its single dataset file.

GDAL is confined (:mod:`.gdal_guard`): the driver it would pick is identified first and only
the drivers in ``READ_DRIVERS`` open a user file; archive members must stay inside the
archive. Everything GDAL reports as unreadable becomes a 422 saying which file and why,
with the upload's name in place of any server path.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyogrio
from pyogrio import errors as ogr_errors
from pyogrio import raw

from ..archive import check_path as check_zip_bounds
from . import gdal_guard
from .exceptions import SourceError

#: Single-file formats looked for inside a zip without shapefiles.
ZIP_MEMBERS = (".geojson", ".json", ".geojsonl", ".geojsons", ".gpkg", ".kml", ".gpx", ".csv",
               ".gml", ".fgb", ".xlsx", ".ods", ".mif", ".tab", ".dxf")
#: Formats that cannot carry a coordinate system: their coordinates are taken as WGS 84.
TABLE_DRIVERS = ("CSV", "XLSX", "ODS")
OPEN_OPTIONS = {
    "CSV": {"AUTODETECT_TYPE": "YES", "EMPTY_STRING_AS_NULL": "YES", "KEEP_GEOM_COLUMNS": "NO"},
    "XLSX": {"HEADERS": "FORCE"},
    "ODS": {"HEADERS": "FORCE"},
}
_EXT_DRIVER = {".csv": "CSV", ".tsv": "CSV", ".xlsx": "XLSX", ".ods": "ODS"}
SUPPORTED = ("GeoPackage, GeoJSON, GeoJSONSeq, zipped ESRI Shapefile, KML/KMZ, GPX, GML, "
             "CSV, XLSX and ODS (WKT or x/y columns), FlatGeobuf, MapInfo (TAB/MIF), DXF")
#: GDAL driver -> the name the 422 answer lists (``data.formats``).
FORMATS = {"GPKG": "GeoPackage", "GeoJSON": "GeoJSON", "GeoJSONSeq": "GeoJSONSeq",
           "ESRI Shapefile": "ESRI Shapefile (zipped)", "CSV": "CSV", "XLSX": "XLSX",
           "ODS": "ODS", "KML": "KML/KMZ", "LIBKML": "KML/KMZ", "GPX": "GPX", "GML": "GML",
           "MapInfo File": "MapInfo (TAB/MIF)", "FlatGeobuf": "FlatGeobuf", "DXF": "DXF"}
#: Anything that looks like an absolute path or a /vsi chain in a GDAL message.
_PATH = re.compile(r"(?<![\w.])(?:/vsi\w+/)?/[^\s'\",;:()]+")


def _refused(name: str, driver: str | None) -> SourceError:
    """422 for a file no allow-listed driver reads (or that GDAL read with another one)."""
    reason = f"GDAL's {driver} driver is not accepted" if driver else \
        "it is in no supported format"
    return SourceError(f"GDAL library failed to open the file '{name}': {reason}.",
                       detail=f"Supported: {SUPPORTED}.",
                       data={"formats": _formats()})


def _formats() -> list[str]:
    return sorted(set(FORMATS.values()))


@dataclass(frozen=True)
class SourceField:
    name: str
    ogr_type: str
    ogr_subtype: str


@dataclass(frozen=True)
class SourceLayer:
    """What GDAL says about one layer, before any data is read."""

    name: str
    driver: str
    crs: str | None
    #: pyogrio's geometry type ("Point", "MultiPolygon Z", "Unknown", ...) or None.
    geometry_type: str | None
    fields: tuple[SourceField, ...]
    feature_count: int

    @property
    def table_like(self) -> bool:
        return self.driver in TABLE_DRIVERS


def _sniff(path: str) -> str:
    """An extension for a file that came without one, from its first bytes."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return ".zip"
        if "xl/workbook.xml" in names:
            return ".xlsx"
        if "content.xml" in names and "mimetype" in names:
            return ".ods"
        if names and all(n.lower().endswith(".kml") or n.endswith("/") for n in names):
            return ".kmz"
        return ".zip"
    if head.startswith(b"SQLite format 3\x00"):
        return ".gpkg"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return ".geojson"
    if text[:1] == b"<":
        lower = text.lower()
        for tag, ext in ((b"<kml", ".kml"), (b"<gpx", ".gpx")):
            if tag in lower:
                return ext
        return ".gml"
    return ".csv"


def _extension(path: str, name: str | None) -> str:
    ext = Path(name).suffix.lower() if name else ""
    return ext if len(ext) > 1 and ext[1:].isalnum() else _sniff(path)


def _check_members(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse members GDAL could resolve outside the archive: absolute or ``..`` names,
    symbolic links."""
    for info in archive.infolist():
        parts = info.filename.replace("\\", "/").split("/")
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0] \
                or stat.S_ISLNK(info.external_attr >> 16):
            raise SourceError(f"The archive '{name}' holds a member outside itself or a "
                              "link; such archives are not accepted.",
                              data={"member": info.filename[:200]})


def _zip_target(path: str, name: str) -> str:
    """The GDAL path of the dataset inside a zip (spec 2.2: a zipped shapefile)."""
    check_zip_bounds(path, ["body", "vector_layer", "source"])  # bounds, before GDAL reads
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(archive, name)
            names = [n for n in archive.namelist()
                     if not n.endswith("/") and not n.startswith("__MACOSX/")]
    except zipfile.BadZipFile:
        raise SourceError("The file is not a valid ZIP archive.") from None
    shapefiles = [n for n in names if n.lower().endswith(".shp")]
    if len(shapefiles) == 1:
        return f"/vsizip/{path}/{shapefiles[0]}"
    if shapefiles:
        folders = {os.path.dirname(n) for n in shapefiles}
        if len(folders) > 1:
            raise SourceError("The ZIP archive holds shapefiles in several folders; put "
                              "them in one folder.")
        folder = folders.pop()
        return f"/vsizip/{path}/{folder}" if folder else f"/vsizip/{path}"
    others = [n for n in names if Path(n).suffix.lower() in ZIP_MEMBERS]
    if len(others) == 1:
        return f"/vsizip/{path}/{others[0]}"
    if others:
        raise SourceError("The ZIP archive holds several data files and no shapefile; zip "
                          "one dataset per archive.")
    raise SourceError("The ZIP archive contains no shapefile (.shp) or other supported "
                      "data file.", detail=f"Supported: {SUPPORTED}.")


class Dataset:
    """An opened source file; use :func:`open_dataset`."""

    def __init__(self, gdal_path: str, driver: str, driver_hint: str | None, name: str):
        self.path = gdal_path
        #: The driver identified before opening; GDAL must report the same one.
        self.driver = driver
        self.driver_hint = driver_hint
        self.name = name
        self.open_options = OPEN_OPTIONS.get(driver_hint or "", {})

    def _error(self, exc: Exception, what: str | None = None) -> SourceError:
        """GDAL's reason, with the upload's name wherever GDAL names a server path."""
        what = what or f"GDAL library failed to open the file '{self.name}'"
        reason = str(exc).split(";")[0].strip() or type(exc).__name__
        reason = _PATH.sub("\0", reason.replace(self.path, "\0")).replace("\0", self.name)
        return SourceError(f"{what}: {reason}", detail=f"Supported: {SUPPORTED}.",
                           data={"formats": _formats()})

    def as_text(self) -> None:
        """CSV cells as the text they are (import sessions validate them themselves)."""
        if self.driver_hint == "CSV":
            self.open_options = {"EMPTY_STRING_AS_NULL": "YES"}

    def layer_names(self) -> list[str]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                layers = pyogrio.list_layers(self.path)
        except (ogr_errors.DataSourceError, ogr_errors.DataLayerError, OSError) as exc:
            raise self._error(exc) from None
        return [str(row[0]) for row in layers]

    def layer(self, name: str, *, count: bool = False) -> SourceLayer:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                info = pyogrio.read_info(self.path, layer=name, force_feature_count=count,
                                         **self.open_options)
        except (ogr_errors.DataSourceError, ogr_errors.DataLayerError) as exc:
            raise self._error(exc, f"Layer '{name}' could not be read") from None
        if info.get("driver") != self.driver:
            raise _refused(self.name, info.get("driver"))
        fields = tuple(SourceField(str(n), t, s) for n, t, s in zip(
            info["fields"], info["ogr_types"], info["ogr_subtypes"], strict=True))
        return SourceLayer(name=name, driver=info.get("driver") or "", crs=info["crs"],
                           geometry_type=info["geometry_type"], fields=fields,
                           feature_count=int(info["features"]))

    def pick_layer(self, wanted: str | None) -> SourceLayer:
        """The layer to load: ``source_layer``, or the only (non-empty) one."""
        names = self.layer_names()
        if wanted is not None:
            if wanted not in names:
                raise SourceError(f"Layer '{wanted}' not found in the dataset; it has: "
                                  f"{', '.join(names) or 'no layers'}.",
                                  data={"layers": names})
            return self.layer(wanted)
        if not names:
            raise SourceError("Dataset doesn't contain layers.")
        if len(names) == 1:
            return self.layer(names[0])
        # GPX always has five layers: one with features among empty ones is unambiguous.
        filled = [info for info in (self.layer(n, count=True) for n in names)
                  if info.feature_count > 0]
        if len(filled) == 1:
            return filled[0]
        raise SourceError("Dataset contains more than one layer.",
                          detail=f"Choose one with 'source_layer': {', '.join(names)}.",
                          data={"layers": names})

    @contextmanager
    def batches(self, layer: SourceLayer, *, columns: list[str] | None = None,
                geometry: bool = True, batch_size: int = 20000) -> Iterator[tuple[dict, Any]]:
        """(meta, pyarrow RecordBatchReader) over the layer; datetimes come as strings so
        their wall-clock value survives whatever time zone GDAL attaches."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with raw.open_arrow(self.path, layer=layer.name, columns=columns,
                                    read_geometry=geometry, batch_size=batch_size,
                                    use_pyarrow=True, datetime_as_string=True,
                                    **self.open_options) as (meta, reader):
                    yield meta, reader
        except (ogr_errors.DataSourceError, ogr_errors.DataLayerError,
                ogr_errors.FieldError) as exc:
            raise self._error(exc, f"Layer '{layer.name}' could not be read") from None


@contextmanager
def open_dataset(path: str, name: str | None = None) -> Iterator[Dataset]:
    """Open a local file; ``name`` is the client's file name (its extension helps GDAL)."""
    if not os.path.isfile(path):
        raise SourceError(f"File '{name or path}' not found.")
    gdal_guard.harden()
    ext = _extension(path, name)
    shown = name or "source" + ext
    if zipfile.is_zipfile(path):  # also XLSX, ODS, KMZ: GDAL reads them via /vsizip/
        try:
            with zipfile.ZipFile(path) as archive:
                _check_members(archive, shown)
        except zipfile.BadZipFile:
            pass  # _zip_target or GDAL says so
    tmp = tempfile.mkdtemp(prefix="featuresvc-import-")
    try:
        # GDAL names single-file layers after the file: keep the client's name.
        stem = re.sub(r"[^\w.-]", "_", Path(name).stem)[:100] if name else ""
        link = os.path.join(tmp, (stem or "source") + ext)
        os.symlink(os.path.abspath(path), link)
        if ext == ".zip":
            gdal_path = _zip_target(link, shown)
            hint = _EXT_DRIVER.get(Path(gdal_path).suffix.lower())
        else:
            gdal_path, hint = link, _EXT_DRIVER.get(ext)
        driver = gdal_guard.identify(gdal_path)
        if driver not in gdal_guard.READ_DRIVERS:
            raise _refused(shown, driver)
        yield Dataset(gdal_path, driver, hint, shown)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
