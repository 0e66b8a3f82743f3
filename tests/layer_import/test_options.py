"""Load options (spec 2.1): datatypes, fid_source, casts, fix_errors, skip_errors, PUT."""

from __future__ import annotations

import json

import numpy as np
import shapely

from .helpers import create_from, features, layer_doc, points, upload, write


def _geojson(admin, features_, name="data.geojson"):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": p} for g, p in features_]}
    return upload(admin, name, json.dumps(fc).encode())


PT = {"type": "Point", "coordinates": [30, 50]}


def test_time_datetime_boolean_and_id_field(admin, group):
    meta = _geojson(admin, [
        (PT, {"t": "10:20:30", "dt": "2024-05-01T13:05:00+03:00", "b": True, "id": 5}),
        (PT, {"t": "11:20:30", "dt": "2024-05-02T13:05:00", "b": False, "id": 6})])
    lid = create_from(admin, group, meta)["id"]
    doc = layer_doc(admin, lid)
    assert doc["fields"] == {"t": "TIME", "dt": "DATETIME", "b": "BOOLEAN", "id_1": "INTEGER"}
    feats = features(admin, lid)
    assert [f["fields"]["t"] for f in feats] == ["10:20:30", "11:20:30"]
    # the wall-clock value is kept, as NGW does
    assert [f["fields"]["dt"] for f in feats] == ["2024-05-01T13:05:00", "2024-05-02T13:05:00"]
    assert [f["fields"]["b"] for f in feats] == [True, False]
    assert [f["id"] for f in feats] == [1, 2]  # fid_source defaults to SEQUENCE


def test_fid_from_field(admin, group):
    meta = _geojson(admin, [(PT, {"ngw_id": 10, "v": "a"}), (PT, {"ngw_id": 3, "v": "b"})])
    lid = create_from(admin, group, meta, fid_source="AUTO", fid_field="ngw_id, id")["id"]
    assert layer_doc(admin, lid)["fields"] == {"v": "STRING"}
    assert sorted(f["id"] for f in features(admin, lid)) == [3, 10]
    new = admin.ok("POST", f"/api/resource/{lid}/feature/", json={"fields": {"v": "c"}})
    assert new["id"] == 11


def test_fid_field_problems(admin, group):
    dup = _geojson(admin, [(PT, {"k": 1}), (PT, {"k": 1})])
    body = create_from(admin, group, dup, 422, fid_source="FIELD", fid_field="k")
    assert body["message"] == "Field 'k' contains non-unique or empty values."
    # AUTO with an unusable field falls back to the sequence when errors may be fixed
    lid = create_from(admin, group, dup, fid_source="AUTO", fid_field="k",
                      fix_errors="SAFE")["id"]
    assert layer_doc(admin, lid)["fields"] == {"k": "INTEGER"}
    body = create_from(admin, group, dup, 422, fid_source="FIELD", fid_field="nope")
    assert body["message"] == "Fields nope not found."
    body = create_from(admin, group, dup, 422, fid_source="FIELD")
    assert body["message"] == "Parameter 'fid_field' is missing."


def test_casts(admin, group):
    meta = _geojson(admin, [(PT, {}), ({"type": "Point", "coordinates": [31, 51]}, {})])
    lid = create_from(admin, group, meta, cast_is_multi=True, cast_has_z=True)["id"]
    assert layer_doc(admin, lid)["geometry_type"] == "MULTIPOINTZ"
    geom = shapely.from_wkt(features(admin, lid, srs=4326)[0]["geom"])
    assert shapely.get_type_id(geom) == 4 and shapely.has_z(geom)


def test_mixed_types_skip_other_and_skip_errors(admin, group):
    line = {"type": "LineString", "coordinates": [[30, 50], [31, 51]]}
    meta = _geojson(admin, [(PT, {"n": 1}), (line, {"n": 2}), (PT, {"n": 3})])
    body = create_from(admin, group, meta, 422)
    assert body["message"].startswith("Could not determine a geometry type.")
    body = create_from(admin, group, meta, 422, cast_geometry_type="POINT")
    assert body["message"] == ("Vector layer cannot be written due to errors: Feature #2 has "
                               "unsuitable geometry type LINESTRING.")
    for extra in ({"skip_other_geometry_types": True}, {"skip_errors": True}):
        lid = create_from(admin, group, meta, cast_geometry_type="POINT", **extra)["id"]
        assert [f["fields"]["n"] for f in features(admin, lid)] == [1, 3]
    body = create_from(admin, group, meta, 422, skip_other_geometry_types=True)
    assert "cast_geometry_type" in body["message"]


