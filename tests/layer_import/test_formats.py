"""Layers from real files of every common format, checked through the feature API."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from .helpers import create_from, features, layer_doc, points, upload, write, zip_dir


def _wkt(feature) -> shapely.Geometry:
    return shapely.from_wkt(feature["geom"])


def test_geojson_types_and_reprojection(admin, group, tmp_path):
    n = 4
    fields = {
        "i32": np.array([1, 2, 3, -4], dtype="int32"),
        "i64": np.array([1, 2, 2**40, 4], dtype="int64"),
        "r": np.array([0.5, 1.5, 2.5, 3.5]),
        "s": np.array(["a", "ё", None, "d"], dtype=object),
        "d": np.array(["2024-01-01", "2024-02-29", "2024-03-03", "2024-04-04"],
                      dtype="datetime64[D]"),
    }
    path = write(tmp_path / "pts.geojson", points(n), fields, driver="GeoJSON")
    meta = upload(admin, "pts.geojson", path.read_bytes())
    lid = create_from(admin, group, meta)["id"]
    doc = layer_doc(admin, lid)
    assert doc["geometry_type"] == "POINT" and doc["srs"] == {"id": 3857}
    assert doc["fields"] == {"i32": "INTEGER", "i64": "BIGINT", "r": "REAL", "s": "STRING",
                             "d": "DATE"}
    feats = features(admin, lid, srs=4326)
    assert [f["fields"]["i64"] for f in feats] == [1, 2, 2**40, 4]
    assert [f["fields"]["s"] for f in feats] == ["a", "ё", None, "d"]
    assert feats[1]["fields"]["d"] == "2024-02-29"
    got = shapely.get_coordinates([_wkt(f) for f in feats])
    assert np.allclose(got, shapely.get_coordinates(points(n)), atol=1e-6)


def test_zipped_shapefile_cpg_and_projected_prj(admin, group, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    src = shapely.points([500000.0, 510000.0], [6000000.0, 6010000.0])  # UTM 37N metres
    write(folder / "roads.shp", src, {"name": np.array(["Ёлка", "дом"], dtype=object)},
          driver="ESRI Shapefile", crs="EPSG:32637", encoding="cp1251")
    assert (folder / "roads.cpg").exists() and (folder / "roads.prj").exists()
    meta = upload(admin, "roads.zip", zip_dir(folder, prefix="data/"))
    lid = create_from(admin, group, meta, srs={"id": 4326})["id"]
    assert layer_doc(admin, lid)["srs"] == {"id": 4326}
    feats = features(admin, lid)
    assert [f["fields"]["name"] for f in feats] == ["Ёлка", "дом"]
    x, y = shapely.get_coordinates(_wkt(feats[0]))[0]
    assert abs(x - 39.0) < 1e-6 and 54.1 < y < 54.2  # central meridian of zone 37


def test_shapefile_polygons_and_multipolygons_become_multi(admin, group, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    square = shapely.box(0, 0, 1, 1)
    geoms = [square, shapely.MultiPolygon([shapely.box(2, 2, 3, 3), shapely.box(4, 4, 5, 5)])]
    write(folder / "parcels.shp", geoms, {"n": np.array([1, 2], dtype="int32")},
          driver="ESRI Shapefile", geometry_type="Polygon")
    meta = upload(admin, "parcels.zip", zip_dir(folder))
    lid = create_from(admin, group, meta, srs={"id": 4326})["id"]
    assert layer_doc(admin, lid)["geometry_type"] == "MULTIPOLYGON"
    feats = features(admin, lid)
    assert shapely.equals(_wkt(feats[0]), shapely.MultiPolygon([square]))
    assert shapely.get_num_geometries(_wkt(feats[1])) == 2


@pytest.mark.parametrize(("name", "content", "expect"), [
    ("wkt.csv", 'WKT,name,num\n"POINT (30 50)",a,1\n"POINT (31 51)",b,2\n', "POINT"),
    ("geom.csv", 'name;geometry\na;"LINESTRING (30 50, 31 51)"\nb;"LINESTRING (1 1, 2 2)"\n',
     "LINESTRING"),
    ("xy.csv", "name,lon,lat,when\na,30.5,50.5,2024-01-02\nb,31,51,2024-01-03\n", "POINT"),
    ("xyz.csv", "name,x,y,z\na,30.5,50.5,100\nb,31,51,\n", "POINTZ"),
])
def test_csv_wkt_and_xy(admin, group, name, content, expect):
    meta = upload(admin, name, content.encode())
    lid = create_from(admin, group, meta, srs={"id": 4326})["id"]
    doc = layer_doc(admin, lid)
    assert doc["geometry_type"] == expect
    assert doc["fields"]["name"] == "STRING"
    assert "WKT" not in doc["fields"] and "geometry" not in doc["fields"]
    feats = features(admin, lid)
    assert [f["fields"]["name"] for f in feats] == ["a", "b"]
    first = _wkt(feats[0])
    assert shapely.get_coordinates(first)[0].tolist() == pytest.approx(
        [30.5, 50.5] if "xy" in name else [30.0, 50.0])
    if name == "xy.csv":
        assert doc["fields"]["when"] == "DATE" and doc["fields"]["lon"] == "REAL"
        assert feats[0]["fields"]["when"] == "2024-01-02"
    if name == "xyz.csv":
        assert shapely.get_coordinates(_wkt(feats[0]), include_z=True)[0][2] == 100


def test_kml(admin, group, tmp_path):
    path = write(tmp_path / "places.kml", points(2), {"name": np.array(["a", "b"], dtype=object),
                                                      "num": np.array([7, 8], dtype="int32")},
                 driver="KML")
    lid = create_from(admin, group, upload(admin, "places.kml", path.read_bytes()))["id"]
    doc = layer_doc(admin, lid)
    assert doc["geometry_type"] == "POINT" and doc["fields"]["num"] == "INTEGER"
    feats = features(admin, lid, srs=4326)
    assert [f["fields"]["num"] for f in feats] == [7, 8]
    assert np.allclose(shapely.get_coordinates(_wkt(feats[1])), [[31, 50.5]])


def test_gpx_waypoints_picked_among_empty_layers(admin, group, tmp_path):
    path = write(tmp_path / "walk.gpx", points(3), {"name": np.array(["a", "b", "c"],
                                                                     dtype=object)},
                 driver="GPX", layer="waypoints")
    # Without a name GDAL sniffs the content.
    lid = create_from(admin, group, upload(admin, "upload", path.read_bytes()))["id"]
    doc = layer_doc(admin, lid)
    assert doc["geometry_type"] == "POINT" and doc["fields"]["name"] == "STRING"
    assert [f["fields"]["name"] for f in features(admin, lid)] == ["a", "b", "c"]


def test_xlsx_lon_lat(admin, group, tmp_path):
    path = write(tmp_path / "sheet.xlsx", None, {
        "name": np.array(["a", "b"], dtype=object), "Lon": np.array([30.5, 31.0]),
        "Lat": np.array([50.25, 51.0])}, driver="XLSX")
    lid = create_from(admin, group, upload(admin, "sheet.xlsx", path.read_bytes()),
                      srs={"id": 4326})["id"]
    assert layer_doc(admin, lid)["geometry_type"] == "POINT"
    feats = features(admin, lid)
    assert shapely.get_coordinates(_wkt(feats[0]))[0].tolist() == [30.5, 50.25]


def _two_layer_gpkg(tmp_path):
    path = tmp_path / "two.gpkg"
    write(path, points(2), {"a": np.array([1, 2], dtype="int32")}, driver="GPKG", layer="pts")
    write(path, [shapely.box(0, 0, 1, 1)], {"b": np.array(["x"], dtype=object)},
          driver="GPKG", layer="areas", append=False)
    return path


def test_gpkg_several_layers_needs_source_layer(admin, group, tmp_path):
    meta = upload(admin, "two.gpkg", _two_layer_gpkg(tmp_path).read_bytes())
    resp = admin.post("/api/resource/", json={
        "resource": {"cls": "vector_layer", "parent": {"id": group}, "display_name": "two"},
        "vector_layer": {"source": meta}})
    assert resp.status_code == 422, resp.text
    assert resp.json()["message"] == "Dataset contains more than one layer."
    lid = create_from(admin, group, meta, source_layer="areas")["id"]
    doc = layer_doc(admin, lid)
    assert doc["geometry_type"] == "POLYGON" and doc["fields"] == {"b": "STRING"}
    inspected = admin.ok("POST", "/api/component/vector_layer/inspect", json={"id": meta["id"]})
    assert sorted(inspected["layers"]) == ["areas", "pts"]
    details = {d["name"]: d for d in inspected["details"]}
    assert details["pts"]["feature_count"] == 2 and details["pts"]["geometry_type"] == "Point"
    assert details["areas"]["fields"] == [{"name": "b", "datatype": "STRING",
                                           "ogr_type": "OFTString"}]


def test_kmz(admin, group, tmp_path):
    import zipfile

    kml = write(tmp_path / "doc.kml", points(2), {"Name": np.array(["a", "b"], dtype=object)},
                driver="KML")
    kmz = tmp_path / "places.kmz"
    with zipfile.ZipFile(kmz, "w") as archive:
        archive.write(kml, "doc.kml")
    for name in ("places.kmz", "noname"):
        lid = create_from(admin, group, upload(admin, name, kmz.read_bytes()))["id"]
        assert [f["fields"]["Name"] for f in features(admin, lid)] == ["a", "b"]
