"""Round trips through every export format (spec 3.4): each export read back with pyogrio
(GDAL 3.12) and Debian's ogrinfo (GDAL 3.6): feature count, fields and their types,
geometry within tolerance, CRS."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import numpy as np
import pyogrio
import pytest
import shapely

from .helpers import (
    FULL,
    POINTS,
    TEXT,
    as_date,
    as_datetime,
    close,
    export,
    lonlat,
    ogrinfo,
    read,
    shape_layer,
    unpack,
)

#: format -> (file in the export, read path suffix, CRS read back, feature count, typed)
#: "typed": the format keeps integer/real/date types (else values come back as text).
CASES = {
    "GPKG": ("{id}.gpkg", "", 3857, 3, True),
    "GeoJSON": ("{id}.geojson", "", 4326, 3, True),
    "ESRI Shapefile": ("{id}.shp", "", 3857, 3, True),
    "CSV": ("{id}.csv", "", None, 3, True),
    "CSV_MSEXCEL": ("{id}.csv", "", None, 3, True),
    "KML": ("{id}.kml", "", 4326, 3, False),
    "KMZ": ("{id}.kmz", "/doc.kml", 4326, 3, False),
    "MapInfo File (TAB)": ("{id}.tab", "", 3857, 3, True),
    "MapInfo File (MIF/MID)": ("{id}.mif", "", 3857, 3, True),
    "DXF": ("{id}.dxf", "", None, 2, False),
}


def _path(resp, tmp_path, name: str, suffix: str) -> str:
    path = unpack(resp, tmp_path, name)
    return f"/vsizip/{path}{suffix}" if suffix else str(path)


@pytest.mark.parametrize("fmt", list(CASES))
def test_round_trip(admin, points, tmp_path, fmt):
    lid, ids = points
    name, suffix, srs, count, typed = CASES[fmt]
    name = name.format(id=lid)
    resp = export(admin, lid, format=fmt)
    assert resp.headers["Content-Type"] == "application/zip"
    assert resp.headers["Content-Disposition"] == \
        f"attachment; filename={lid}.{name.rsplit('.', 1)[1]}.zip"
    path = _path(resp, tmp_path, name, suffix)
    meta, _fids, geoms, values = read(path)
    assert len(geoms) == count
    if srs is not None:
        assert meta["crs"] == f"EPSG:{srs}" or (srs == 3857 and "Pseudo-Mercator"
                                                 in meta["crs"])
    xy = POINTS[0] if srs == 3857 or fmt == "DXF" else lonlat(*POINTS[0])
    assert close(geoms[0], xy, 1e-6 if srs != 3857 else 1e-3)
    assert geoms[-1] is None or fmt == "DXF"
    if fmt == "DXF":
        return  # DXF holds geometry only: a fixed schema of CAD attributes
    assert values["s"][0] == TEXT and values["s"][2] == "без геометрии"
    assert values["s"][1] in (None, "")
    if typed:
        assert values["i"][0] == FULL["i"] and values["i"][2] == 2147483647
        assert values["b"][0] == FULL["b"]
        assert values["r"][0] == 1.5
        assert as_date(values["d"][0]) == date(2024, 5, 1)
    else:
        assert int(float(values["i"][0])) == FULL["i"]
    assert str(values["t"][0]).startswith("13:05:07")
    if fmt not in ("ESRI Shapefile", "KML", "KMZ"):  # no datetime type there
        assert as_datetime(values["dt"][0]) == datetime(2024, 5, 1, 13, 5, 6)
    # Debian's GDAL 3.6 cannot read MapInfo files in the UTF-8 charset (added in 3.7?).
    summary = ogrinfo(path) if "MapInfo" not in fmt else None
    if summary is not None:
        assert f"Feature Count: {count}" in summary


def test_gpkg_types_and_ids(admin, points, tmp_path):
    lid, ids = points
    path = unpack(export(admin, lid, format="GPKG", zipped="false"), tmp_path, "x.gpkg")
    info = pyogrio.read_info(path)
    assert list(zip(info["fields"], info["dtypes"], strict=True)) == [
        ("i", "int32"), ("b", "int64"), ("r", "float64"), ("s", "object"),
        ("d", "datetime64[D]"), ("t", "object"), ("dt", "datetime64[ms]"), ("f", "bool")]
    _meta, fids, _g, values = read(path)
    assert list(fids) == ids  # the NGW feature id is the GeoPackage fid
    assert values["f"][0]
    summary = ogrinfo(path)
    if summary is not None:
        assert "i: Integer (0.0)" in summary and "b: Integer64 (0.0)" in summary
        assert "d: Date (0.0)" in summary and "dt: DateTime (0.0)" in summary
        assert "t: String (0.0)" in summary and "FID Column = fid" in summary


def test_geojson_bare_file(admin, points, tmp_path):
    lid, ids = points
    resp = export(admin, lid, format="GeoJSON", zipped="false")
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers["Content-Disposition"] == f"attachment; filename={lid}.geojson"
    doc = resp.json()
    assert [f["id"] for f in doc["features"]] == ids
    assert doc["features"][0]["properties"]["s"] == TEXT
    assert doc["features"][2]["geometry"] is None


@pytest.mark.parametrize(("fmt", "sep"), [("CSV", ","), ("CSV_MSEXCEL", ";")])
def test_csv_dialects(admin, points, fmt, sep):
    lid, _ids = points
    resp = export(admin, lid, format=fmt, zipped="false")
    assert resp.headers["Content-Type"] == "text/csv"
    assert resp.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8
    header = resp.content[3:].decode().splitlines()[0]
    assert header.split(sep)[:3] == ["GEOM", "i", "b"]
    assert "POINT (37.61" in resp.content.decode()  # WKT in EPSG:4326 by default


def test_shapefile_encoding(admin, points, tmp_path):
    lid, _ids = points
    resp = export(admin, lid, format="ESRI Shapefile", encoding="CP1251",
                  fields="s", zipped="false")
    assert resp.headers["Content-Type"] == "application/zip"  # multi-file: always zipped
    names = zipfile.ZipFile(io.BytesIO(resp.content)).namelist()
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["cpg", "dbf", "prj", "shp", "shx"]
    path = unpack(resp, tmp_path, f"{lid}.shp")
    assert (tmp_path / f"{lid}.cpg").read_text().strip() in ("CP1251", "1251")
    assert "без геометрии".encode("cp1251") in (tmp_path / f"{lid}.dbf").read_bytes()
    assert read(path)[3]["s"][2] == "без геометрии"


def test_gpx_points_and_lines(admin, folder, tmp_path):
    lid, _ids = shape_layer(admin, folder, "POINT", ["POINT (4187000 7509000)", None,
                                                     "POINT (0 0)"])
    path = unpack(export(admin, lid, format="GPX", zipped="false"), tmp_path, "p.gpx")
    meta, _f, geoms, values = read(path, layer="waypoints")
    assert len(geoms) == 2  # GPX cannot hold a feature without geometry: skipped
    assert close(geoms[0], lonlat(4187000, 7509000), 1e-6)
    assert list(values["ogr_name_1"]) == ["n0", "n2"]  # "name" is a GPX element: renamed
    line, _ = shape_layer(admin, folder, "LINESTRING", ["LINESTRING (0 0, 100000 100000)"])
    path = unpack(export(admin, line, format="GPX", zipped="false"), tmp_path, "l.gpx")
    assert len(read(path, layer="routes")[2]) == 1


@pytest.mark.parametrize("gtype", ["POLYGON", "MULTIPOINT"])
def test_gpx_refuses_other_types(admin, folder, gtype):
    lid, _ = shape_layer(admin, folder, gtype, [])
    body = export(admin, lid, 422, format="GPX").json()
    assert "GPX" in body["message"] and gtype in body["message"]


@pytest.mark.parametrize("gtype, wkt", [
    ("MULTIPOLYGONZ", "MULTIPOLYGON Z (((0 0 1, 1000 0 2, 1000 1000 3, 0 0 1)))"),
    ("LINESTRINGZ", "LINESTRING Z (0 0 5, 1000 1000 6)"),
    ("MULTILINESTRING", "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))"),
])
@pytest.mark.parametrize("fmt", ["GPKG", "ESRI Shapefile", "GeoJSON", "KML", "DXF",
                                 "MapInfo File (TAB)"])
def test_geometry_types(admin, folder, tmp_path, gtype, wkt, fmt):
    lid, _ = shape_layer(admin, folder, gtype, [wkt])
    resp = export(admin, lid, format=fmt, srs=3857)
    ext = {"ESRI Shapefile": "shp", "MapInfo File (TAB)": "tab"}.get(fmt, fmt.lower())
    geoms = read(unpack(resp, tmp_path, f"{lid}.{ext}"))[2]
    want = shapely.from_wkt(wkt)
    if fmt == "KML":  # always lon/lat
        want = shapely.transform(want, lambda xy: np.array(lonlat(xy[:, 0], xy[:, 1])).T)
    got = shapely.union_all(shapely.force_2d(geoms))  # DXF splits multi-part geometries
    tol = {"MapInfo File (TAB)": 0.02, "KML": 1e-9}.get(fmt, 1e-6)  # MapInfo: fixed grid
    assert shapely.hausdorff_distance(got, shapely.force_2d(want)) < tol
    if fmt in ("GPKG", "ESRI Shapefile", "GeoJSON") and want.has_z:
        assert sorted(shapely.get_coordinates(geoms[0], include_z=True)[:, 2]) == \
            sorted(shapely.get_coordinates(want, include_z=True)[:, 2])


def test_layer_without_geometry(admin, folder, tmp_path):
    from ..feature_layer.helpers import make_layer, patch

    lid = make_layer(admin, folder, geometry_type="NONE", fields=[("name", "STRING")])
    patch(admin, lid, [{"fields": {"name": "a"}}, {"fields": {"name": "б"}}])
    for fmt, ext in (("GPKG", "gpkg"), ("CSV", "csv"), ("GeoJSON", "geojson")):
        path = unpack(export(admin, lid, format=fmt, zipped="false"), tmp_path / ext,
                      f"x.{ext}")
        assert list(read(path)[3]["name"]) == ["a", "б"]
    assert "needs geometries" in export(admin, lid, 422, format="DXF").json()["message"]
