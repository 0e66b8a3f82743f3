"""Spatial reference systems: the catalogue, EPSG auto-registration, custom SRS and the
public helpers other components call (``get_srs``, ``require_srs``, ``transformer``,
``transform``).

Ids are PostGIS srids: an EPSG system's id is its code (any code PostGIS knows is readable
straight from PostGIS's ``spatial_ref_sys``, and registered in the catalogue only when a write
stores it, e.g. a layer's SRS: a read never writes), custom systems get 990001..998999 and
are mirrored into PostGIS's ``spatial_ref_sys`` so ``ST_Transform(geom, id)`` agrees with
the Python side.
"""

from __future__ import annotations

import functools
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DisconnectionError

from .. import registry
from . import store
from .exceptions import (
    InvalidSRSDefinition,
    SRSInUse,
    SRSNotFound,
    SRSProtected,
    SRSValidationError,
)

SRID_LOCAL = 990001  # first custom id (NGW)
SRID_MAX = 998999  # PostGIS's maximum srid
POSTGIS_SRTEXT_MAX = 2048  # spatial_ref_sys.srtext is varchar(2048)


@dataclass(frozen=True)
class Srs:
    id: int
    display_name: str
    auth_name: str | None
    auth_srid: int | None
    wkt: str
    system: bool
    protected: bool
    geographic: bool


#: Lets another component veto deleting an SRS it uses (added to the registry in its
#: ``setup``): ``check(conn, srs_id)`` returns a message (e.g. "Coordinate system is used by
#: layer 12.") when the SRS is in use, else None; deletion then fails with a 422 carrying it.
UsageCheck = Callable[[Connection, int], "str | None"]

# Custom SRS definitions last read by this process (id -> WKT), refreshed by every catalogue
# read; lets transformer() work without a connection. Other workers learn about an update
# the next time they read the row (require_srs / get_srs do on every request).
_custom_wkt: dict[int, str] = {}
_custom_lock = threading.Lock()


# -- catalogue ---------------------------------------------------------------------------------

def _from_row(row: Any) -> Srs:
    srs = Srs(id=row.id, display_name=row.display_name, auth_name=row.auth_name,
              auth_srid=row.auth_srid, wkt=row.wkt, system=row.system,
              protected=bool(row.system or row.auth_name or row.catalog_id),
              geographic=row.geographic)
    if srs.auth_name is None:
        with _custom_lock:
            _custom_wkt[srs.id] = srs.wkt
    return srs


def list_srs(conn: Connection) -> list[Srs]:
    return [_from_row(row) for row in store.list_all(conn)]


def get_srs(conn: Connection, srs_id: int, *, register: bool = False) -> Srs | None:
    """The SRS with this id; an EPSG code PostGIS knows is answered from PostGIS.

    Reads never write (anonymous GETs must not grow the catalogue); ``register=True`` is for
    writes that store the id (a layer's SRS references the catalogue row).
    """
    if not 0 < srs_id <= SRID_MAX:
        return None
    row = store.get(conn, srs_id)
    if row is None and srs_id < SRID_LOCAL:
        row = _register_epsg(conn, srs_id) if register else _epsg_row(conn, srs_id)
    return None if row is None else _from_row(row)


def require_srs(conn: Connection, srs_id: Any, *, location: str | Sequence[str] = "srs",
                register: bool = False) -> Srs:
    """Like :func:`get_srs` for ids that come from a request (possibly as a string).

    An unknown or non-integer id is a 422 ``SRSNotFound`` (spec Decision 2). ``location`` is
    the input path for ``data.location``: a dotted string ("query.srs",
    "body.vector_layer.srs.id") or a sequence of parts.
    """
    parts = location.split(".") if isinstance(location, str) else list(location)
    try:
        if isinstance(srs_id, bool) or isinstance(srs_id, float) and not srs_id.is_integer():
            raise ValueError
        number = int(srs_id)
    except (TypeError, ValueError):
        raise SRSNotFound(srs_id, parts) from None
    srs = get_srs(conn, number, register=register)
    if srs is None:
        raise SRSNotFound(number, parts)
    return srs


@dataclass(frozen=True)
class _EpsgRow:
    """A catalogue row as it would be registered, built without writing."""

    id: int
    display_name: str
    auth_name: str
    auth_srid: int
    wkt: str
    catalog_id: None
    system: bool
    geographic: bool


