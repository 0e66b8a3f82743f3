"""Geometries of one batch, vectorised with shapely 2: read, cast to the layer type, fix,
reproject, encode as EWKB for binary COPY.

Per-row problems are returned as ``{row index: reason}`` so the caller can name the feature
and either stop (after a few, NGW lists up to ten) or skip it (``skip_errors``). The rules
follow NGW's loader: a single geometry is promoted to multi, a one-part multi is reduced to
single, Z is added (0) or dropped to fit the layer, ``fix_errors`` repairs what it can
(SAFE: nothing is lost; LOSSY: extra parts may be dropped).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS, Transformer

from .. import geometry_input
from ..feature_layer.model import base_type, has_z, is_multi

TYPE_NAMES = {0: "POINT", 1: "LINESTRING", 2: "LINEARRING", 3: "POLYGON", 4: "MULTIPOINT",
              5: "MULTILINESTRING", 6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION"}
FAMILY = {0: "POINT", 4: "POINT", 1: "LINESTRING", 5: "LINESTRING", 3: "POLYGON",
          6: "POLYGON"}
SINGLE_IDS = (0, 1, 3)
MULTI_IDS = (4, 5, 6)
_MAKE_MULTI: dict[str, Callable[..., Any]] = {
    "POINT": shapely.multipoints, "LINESTRING": shapely.multilinestrings,
    "POLYGON": shapely.multipolygons}

Errors = dict[int, str]


def _quiet(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def from_wkb(values: Any, fix: bool) -> tuple[np.ndarray, Errors]:
    """WKB column (pyarrow or sequence) -> geometries; unreadable ones reported."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        values = values.to_numpy(zero_copy_only=False)
    data = np.asarray(values, dtype=object)
    try:
        geoms = _quiet(shapely.from_wkb, data, on_invalid="ignore")
    except NotImplementedError:  # a curved type somewhere: read one by one, report it
        geoms = _read_each(shapely.from_wkb, data)
    errors: Errors = {}
    for i in np.flatnonzero(shapely.is_missing(geoms) & (data != None)):  # noqa: E711
        geoms[i], errors_i = _parse_one(shapely.from_wkb, data[i], fix)
        if errors_i:
            errors[int(i)] = errors_i
    return geoms, errors


def from_wkt(values: np.ndarray, fix: bool) -> tuple[np.ndarray, Errors]:
    """WKT strings (None for empty cells) -> geometries; unreadable ones reported."""
    data = np.asarray(values, dtype=object)
    try:
        geoms = _quiet(shapely.from_wkt, data, on_invalid="ignore")
    except NotImplementedError:  # a curved type somewhere: read one by one, report it
        geoms = _read_each(shapely.from_wkt, data)
    errors: Errors = {}
    for i in np.flatnonzero(shapely.is_missing(geoms) & (data != None)):  # noqa: E711
        geoms[i], errors_i = _parse_one(shapely.from_wkt, data[i], fix)
        if errors_i:
            errors[int(i)] = errors_i
    return geoms, errors


def _read_each(reader: Callable[..., Any], data: np.ndarray) -> np.ndarray:
    """Element-wise read; a value shapely cannot represent (curves) becomes None."""
    out = np.full(len(data), None, dtype=object)
    for i, value in enumerate(data):
        if value is not None:
            try:
                out[i] = _quiet(reader, value, on_invalid="ignore")
            except NotImplementedError:
                pass
    return out


def _parse_one(reader: Callable[..., Any], value: Any, fix: bool) -> tuple[Any, str | None]:
    if fix:
        try:
            geom = _quiet(reader, value, on_invalid="fix")
            if geom is not None:
                return geom, None
        except Exception:  # noqa: BLE001 - fall through to the reason
            pass
    try:
        reader(value, on_invalid="raise")
    except Exception as exc:  # noqa: BLE001 - GEOS says why
        reason = str(exc).split("\n")[0]
        return None, f"geometry is not valid ({reason})"
    return None, "geometry is not valid"


