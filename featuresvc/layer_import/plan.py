"""What a source layer becomes: geometry source and type, fields, feature id source.

The layer's geometry type is the declared one when it is trusted and fits the cast options;
otherwise (shapefiles, KML, GeoJSON with mixed parts, WKT columns) the data is scanned like
NGW's explorer does: the family of the geometries found, multi if any is multi, Z if any
has Z. The feature id field (``fid_source``) is checked in the same pass: integer, unique,
never empty, within int32.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import shapely

from ..feature_layer.model import BASE_TYPES, FORBIDDEN_KEYNAMES
from . import geoms as geom_io
from .columns import datatype_of
from .exceptions import ImportError_, SourceError
from .options import ImportOptions
from .source import Dataset, SourceLayer

ALL_TYPES = frozenset({*BASE_TYPES, *(t + "Z" for t in BASE_TYPES)})
WKT_NAMES = ("wkt", "wkt_geom", "geom", "geometry", "the_geom", "shape")
X_NAMES = ("x", "lon", "lng", "long", "longitude")
Y_NAMES = ("y", "lat", "latitude")
Z_NAMES = ("z", "alt", "altitude", "elevation")
INT32 = (-(2**31), 2**31 - 1)
WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class GeometrySource:
    """Where geometries come from: the file's geometry ("source"), a WKT column, x/y(/z)
    columns, or nowhere ("none"); ``crs`` is the definition the coordinates are in."""

    kind: str
    crs: str | None = None
    column: str | None = None
    x: str | None = None
    y: str | None = None
    z: str | None = None

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.column, self.x, self.y, self.z) if c]


@dataclass(frozen=True)
class FieldSpec:
    source: str
    keyname: str
    datatype: str


@dataclass(frozen=True)
class Plan:
    layer: SourceLayer
    geometry: GeometrySource
    geometry_type: str
    fields: tuple[FieldSpec, ...]
    fid_field: str | None


def _pick(names: dict[str, str], candidates: tuple[str, ...]) -> str | None:
    return next((names[c] for c in candidates if c in names), None)


def geometry_source(layer: SourceLayer) -> GeometrySource:
    """The file's own geometry, else (tables) WKT or x/y columns found by name."""
    if layer.geometry_type is not None:
        crs = layer.crs or (WGS84 if layer.table_like else None)
        return GeometrySource("source", crs=crs)
    if not layer.table_like:
        return GeometrySource("none")
    names = {f.name.lower(): f.name for f in layer.fields}
    text = {f.name.lower(): f.name for f in layer.fields if f.ogr_type == "OFTString"}
    wkt = _pick(text, WKT_NAMES)
    if wkt is not None:
        return GeometrySource("wkt", crs=WGS84, column=wkt)
    x, y = _pick(names, X_NAMES), _pick(names, Y_NAMES)
    if x and y:
        return GeometrySource("xy", crs=WGS84, x=x, y=y, z=_pick(names, Z_NAMES))
    return GeometrySource("none")


def batch_geometries(batch: pa.RecordBatch, meta: dict, gsrc: GeometrySource,
                     fix: bool) -> tuple[np.ndarray, dict[int, str]]:
    """The geometries of one batch, whatever their source."""
    if gsrc.kind == "source":
        name = meta.get("geometry_name") or "wkb_geometry"
        column = batch.column(name) if name in batch.schema.names else batch.column(
            batch.num_columns - 1)
        return geom_io.from_wkb(column, fix)
    if gsrc.kind == "wkt":
        values = batch.column(gsrc.column).to_pylist()
        return geom_io.from_wkt(np.array([v if v and v.strip() else None for v in values],
                                         dtype=object), fix)
    x, bad_x = geom_io.to_floats(batch.column(gsrc.x))
    y, bad_y = geom_io.to_floats(batch.column(gsrc.y))
    z, bad_z = geom_io.to_floats(batch.column(gsrc.z)) if gsrc.z else (None, False)
    return geom_io.points_from_xy(x, y, z, bad_x | bad_y | bad_z)


# -- geometry type --------------------------------------------------------------------------

def _family(family: str) -> set[str]:
    return {family, "MULTI" + family, family + "Z", "MULTI" + family + "Z"}