def _epsg_crs(conn: Connection, code: int) -> tuple[CRS, str] | None:
    srtext = store.postgis_epsg(conn, code)
    if srtext is None:
        return None
    try:
        return CRS.from_epsg(code), srtext
    except CRSError:
        try:
            return CRS.from_wkt(srtext), srtext
        except CRSError:
            return None


def _epsg_names(crs: CRS, code: int) -> tuple[str, ...]:
    # A custom SRS may already use the NGW-style name: fall back to the bare code.
    return f"{crs.name} (EPSG:{code})", f"EPSG:{code}", f"EPSG:{code} ({crs.name})"


def _epsg_row(conn: Connection, code: int) -> _EpsgRow | None:
    """What :func:`_register_epsg` would register, read-only (the same name choice)."""
    found = _epsg_crs(conn, code)
    if found is None:
        return None
    crs, srtext = found
    name = next((n for n in _epsg_names(crs, code) if not store.name_taken(conn, n)), None)
    if name is None:
        return None
    return _EpsgRow(code, name, "EPSG", code, srtext, None, False, crs.is_geographic)


def _register_epsg(conn: Connection, code: int) -> Any:
    """Insert an EPSG code PostGIS knows; concurrent registrations are harmless no-ops."""
    found = _epsg_crs(conn, code)
    if found is None:
        return None
    crs, srtext = found
    for name in _epsg_names(crs, code):
        store.insert_epsg(conn, code, name, srtext, crs.is_geographic)
        row = store.get(conn, code)
        if row is not None:
            return row
    return None


# -- custom SRS --------------------------------------------------------------------------------

def parse_definition(definition: str, field: str = "wkt") -> tuple[CRS, str]:
    """Validate a WKT (kept as given) or any PROJ-readable definition (stored as WKT)."""
    text = definition.strip()
    try:
        return _check_usable(CRS.from_wkt(text), field), text
    except CRSError:
        pass
    try:
        crs = CRS.from_user_input(text)
    except CRSError as exc:
        raise InvalidSRSDefinition(
            f"Invalid OGC WKT definition or PROJ string - at `$.{field}`: {exc}", field
        ) from None
    _check_usable(crs, field)
    return crs, export_wkt(crs)


def _check_usable(crs: CRS, field: str) -> CRS:
    if crs.is_geocentric or crs.geodetic_crs is None or crs.get_geod() is None:
        raise InvalidSRSDefinition(
            f"The definition must be a geographic or projected coordinate system "
            f"- at `$.{field}`.", field)
    return crs


def export_wkt(crs: CRS, *, pretty: bool = False) -> str:
    """WKT1 (GDAL flavour, what NGW clients and OGR read), WKT2 when WKT1 cannot say it."""
    try:
        wkt = crs.to_wkt("WKT1_GDAL", pretty=pretty)
    except CRSError:
        wkt = None
    return wkt or crs.to_wkt(pretty=pretty)


