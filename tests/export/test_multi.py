"""Multi-layer export: ``GET|POST /api/component/feature_layer/export``."""

from __future__ import annotations

import io
import zipfile

from ..util import make_group
from .helpers import read, shape_layer

URL = "/api/component/feature_layer/export"


def names(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "application/zip"
    assert resp.headers["Content-Disposition"] == "attachment; filename=layers.zip"
    return sorted(zipfile.ZipFile(io.BytesIO(resp.content)).namelist())


def test_get_and_post(admin, points, folder, tmp_path):
    lid, _ids = points
    other, _ = shape_layer(admin, folder, "LINESTRING", ["LINESTRING (0 0, 10 10)"])
    resp = admin.get(URL, params={"resources": f"{lid},{other}", "format": "GPKG",
                                  f"name[{other}]": "lines"})
    assert names(resp) == [f"{lid}.gpkg", "lines.gpkg"]
    zipfile.ZipFile(io.BytesIO(resp.content)).extractall(tmp_path)
    assert len(read(tmp_path / "lines.gpkg")[2]) == 1
    assert len(read(tmp_path / f"{lid}.gpkg")[2]) == 3
    resp = admin.post(URL, json={"format": "ESRI Shapefile", "fields": ["s"], "resources": [
        {"id": lid, "name": "pts"}, {"id": other}]})
    listed = names(resp)
    assert "pts/pts.shp" in listed and f"{other}/{other}.shp" in listed
    resp = admin.post(URL, json={"format": "GeoJSON", "fld_i__gt": 0, "resources": [
        {"id": lid}]})
    zipfile.ZipFile(io.BytesIO(resp.content)).extractall(tmp_path / "gj")
    assert len(read(tmp_path / "gj" / f"{lid}.geojson")[2]) == 1


def test_bad_input(admin, points, folder, make_user):
    lid, _ids = points
    cases = [
        ({"format": "GPKG"}, 422),
        ({"resources": f"{lid}", "format": "NOPE"}, 422),
        ({"resources": f"{lid}", "format": "GPKG", f"name[{lid}]": "../x"}, 422),
        ({"resources": f"{lid},{lid + 0}", "format": "GPKG"}, 200),  # listed twice: once
        ({"resources": f"{lid},2000000000", "format": "GPKG"}, 404),
        ({"resources": f"{folder}", "format": "GPKG"}, 422),  # not a feature layer
    ]
    for params, status in cases:
        resp = admin.get(URL, params=params)
        assert resp.status_code == status, (params, resp.text)
    assert admin.post(URL, json={"format": "GPKG", "resources": []}).status_code == 422
    assert admin.post(URL, json=[1]).status_code == 422
    _uid, user = make_user()
    hidden = make_group(admin, 0)
    layer, _ = shape_layer(admin, hidden, "POINT", ["POINT (0 0)"])
    resp = user.get(URL, params={"resources": str(layer), "format": "GPKG"})
    assert resp.status_code == 404 and resp.json()["exception"].endswith("ResourceNotFound")