def _declared(layer: SourceLayer) -> str | None:
    """The layer's declared type in our terms, if it can be trusted (not for shapefiles:
    their polygon layers hold multipolygons too)."""
    if layer.driver == "ESRI Shapefile" or layer.geometry_type is None:
        return None
    name = layer.geometry_type.upper().replace(" ", "")
    name = name[:-1] if name.endswith("M") and not name.endswith("ZM") else name
    name = name.replace("ZM", "Z")
    return name if name in ALL_TYPES else None


def _initial_filter(options: ImportOptions) -> set[str]:
    types = set(ALL_TYPES)
    if options.cast_geometry_type:
        types &= _family(options.cast_geometry_type)
    if options.cast_is_multi is not None:
        types = {t for t in types if t.startswith("MULTI") == options.cast_is_multi}
    if options.cast_has_z is not None:
        types = {t for t in types if t.endswith("Z") == options.cast_has_z}
    return types


class _Explorer:
    """NGW's GeomTypeExplorer, a batch at a time."""

    def __init__(self, types: set[str], options: ImportOptions):
        self.types = types
        self.options = options
        self.seen_multi = False
        self.seen_z = False

    def feed(self, geoms: np.ndarray) -> bool:
        geoms = geoms[~shapely.is_missing(geoms)]
        ids = shapely.get_type_id(geoms)
        collections = np.flatnonzero(ids == 7)
        if collections.size:  # a one-member collection counts as its member
            ones = collections[shapely.get_num_geometries(geoms[collections]) == 1]
            geoms, ids = geoms.copy(), ids.copy()
            geoms[ones] = shapely.get_geometry(geoms[ones], 0)
            ids[ones] = shapely.get_type_id(geoms[ones])
        known = np.isin(ids, list(geom_io.FAMILY))
        geoms, ids = geoms[known], ids[known]
        families = {geom_io.FAMILY[int(i)] for i in np.unique(ids)}
        if self.options.cast_geometry_type is None:
            for family in families:
                self.types &= _family(family)
        else:
            keep = np.array([geom_io.FAMILY[int(i)] == self.options.cast_geometry_type
                             for i in ids], dtype=bool)
            geoms, ids = geoms[keep], ids[keep]
        if self.options.cast_is_multi is None and np.isin(ids, geom_io.MULTI_IDS).any():
            self.types = {t for t in self.types if t.startswith("MULTI")}
            self.seen_multi = True
        if self.options.cast_has_z is None and shapely.has_z(geoms).any():
            self.types = {t for t in self.types if t.endswith("Z")}
            self.seen_z = True
        return len(self.types) <= 1

    def result(self) -> str | None:
        types = self.types
        if self.options.cast_is_multi is None and not self.seen_multi:
            types = {t for t in types if not t.startswith("MULTI")}
        if self.options.cast_has_z is None and not self.seen_z:
            types = {t for t in types if not t.endswith("Z")}
        return next(iter(types)) if len(types) == 1 else None


# -- the plan --------------------------------------------------------------------------------

def _unique(name: str, taken: set[str]) -> str:
    name = name.strip() or "fld_1"
    if name not in taken and name.lower() not in FORBIDDEN_KEYNAMES:
        return name
    n = 1
    while f"{name}_{n}" in taken:
        n += 1
    return f"{name}_{n}"


def _fields(layer: SourceLayer, gsrc: GeometrySource, fid: str | None,
            options: ImportOptions) -> tuple[FieldSpec, ...]:
    specs: list[FieldSpec] = []
    taken: set[str] = set()
    for fld in layer.fields:
        if fld.name == fid or fld.name == gsrc.column:
            continue
        datatype = datatype_of(fld.ogr_type, fld.ogr_subtype)
        if datatype is None:
            if options.fix_errors == "LOSSY":
                continue
            raise ImportError_(f"Unsupported field type {fld.ogr_type} of field "
                               f"'{fld.name}' (use fix_errors=LOSSY to leave it out).")
        keyname = _unique(fld.name, taken)
        taken.add(keyname)
        specs.append(FieldSpec(fld.name, keyname, datatype))
    return tuple(specs)