def _postgis_texts(crs: CRS, wkt: str) -> tuple[str, str]:
    srtext = wkt if len(wkt) <= POSTGIS_SRTEXT_MAX else export_wkt(crs)
    if len(srtext) > POSTGIS_SRTEXT_MAX:
        raise InvalidSRSDefinition(
            f"OGC WKT definition cannot be longer than {POSTGIS_SRTEXT_MAX} characters.", "wkt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "you will likely lose important information"
        try:
            proj4 = crs.to_proj4() or ""
        except CRSError:
            proj4 = ""
    return srtext, proj4[:POSTGIS_SRTEXT_MAX]


def create_srs(conn: Connection, display_name: str, definition: str) -> int:
    crs, wkt = parse_definition(definition)
    srtext, proj4 = _postgis_texts(crs, wkt)
    srs_id = store.insert_custom(conn, display_name, wkt, crs.is_geographic)
    store.postgis_upsert(conn, srs_id, srtext, proj4)
    return srs_id


def update_srs(conn: Connection, srs: Srs, *, display_name: str | None = None,
               wkt: str | None = None) -> None:
    new_wkt, geographic = srs.wkt, srs.geographic
    if wkt is not None and wkt != srs.wkt:
        if srs.protected:
            raise SRSProtected("Cannot change wkt definition of standard coordinate system.",
                               data={"location": ["body", "wkt"], "srs_id": srs.id})
        crs, new_wkt = parse_definition(wkt)
        geographic = crs.is_geographic
        store.postgis_upsert(conn, srs.id, *_postgis_texts(crs, new_wkt))
        store.bump_generation(conn)
    store.update(conn, srs.id, display_name or srs.display_name, new_wkt, geographic)
    if srs.auth_name is None:
        with _custom_lock:
            _custom_wkt[srs.id] = new_wkt


def delete_srs(conn: Connection, srs: Srs) -> None:
    if srs.protected:
        raise SRSProtected("Unable to delete standard coordinate system.",
                           data={"srs_id": srs.id})
    for check in registry.current.srs_usage_checks:
        message = check(conn, srs.id)
        if message:
            raise SRSInUse(message, data={"srs_id": srs.id})
    store.delete(conn, srs.id)
    store.postgis_delete(conn, srs.id)
    store.bump_generation(conn)
    with _custom_lock:
        _custom_wkt.pop(srs.id, None)


# -- PostGIS's per-backend PROJ cache ---------------------------------------------------------

class PostgisCacheGuard:
    """Replace pooled connections that may hold a stale custom SRS definition.

    PostGIS caches a PROJ object per srid for the life of a backend, so after a custom SRS's
    WKT changes, ``ST_Transform(geom, id)`` on an older pooled connection would silently use
    the old definition. Changes bump ``srs_definition_generation``; at checkout a connection
    opened before the latest generation is discarded. The generation is re-read at most every
    ``max_age`` seconds per process, which bounds the stale window and keeps checkout cheap.
    """

    def __init__(self, max_age: float = 1.0):
        self.max_age = max_age
        self.known = 0
        self.checked_at = float("-inf")
        self.lock = threading.Lock()

    def on_connect(self, dbapi_conn: Any, record: Any) -> None:
        record.info["srs_generation"] = store.generation_dbapi(dbapi_conn)

    def on_checkout(self, dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        now = time.monotonic()
        if now - self.checked_at > self.max_age:
            with self.lock:
                self.known = max(self.known, store.generation_dbapi(dbapi_conn))
                self.checked_at = now
        if record.info.get("srs_generation", 0) < self.known:
            raise DisconnectionError("custom SRS definitions changed; reconnecting")


def install_postgis_cache_guard(engine: Engine, max_age: float = 1.0) -> PostgisCacheGuard:
    guard = PostgisCacheGuard(max_age)
    event.listen(engine, "connect", guard.on_connect)
    event.listen(engine, "checkout", guard.on_checkout)
    return guard


# -- convert -------------------------------------------------------------------------------------

CONVERT_FORMATS = ("proj4", "epsg", "esri", "mapinfo", "wkt")


def convert_to_wkt(fmt: str, proj_str: str) -> str:
    """NGW's ``convert``: any supported definition to pretty WKT1 (as OGR would give)."""
    try:
        if fmt == "mapinfo":
            crs = CRS.from_wkt(_mapinfo_wkt(proj_str))
        elif fmt == "epsg":
            code = proj_str.strip()
            code = code[5:] if code.upper().startswith("EPSG:") else code
            crs = CRS.from_epsg(int(code))
        elif fmt == "proj4":
            crs = CRS.from_proj4(proj_str.strip())
        else:  # wkt, esri: PROJ detects the WKT dialect (OGC WKT1/WKT2 or ESRI)
            crs = CRS.from_wkt(proj_str.strip())
    except (CRSError, ValueError):
        raise InvalidSRSDefinition(
            f"Invalid SRS definition! Cannot read '{fmt}' definition - at `$.projStr`.",
            "projStr") from None
    return export_wkt(crs, pretty=True)


def _mapinfo_wkt(coordsys: str) -> str:
    """MapInfo CoordSys needs GDAL (PROJ cannot read it); optional osgeo bindings."""
    try:
        from osgeo import osr
    except ImportError:
        raise SRSValidationError(
            "Conversion from the MapInfo CoordSys format needs the GDAL Python bindings "
            "(osgeo), which this server does not have.",
            data={"location": ["body", "format"]}) from None
    sr = osr.SpatialReference()
    try:
        failed = sr.ImportFromMICoordSys(coordsys.strip())
    except RuntimeError:
        failed = True
    if failed:
        raise ValueError(coordsys)
    return sr.ExportToWkt()


# -- transformations ---------------------------------------------------------------------------

@functools.cache
def _epsg_known(code: int) -> bool:
    try:
        CRS.from_epsg(code)
    except CRSError:
        return False
    return True


def _definition(srs_id: int, conn: Connection | None) -> str:
    """What pyproj builds the CRS from: the EPSG code (immutable) or the custom WKT."""
    if 0 < srs_id < SRID_LOCAL and _epsg_known(srs_id):
        return f"EPSG:{srs_id}"
    wkt = store.wkt(conn, srs_id) if conn is not None else None
    if wkt is not None:
        with _custom_lock:
            _custom_wkt[srs_id] = wkt
    else:
        with _custom_lock:
            wkt = _custom_wkt.get(srs_id)
    if wkt is None:
        raise SRSNotFound(srs_id)
    return wkt


@functools.lru_cache(maxsize=256)
def _crs(definition: str) -> CRS:
    return CRS.from_user_input(definition)


@functools.lru_cache(maxsize=256)
def _transformer(def_from: str, def_to: str) -> Transformer:
    # Keyed on the definitions, not the ids: an updated custom SRS gets a new entry.
    return Transformer.from_crs(_crs(def_from), _crs(def_to), always_xy=True)


def transformer(from_id: int, to_id: int, *, conn: Connection | None = None) -> Transformer:
    """A cached transformer (x = easting/longitude, y = northing/latitude).

    Custom SRS definitions are re-read through ``conn`` when given; otherwise the WKT this
    process last read from the catalogue is used (callers validate ids with
    :func:`require_srs` first, which refreshes it).
    """
    return _transformer(_definition(from_id, conn), _definition(to_id, conn))


def transform(geoms: Any, from_id: int, to_id: int, *, conn: Connection | None = None) -> Any:
    """Reproject a shapely geometry or a numpy array of them (None kept), keeping Z.

    Points outside the target's domain come out as inf: callers that must reject them
    check with :func:`all_finite`.
    """
    if from_id == to_id:
        return geoms
    tr = transformer(from_id, to_id, conn=conn)
    return _apply(tr, geoms)


def _apply(tr: Transformer, geoms: Any) -> Any:
    def xy(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(tr.transform(coords[:, 0], coords[:, 1]))

    def xyz(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(tr.transform(coords[:, 0], coords[:, 1], coords[:, 2]))

    if geoms is None or isinstance(geoms, shapely.Geometry):
        if geoms is not None and shapely.has_z(geoms):
            return shapely.transform(geoms, xyz, include_z=True)
        return shapely.transform(geoms, xy)
    arr = np.asarray(geoms, dtype=object)
    has_z = shapely.has_z(arr)
    out = np.empty_like(arr)
    if has_z.any():
        out[has_z] = shapely.transform(arr[has_z], xyz, include_z=True)
    out[~has_z] = shapely.transform(arr[~has_z], xy)
    return out


def all_finite(geom: shapely.Geometry) -> bool:
    coords = shapely.get_coordinates(geom, include_z=bool(shapely.has_z(geom)))
    return bool(np.isfinite(coords).all())


# -- measurements ------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _to_lonlat(definition: str) -> Transformer:
    crs = _crs(definition)
    return Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)


def measure(conn: Connection, geom: shapely.Geometry, srs: Srs, what: str) -> float:
    """Geodesic length or area on the SRS's own ellipsoid.

    Projected coordinates are first taken back to the SRS's geographic (base) CRS, so the
    result is the true ground value, not a distorted planar one (Web Mercator inflates areas
    by 1/cos^2(lat)).
    """
    definition = _definition(srs.id, conn)
    geod = _crs(definition).get_geod()
    if geod is None:
        raise InvalidSRSDefinition(f"SRS id = {srs.id} has no ellipsoid to measure on.", "srs")
    lonlat = _apply(_to_lonlat(definition), geom)
    if what == "length":
        return float(geod.geometry_length(lonlat))
    area, _perimeter = geod.geometry_area_perimeter(lonlat)
    return abs(float(area))
