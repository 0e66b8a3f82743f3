"""Export test helpers: layers with known data, and reading exports back from disk."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

from ..feature_layer.helpers import make_layer, patch
from ..util import Client

TO_4326 = Transformer.from_crs(3857, 4326, always_xy=True)
TEXT = 'Привет, мир; "кавычки", ä€ 漢字'
#: Every datatype, with values that exercise the edges (int32 limits, a 64-bit integer...).
FULL = {"i": -2147483648, "b": 2**40 + 7, "r": 1.5, "s": TEXT, "d": "2024-05-01",
        "t": "13:05:07", "dt": "2024-05-01T13:05:06", "f": True}
NULLS = dict.fromkeys(FULL)
POINTS = [(4187000.25, 7509000.5), (-8238000.0, 4970000.0)]


def point_layer(admin: Client, parent: int, **kw) -> tuple[int, list[int]]:
    """Three features: all values; all NULLs; no geometry with non-ASCII text."""
    lid = make_layer(admin, parent, **kw)
    ids = [r["id"] for r in patch(admin, lid, [
        {"geom": f"POINT ({POINTS[0][0]} {POINTS[0][1]})", "fields": FULL},
        {"geom": f"POINT ({POINTS[1][0]} {POINTS[1][1]})", "fields": NULLS},
        {"fields": {**NULLS, "s": "без геометрии", "i": 2147483647}},
    ], dt_format="iso")]
    return lid, ids


def shape_layer(admin: Client, parent: int, geometry_type: str, wkts: list[str | None],
                srs: int = 3857) -> tuple[int, list[int]]:
    lid = make_layer(admin, parent, geometry_type=geometry_type, srs=srs,
                     fields=[("name", "STRING")])
    items = [({"geom": w} if w else {}) | {"fields": {"name": f"n{i}"}}
             for i, w in enumerate(wkts)]
    return lid, [r["id"] for r in patch(admin, lid, items)]


def export(client: Client, lid: int, status: int = 200, **params):
    resp = client.get(f"/api/resource/{lid}/export", params=params)
    assert resp.status_code == status, resp.text[:500]
    return resp


def unpack(resp, dest: Path, name: str) -> Path:
    """The response saved to ``dest``; zips are extracted. Returns the main file's path."""
    dest.mkdir(parents=True, exist_ok=True)
    if resp.headers["Content-Type"] == "application/zip":
        with zipfile.ZipFile(io.BytesIO(resp.content)) as archive:
            archive.extractall(dest)
        return dest / name
    path = dest / name
    path.write_bytes(resp.content)
    return path


def read(path: Path, **kw):
    """(meta, fids, geometries (shapely), {field: values})."""
    meta, fids, geoms, values = pyogrio.raw.read(path, return_fids=True, **kw)
    shapes = shapely.from_wkb(geoms) if geoms is not None else None
    return meta, fids, shapes, dict(zip(meta["fields"], values, strict=True))


def lonlat(x: float, y: float) -> tuple[float, float]:
    return TO_4326.transform(x, y)


def close(geom, xy, tol: float) -> bool:
    return bool(np.allclose(shapely.get_coordinates(geom)[0], xy, atol=tol))


def ogrinfo(path: Path, *args: str) -> str | None:
    """Debian's ogrinfo (GDAL 3.6) summary of a file, or None where gdal-bin is missing."""
    if shutil.which("ogrinfo") is None:
        return None
    return subprocess.run(["ogrinfo", "-ro", "-so", "-al", *args, str(path)], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def as_date(value) -> date | None:
    if value is None or (isinstance(value, np.datetime64) and np.isnat(value)):
        return None
    return value.astype("datetime64[D]").item() if isinstance(value, np.datetime64) else value


def as_datetime(value) -> datetime | None:
    if value is None or (isinstance(value, np.datetime64) and np.isnat(value)):
        return None
    return value.astype("datetime64[us]").item()