def _fid_candidate(layer: SourceLayer, options: ImportOptions) -> tuple[str | None, bool]:
    """(integer field named by fid_field, whether any named field exists)."""
    if options.fid_source == "SEQUENCE":
        return None, False
    by_name = {f.name: f for f in layer.fields}
    found = False
    for name in options.fid_field:
        fld = by_name.get(name)
        if fld is None:
            continue
        found = True
        if fld.ogr_type in ("OFTInteger", "OFTInteger64") and fld.ogr_subtype != "OFSTBoolean":
            return fld.name, True
    return None, found


class _FidCheck:
    def __init__(self, name: str):
        self.name = name
        self.values: list[np.ndarray] = []
        self.problem: str | None = None

    def feed(self, column: pa.Array) -> None:
        if self.problem:
            return
        if column.null_count:
            self.problem = f"Field '{self.name}' contains non-unique or empty values."
            return
        values = column.to_numpy(zero_copy_only=False).astype(np.int64)
        if values.size and (values.min() < INT32[0] or values.max() > INT32[1]):
            self.problem = f"Field '{self.name}' is out of int32 range."
        self.values.append(values)

    def finish(self) -> str | None:
        if self.problem is None and self.values:
            values = np.concatenate(self.values)
            if np.unique(values).size != values.size:
                self.problem = f"Field '{self.name}' contains non-unique or empty values."
        self.values = []
        return self.problem


def make_plan(dataset: Dataset, layer: SourceLayer, options: ImportOptions) -> Plan:
    gsrc = geometry_source(layer)
    if options.cast_geometry_type and gsrc.kind == "none":
        raise ImportError_("The source layer has no geometry to cast.")
    fid, fid_found = _fid_candidate(layer, options)
    types = _initial_filter(options)
    declared = _declared(layer) if gsrc.kind == "source" else None
    gtype: str | None = None
    if gsrc.kind == "none":
        gtype = "NONE"
    elif len(types) == 1:
        gtype = next(iter(types))
    elif declared in types:
        gtype = declared
    elif gsrc.kind == "xy":
        gtype = "POINTZ" if gsrc.z and "POINTZ" in types else "POINT"
    explorer = _Explorer(types, options) if gtype is None else None
    fid_check = _FidCheck(fid) if fid else None
    if explorer or fid_check:
        _scan(dataset, layer, gsrc, options, explorer, fid_check)
    if explorer is not None:
        gtype = explorer.result()
        if gtype is None:
            raise ImportError_("Could not determine a geometry type. The source layer "
                               "contains no suitable features, or contains features of "
                               "different geometry types.")
    if fid_check is not None and (problem := fid_check.finish()):
        if options.fix_errors == "NONE":
            raise ImportError_(problem)
        fid = None
    if fid is None and options.fid_source == "FIELD" and options.fix_errors == "NONE":
        if not options.fid_field:
            raise ImportError_("Parameter 'fid_field' is missing.")
        raise ImportError_(f"None of fields {', '.join(options.fid_field)} are integer."
                           if fid_found else
                           f"Fields {', '.join(options.fid_field)} not found.")
    if gtype != "NONE" and gsrc.crs is None:
        raise SourceError("Layer doesn't contain coordinate system information.",
                          detail="The data can't be placed on the map without it (a "
                                 "shapefile needs its .prj file).")
    plan = Plan(layer, gsrc, gtype, _fields(layer, gsrc, fid, options), fid)
    return plan if gtype != "NONE" else replace(plan, geometry=GeometrySource("none"))


def _scan(dataset: Dataset, layer: SourceLayer, gsrc: GeometrySource, options: ImportOptions,
          explorer: _Explorer | None, fid_check: _FidCheck | None) -> None:
    columns = ([fid_check.name] if fid_check else []) + (
        gsrc.columns if explorer else [])
    read_geometry = explorer is not None and gsrc.kind == "source"
    done = explorer is None
    with dataset.batches(layer, columns=columns, geometry=read_geometry,
                         batch_size=50000) as (meta, reader):
        for batch in reader:
            if fid_check is not None:
                fid_check.feed(batch.column(fid_check.name))
            if not done:
                geoms, _errors = batch_geometries(batch, meta, gsrc,
                                                  options.fix_errors != "NONE")
                done = explorer.feed(geoms)
            if done and (fid_check is None or fid_check.problem):
                break