def test_fix_errors(admin, group):
    unclosed = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    meta = _geojson(admin, [(unclosed, {"n": 1})])
    body = create_from(admin, group, meta, 422, srs={"id": 4326})
    assert body["message"].startswith("Vector layer cannot be written due to errors: "
                                      "Feature #1: geometry is not valid")
    lid = create_from(admin, group, meta, srs={"id": 4326}, fix_errors="SAFE")["id"]
    geom = shapely.from_wkt(features(admin, lid)[0]["geom"])
    assert geom.area == 1.0
    meta = _geojson(admin, [(bowtie, {"n": 1})])
    lid = create_from(admin, group, meta, srs={"id": 4326})["id"]  # stored as is
    assert not shapely.is_valid(shapely.from_wkt(features(admin, lid)[0]["geom"]))
    body = create_from(admin, group, meta, 422, srs={"id": 4326}, fix_errors="SAFE")
    assert "LOSSY" in body["message"]
    lid = create_from(admin, group, meta, srs={"id": 4326}, fix_errors="SAFE",
                      cast_is_multi=True)["id"]
    geom = shapely.from_wkt(features(admin, lid)[0]["geom"])
    assert shapely.is_valid(geom) and shapely.get_num_geometries(geom) == 2
    lid = create_from(admin, group, meta, srs={"id": 4326}, fix_errors="LOSSY")["id"]
    assert shapely.is_valid(shapely.from_wkt(features(admin, lid)[0]["geom"]))


def test_put_source_replaces_schema_and_data(admin, group, tmp_path):
    first = write(tmp_path / "a.geojson", points(3), {"a": np.array([1, 2, 3], dtype="int32")},
                  driver="GeoJSON")
    lid = create_from(admin, group, upload(admin, "a.geojson", first.read_bytes()),
                      srs={"id": 4326})["id"]
    lines = [shapely.LineString([(0, 0), (1, 1)])]
    second = write(tmp_path / "b.gpkg", lines, {"b": np.array(["x"], dtype=object)},
                   driver="GPKG")
    admin.ok("PUT", f"/api/resource/{lid}", json={"vector_layer": {
        "source": upload(admin, "b.gpkg", second.read_bytes())}})
    doc = layer_doc(admin, lid)
    assert doc == {"geometry_type": "LINESTRING", "srs": {"id": 4326},
                   "fields": {"b": "STRING"}}
    feats = features(admin, lid)
    assert len(feats) == 1 and feats[0]["fields"] == {"b": "x"}
    # a failing replacement leaves the layer as it was
    bad = upload(admin, "bad.geojson", b"{not json")
    resp = admin.put(f"/api/resource/{lid}", json={"vector_layer": {"source": bad}})
    assert resp.status_code == 422
    assert layer_doc(admin, lid) == doc and len(features(admin, lid)) == 1


def test_source_needs_data_write(admin, group, make_user, tmp_path):
    from ..principals import allow

    uid, client = make_user()
    path = write(tmp_path / "a.geojson", points(1), {}, driver="GeoJSON")
    lid = create_from(admin, group, upload(admin, "a.geojson", path.read_bytes()))["id"]
    acl = admin.ok("GET", f"/api/resource/{group}")["resource"]["permissions"]
    admin.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": [
        *acl, *allow(uid, "resource.read", "resource.update", "data.read")]}})
    meta = upload(client, "a.geojson", path.read_bytes())
    resp = client.put(f"/api/resource/{lid}", json={"vector_layer": {"source": meta}})
    assert resp.status_code == 403 and resp.json()["exception"].endswith(
        "AttributeUpdateForbidden")
