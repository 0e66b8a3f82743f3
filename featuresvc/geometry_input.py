"""The one reader of request geometries (WKT, GeoJSON) for every component.

GEOS accepts some geometries that PostGIS refuses when it reads them back from WKB
("geometry requires more points", "geometry contains non-closed rings") and shapely raises
on curved types it cannot represent. Both used to reach the caller as a 500 (spec Decision 2),
so they are refused here, once, before any SQL runs: every polygon ring needs at least 4
points and must be closed, a line needs 0 or at least 2 points, and only linear types
(POINT, LINESTRING, POLYGON, their MULTI forms and GEOMETRYCOLLECTION) are taken.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.errors import GEOSException

_COLLECTIONS = (4, 5, 6, 7)  # MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION
_LINES = (1, 2)  # LINESTRING, LINEARRING
_POLYGON = 3
CURVES = "CIRCULARSTRING, COMPOUNDCURVE, CURVEPOLYGON, MULTICURVE, MULTISURFACE, TRIANGLE, TIN"


class BadGeometry(ValueError):
    """Input ``index`` of a batch cannot be stored by PostGIS; ``reason`` says why (empty
    when the text is simply unreadable)."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason


def _reader(fmt: str) -> Callable[..., Any]:
    return shapely.from_geojson if fmt == "geojson" else shapely.from_wkt


def read(texts: Sequence[str | bytes], fmt: str = "wkt") -> np.ndarray:
    """Parse a batch of WKT (``fmt="wkt"``) or GeoJSON texts into shapely geometries.

    Raises :class:`BadGeometry` for the first text that is unreadable or that PostGIS would
    refuse. Vectorised: one GEOS call for the batch unless an element makes shapely raise.
    """
    reader = _reader(fmt)
    array = np.asarray(texts, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            geoms = reader(array, on_invalid="ignore")
        except (NotImplementedError, GEOSException, ValueError, TypeError):
            geoms = np.array([_read_one(reader, text, i) for i, text in enumerate(texts)],
                             dtype=object)
    missing = np.flatnonzero(shapely.is_missing(geoms))
    if missing.size:
        raise BadGeometry(int(missing[0]), "")
    check(geoms)
    return geoms


def _read_one(reader: Callable[..., Any], text: Any, index: int) -> Any:
    try:
        return reader(text, on_invalid="ignore")
    except NotImplementedError:
        raise BadGeometry(index, f"curved geometry types ({CURVES}) are not supported; "
                                 "send a linear approximation") from None
    except (GEOSException, ValueError, TypeError) as exc:
        raise BadGeometry(index, str(exc).splitlines()[0][:200]) from None


def check(geoms: np.ndarray) -> None:
    """Refuse what PostGIS refuses on input: short or unclosed rings, one-point lines."""
    found = malformed(geoms)
    if found:
        index = min(found)
        raise BadGeometry(index, found[index])


def malformed(geoms: np.ndarray) -> dict[int, str]:
    """Index -> reason for each geometry (None entries skipped) PostGIS would refuse."""
    parts, owner = _flatten(np.asarray(geoms, dtype=object))
    types = shapely.get_type_id(parts)
    counts = shapely.get_num_coordinates(parts)
    found: dict[int, str] = {}
    for i in np.flatnonzero(np.isin(types, _LINES) & (counts == 1)):
        found.setdefault(int(owner[i]), "a line needs at least 2 points")
    polys = np.flatnonzero(types == _POLYGON)
    if polys.size:
        rings, ring_owner = shapely.get_rings(parts[polys], return_index=True)
        ring_counts = shapely.get_num_coordinates(rings)
        for r in np.flatnonzero((ring_counts > 0) & (ring_counts < 4)):
            found.setdefault(int(owner[polys[ring_owner[r]]]),
                             f"a polygon ring has {int(ring_counts[r])} points, it needs at "
                             "least 4")
        for r in np.flatnonzero((ring_counts > 0) & ~shapely.is_closed(rings)):
            found.setdefault(int(owner[polys[ring_owner[r]]]),
                             "a polygon ring is not closed (first point != last point)")
    return found


def _flatten(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-collection parts of each geometry, with the index of the geometry they
    belong to (collections may nest)."""
    owner = np.arange(len(geoms))
    while True:
        nested = np.isin(shapely.get_type_id(geoms), _COLLECTIONS)
        if not nested.any():
            return geoms, owner
        sub, sub_owner = shapely.get_parts(geoms[nested], return_index=True)
        geoms = np.concatenate([geoms[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][sub_owner]])


def excerpt(value: Any, limit: int = 80) -> str:
    """A request value quoted for an error message, truncated when long."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


def describe(exc: BadGeometry, value: Any) -> str:
    """``'<value excerpt>'`` followed by the reason, for messages."""
    return excerpt(value) + (f" - {exc.reason}" if exc.reason else "")