def to_floats(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """A numeric or text column as float64 (NaN for null) and a mask of unparsable cells."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        return values.astype(np.float64), np.zeros(len(values), dtype=bool)
    items = column.to_pylist()
    values = np.full(len(items), np.nan)
    bad = np.zeros(len(items), dtype=bool)
    for i, item in enumerate(items):
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        try:
            values[i] = float(str(item).strip().replace(",", "."))
        except ValueError:
            bad[i] = True
    return values, bad


def points_from_xy(x: np.ndarray, y: np.ndarray, z: np.ndarray | None,
                   bad: np.ndarray) -> tuple[np.ndarray, Errors]:
    """Points from coordinate columns; a row with no coordinates at all has no geometry."""
    empty = np.isnan(x) & np.isnan(y) & (np.isnan(z) if z is not None else True)
    broken = bad | (~empty & (np.isnan(x) | np.isnan(y)))
    ok = ~empty & ~broken
    geoms = np.full(len(x), None, dtype=object)
    if ok.any():
        coords = [x[ok], y[ok]] + ([np.nan_to_num(z[ok])] if z is not None else [])
        geoms[ok] = shapely.points(*coords)
    return geoms, {int(i): "coordinates (x/y columns) are missing or not numbers"
                   for i in np.flatnonzero(broken)}


def source_crs(definition: str | None) -> CRS | None:
    return None if definition is None else CRS.from_user_input(definition)


def make_transformer(src: CRS, dst_definition: str) -> Transformer | None:
    dst = CRS.from_user_input(dst_definition)
    if src == dst or src.equals(dst, ignore_axis_order=True):
        return None
    return Transformer.from_crs(src, dst, always_xy=True)


class Converter:
    """Casts, fixes, reprojects and encodes the geometries of batches for one layer."""

    def __init__(self, target: str, srid: int, transformer: Transformer | None, *,
                 fix_errors: str = "NONE", skip_other_types: bool = False):
        self.family = base_type(target)
        self.multi = is_multi(target)
        self.z = has_z(target)
        self.srid = srid
        self.transformer = transformer
        self.fix = fix_errors
        self.skip_other = skip_other_types

    def convert(self, geoms: np.ndarray, errors: Errors) -> tuple[list[Any], Errors, np.ndarray]:
        """-> (EWKB or None per row, errors, rows to skip silently)."""
        geoms = geoms.copy()
        skip = np.zeros(len(geoms), dtype=bool)
        for i in errors:
            geoms[i] = None
        self._collections(geoms, errors, skip)
        self._types(geoms, errors, skip)
        self._multi(geoms, errors)
        if self.fix != "NONE" and self.family == "POLYGON":
            self._make_valid(geoms, errors)
        self._dimensions(geoms)
        if self.transformer is not None:
            geoms = self._transform(geoms)
        self._finite(geoms, errors)
        for i, reason in geometry_input.malformed(geoms).items():
            self._drop(geoms, errors, i, f"geometry is not valid ({reason})")
        out = np.full(len(geoms), None, dtype=object)
        present = ~shapely.is_missing(geoms)
        if present.any():
            out[present] = shapely.to_wkb(shapely.set_srid(geoms[present], self.srid),
                                          include_srid=True,
                                          output_dimension=3 if self.z else 2)
        return out.tolist(), errors, skip

    def _drop(self, geoms: np.ndarray, errors: Errors, i: int, reason: str) -> None:
        geoms[i] = None
        errors[int(i)] = reason

    def _collections(self, geoms: np.ndarray, errors: Errors, skip: np.ndarray) -> None:
        for i in np.flatnonzero(shapely.get_type_id(geoms) == 7):
            members = [g for g in shapely.get_parts(geoms[i])
                       if FAMILY.get(int(shapely.get_type_id(g))) == self.family]
            if self.fix == "NONE" or not members:
                if self.skip_other:
                    geoms[i], skip[i] = None, True
                else:
                    self._drop(geoms, errors, i, "has unsuitable geometry type "
                                                 f"GEOMETRYCOLLECTION (layer: {self.family})")
            elif len(members) > 1 and self.fix != "LOSSY":
                self._drop(geoms, errors, i, "has multiple geometries satisfying the "
                                             "conditions")
            else:
                geoms[i] = members[0]

    def _types(self, geoms: np.ndarray, errors: Errors, skip: np.ndarray) -> None:
        ids = shapely.get_type_id(geoms)
        fits = np.isin(ids, [k for k, v in FAMILY.items() if v == self.family]) | (ids < 0)
        for i in np.flatnonzero(~fits):
            if self.skip_other:
                geoms[i], skip[i] = None, True
            else:
                self._drop(geoms, errors, i, f"has unsuitable geometry type "
                                             f"{TYPE_NAMES.get(int(ids[i]), 'UNKNOWN')}")

    def _multi(self, geoms: np.ndarray, errors: Errors) -> None:
        ids = shapely.get_type_id(geoms)
        if self.multi:
            single = np.flatnonzero(np.isin(ids, SINGLE_IDS))
            if single.size:
                geoms[single] = _MAKE_MULTI[self.family](geoms[single], indices=np.arange(
                    single.size))
            return
        multi = np.flatnonzero(np.isin(ids, MULTI_IDS))
        if not multi.size:
            return
        parts = shapely.get_num_geometries(geoms[multi])
        for i, n in zip(multi, parts, strict=True):
            if n == 1 or (n > 1 and self.fix == "LOSSY"):
                geoms[i] = shapely.get_geometry(geoms[i], 0)
            elif n == 0:
                self._drop(geoms, errors, i, "has an empty geometry")
            else:
                self._drop(geoms, errors, i, "has multiple geometries satisfying the "
                                             "conditions")

    def _make_valid(self, geoms: np.ndarray, errors: Errors) -> None:
        present = ~shapely.is_missing(geoms)
        bad = np.flatnonzero(present & ~_quiet(shapely.is_valid, geoms))
        for i in bad:
            polygons = [p for p in shapely.get_parts(shapely.make_valid(geoms[i]))
                        if shapely.get_type_id(p) in (3, 6)]
            polygons = [q for p in polygons for q in shapely.get_parts(p)]
            if not polygons:
                self._drop(geoms, errors, i, "geometry is not valid and has no area")
            elif self.multi:
                geoms[i] = shapely.multipolygons(polygons)
            elif len(polygons) == 1 or self.fix == "LOSSY":
                geoms[i] = max(polygons, key=shapely.area)
            else:
                self._drop(geoms, errors, i, "geometry is not valid; fixing it gives "
                                             "several polygons (use fix_errors=LOSSY)")

    def _dimensions(self, geoms: np.ndarray) -> None:
        present = ~shapely.is_missing(geoms)
        z = shapely.has_z(geoms)
        change = present & (z != self.z)
        if change.any():
            geoms[change] = shapely.force_3d(geoms[change], 0.0) if self.z \
                else shapely.force_2d(geoms[change])

    def _transform(self, geoms: np.ndarray) -> np.ndarray:
        tr = self.transformer
        present = ~shapely.is_missing(geoms)
        if not present.any():
            return geoms
        if self.z:
            def fn(c: np.ndarray) -> np.ndarray:
                return np.column_stack(tr.transform(c[:, 0], c[:, 1], c[:, 2]))
        else:
            def fn(c: np.ndarray) -> np.ndarray:
                return np.column_stack(tr.transform(c[:, 0], c[:, 1]))
        out = geoms.copy()
        out[present] = shapely.transform(geoms[present], fn, include_z=self.z)
        return out

    def _finite(self, geoms: np.ndarray, errors: Errors) -> None:
        coords, index = shapely.get_coordinates(geoms, include_z=self.z, return_index=True)
        bad = ~np.isfinite(coords).all(axis=1)
        if bad.any():
            reason = "has coordinates that can't be reprojected to the layer coordinate " \
                     "system" if self.transformer is not None else \
                     "has non-finite coordinates"
            for i in np.unique(index[bad]):
                self._drop(geoms, errors, i, reason)
