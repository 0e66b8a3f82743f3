"""Files generated with pyogrio (its GDAL), uploads and layer creation from them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import shapely
from pyogrio import raw

from ..file_upload.helpers import upload
from ..util import Client, unique

__all__ = ["upload", "write", "zip_dir", "create_from", "features", "points"]


def points(n: int = 3, x0: float = 30.0, y0: float = 50.0):
    return shapely.points(np.arange(n) + x0, np.arange(n) * 0.5 + y0)


def write(path: Path, geoms, fields: dict | None = None, *, driver: str, crs="EPSG:4326",
          geometry_type: str | None = None, layer: str | None = None, **kw) -> Path:
    """Write a real file with GDAL: ``fields`` maps names to numpy arrays."""
    fields = fields or {}
    wkb = None if geoms is None else shapely.to_wkb(np.asarray(geoms, dtype=object))
    if geometry_type is None and geoms is not None:
        geometry_type = shapely.get_type_id(geoms[0]).item()
        geometry_type = ["Point", "LineString", None, "Polygon", "MultiPoint",
                         "MultiLineString", "MultiPolygon"][geometry_type]
    raw.write(str(path), wkb, list(fields.values()), list(fields), driver=driver,
              crs=crs if geoms is not None else None, geometry_type=geometry_type,
              layer=layer, **kw)
    return path


def zip_dir(folder: Path, prefix: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return buf.getvalue()


def create_from(client: Client, parent: int, meta: dict, status: int = 201, **section):
    """POST a vector layer from an upload; returns the decoded body."""
    body = {"resource": {"cls": "vector_layer", "parent": {"id": parent},
                         "display_name": unique("imported")},
            "vector_layer": {"source": meta, **section}}
    return client.ok("POST", "/api/resource/", status, json=body)


def features(client: Client, layer: int, **params) -> list[dict]:
    params.setdefault("dt_format", "iso")
    return client.ok("GET", f"/api/resource/{layer}/feature/", params=params)


def layer_doc(client: Client, layer: int) -> dict:
    doc = client.ok("GET", f"/api/resource/{layer}")
    return {"geometry_type": doc["vector_layer"]["geometry_type"],
            "srs": doc["vector_layer"]["srs"],
            "fields": {f["keyname"]: f["datatype"] for f in doc["feature_layer"]["fields"]}}
