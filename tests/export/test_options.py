"""Export options and filters (spec 3.4), and NextGIS Connect's initial download (clients.md
section 7)."""

from __future__ import annotations

import pyogrio
import pytest

from .helpers import POINTS, close, export, lonlat, ogrinfo, read, unpack


def gpkg(admin, lid, tmp_path, **params):
    resp = export(admin, lid, format="GPKG", zipped="false", **params)
    assert resp.headers["Content-Type"] == "application/geopackage+vnd.sqlite3"
    return read(unpack(resp, tmp_path, "x.gpkg"))


def test_connect_initial_download(admin, points, tmp_path):
    """export?format=GPKG&srs=<layer srs>&fid=fid&zipped=false: every feature (also those
    without geometry), the NGW id in `fid`, fields in NGW order with Connect's types."""
    lid, ids = points
    resp = export(admin, lid, format="GPKG", srs=3857, fid="fid", zipped="false")
    assert resp.headers["Content-Disposition"] == f"attachment; filename={lid}.gpkg"
    path = unpack(resp, tmp_path, "connect.gpkg")
    info = pyogrio.read_info(path)
    assert info["features"] == 3 and info["crs"] == "EPSG:3857"
    assert list(zip(info["fields"], info["dtypes"], strict=True)) == [
        ("i", "int32"), ("b", "int64"), ("r", "float64"), ("s", "object"),
        ("d", "datetime64[D]"), ("t", "object"), ("dt", "datetime64[ms]"), ("f", "bool"),
        ("fid", "int32")]
    _meta, fids, geoms, values = read(path)
    assert list(values["fid"]) == ids
    assert geoms[2] is None
    assert close(geoms[0], POINTS[0], 1e-6)
    summary = ogrinfo(path)
    if summary is not None:  # QGIS (GDAL) sees the same: Integer, Integer64, Real, String
        assert "fid: Integer (0.0)" in summary and "r: Real (0.0)" in summary
        assert "Feature Count: 3" in summary


def test_fields_order_and_display_names(admin, folder, tmp_path):
    from ..feature_layer.helpers import make_layer, patch

    lid = make_layer(admin, folder, fields=[
        {"keyname": "a", "datatype": "STRING", "display_name": "Первое"},
        {"keyname": "b", "datatype": "INTEGER", "display_name": "Second"}])
    patch(admin, lid, [{"geom": "POINT (1 2)", "fields": {"a": "x", "b": 5}}])
    assert list(gpkg(admin, lid, tmp_path, fields="b,a")[0]["fields"]) == ["b", "a"]
    meta = gpkg(admin, lid, tmp_path, fields="a,b", display_name="true")[0]
    assert list(meta["fields"]) == ["Первое", "Second"]
    assert list(gpkg(admin, lid, tmp_path, fields="")[0]["fields"]) == []
    body = export(admin, lid, 422, format="GPKG", fields="a,nope").json()
    assert "Unknown field 'nope'" in body["message"]
    body = export(admin, lid, 422, format="GPKG", fid="Second", display_name="yes").json()
    assert "Second" in body["message"] and body["data"]["location"] == ["query", "fid"]


def test_srs(admin, points, tmp_path):
    lid, _ids = points
    meta, _f, geoms, _v = gpkg(admin, lid, tmp_path, srs=4326)
    assert meta["crs"] == "EPSG:4326" and close(geoms[0], lonlat(*POINTS[0]), 1e-9)
    meta, _f, geoms, _v = gpkg(admin, lid, tmp_path)  # default: the layer's SRS
    assert meta["crs"] == "EPSG:3857"
    resp = export(admin, lid, format="KML", srs=3857, zipped="false")  # KML: always 4326
    assert "37.61" in resp.text
    body = export(admin, lid, 422, format="GPKG", srs=999999).json()
    assert body["data"]["location"] == ["query", "srs"]


def test_filters(admin, points, tmp_path):
    lid, ids = points
    fids = lambda **p: list(gpkg(admin, lid, tmp_path, **p)[1])  # noqa: E731
    assert fids(fld_i__gt="0") == [ids[2]]
    assert fids(fld_s__isnull="yes") == [ids[1]]
    assert fids(id__in=f"{ids[0]},{ids[2]}") == [ids[0], ids[2]]
    assert fids(ilike="БЕЗ") == [ids[2]]
    assert fids(like="кавычки") == [ids[0]]
    assert fids(filter='["any", ["==", ["get", "i"], 2147483647], ["is_null", ["get", "r"]]]') \
        == [ids[1], ids[2]]
    x, y = POINTS[0]
    box = f"POLYGON(({x - 1} {y - 1},{x + 1} {y - 1},{x + 1} {y + 1},{x - 1} {y - 1}))"
    assert fids(intersects=box) == [ids[0]]
    lon, lat = lonlat(x, y)
    near = f"POLYGON(({lon - 1e-4} {lat - 1e-4},{lon + 1e-4} {lat - 1e-4},{lon + 1e-4} " \
           f"{lat + 1e-4},{lon - 1e-4} {lat - 1e-4}))"
    assert fids(intersects=near, intersects_srs=4326, srs=4326) == [ids[0]]
    assert fids(fld_i="999") == []


@pytest.mark.parametrize(("params", "location"), [
    ({"format": "XLSX"}, "format"), ({}, "format"), ({"format": "GPKG", "fld_nope": "1"},
                                                     "fld_nope"),
    ({"format": "GPKG", "fld_i": "abc"}, "fld_i"), ({"format": "GPKG", "zipped": "maybe"},
                                                    "zipped"),
    ({"format": "GPKG", "intersects": "POLYGON((0 0"}, "intersects"),
    ({"format": "GPKG", "intersects": "POINT (0 0)", "intersects_srs": "77"},
     "intersects_srs"),
    ({"format": "ESRI Shapefile", "encoding": "klingon"}, "encoding"),
    ({"format": "GPKG", "filter": "[\"==\"]"}, "filter"),
])
def test_bad_input(admin, points, params, location):
    lid, _ids = points
    resp = admin.get(f"/api/resource/{lid}/export", params=params)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["message"] and body["data"]["location"] == ["query", location]
