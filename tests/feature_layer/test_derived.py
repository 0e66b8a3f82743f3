"""Derived endpoints (spec 3.4, 11): counts, extents, geometry_info, geojson, identify, and
the NGW route names."""

from __future__ import annotations

import pytest
from pyproj import Geod, Transformer

from .helpers import error, feature_url, make_layer, patch

TO_4326 = Transformer.from_crs(3857, 4326, always_xy=True)


def close(a: dict, b: dict, tol: float = 1e-6) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) < tol for k in a)


@pytest.fixture
def poly_layer(admin, group):
    lid = make_layer(admin, group, geometry_type="POLYGON", fields=[
        {"keyname": "name", "datatype": "STRING", "label_field": True},
        {"keyname": "n", "datatype": "INTEGER"}])
    ids = [r["id"] for r in patch(admin, lid, [
        {"geom": "POLYGON ((5542180 8799167, 6191082 7551279, 4668659 7126998, "
                 "5542180 8799167))", "fields": {"name": "west", "n": 1}},
        {"geom": "POLYGON ((15100999 10396463, 16498633 10546209, 16673337 9223449, "
                 "15175872 8948913, 15100999 10396463))", "fields": {"name": "east", "n": 2}},
        {"fields": {"name": "nowhere", "n": 3}}])]
    return lid, ids


WEST = {"minLat": 53.7714928132034, "maxLat": 61.7460098580695,
        "minLon": 41.9392773604216, "maxLon": 55.6154358583725}
EAST = {"minLat": 62.3762455754066, "maxLat": 68.3314641781765,
        "minLon": 135.654582071736, "maxLon": 149.779134643755}


def test_counts(admin, poly_layer):
    lid, _ids = poly_layer
    assert admin.ok("GET", f"/api/resource/{lid}/feature_count") == {"total_count": 3}
    assert admin.ok("GET", f"/api/resource/{lid}/feature_count", params={"fld_n__gt": "1"}) \
        == {"total_count": 3, "filtered_count": 2}
    assert admin.ok("GET", f"/api/resource/{lid}/feature_count", params={"srs": "4326"}) \
        == {"total_count": 3}


def test_extents(admin, poly_layer):
    lid, ids = poly_layer
    assert close(admin.ok("GET", f"/api/resource/{lid}/feature/{ids[0]}/extent")["extent"], WEST)
    assert close(admin.ok("GET", f"/api/resource/{lid}/feature/{ids[1]}/extent")["extent"], EAST)
    assert admin.ok("GET", f"/api/resource/{lid}/feature/{ids[2]}/extent") == {"extent": None}
    both = {"minLat": WEST["minLat"], "maxLat": EAST["maxLat"], "minLon": WEST["minLon"],
            "maxLon": EAST["maxLon"]}
    assert close(admin.ok("GET", f"/api/resource/{lid}/extent")["extent"], both)
    assert close(admin.ok("GET", f"/api/resource/{lid}/feature_extent"), both)
    assert close(admin.ok("GET", f"/api/resource/{lid}/feature_extent",
                          params={"like": "eas"}), EAST)
    empty = admin.ok("GET", f"/api/resource/{lid}/feature_extent", params={"fld_n": "3"})
    assert empty == {"minLon": None, "minLat": None, "maxLon": None, "maxLat": None}
    resp = admin.get(f"/api/resource/{lid}/feature/987654/extent")
    assert resp.status_code == 404 and error(resp)["exception"].endswith("FeatureNotFound")


def test_extent_of_empty_and_none_layers(admin, group):
    nulls = {"minLon": None, "minLat": None, "maxLon": None, "maxLat": None}
    for gtype in ("POINT", "NONE"):
        lid = make_layer(admin, group, geometry_type=gtype, fields=[])
        assert admin.ok("GET", f"/api/resource/{lid}/extent") == {"extent": nulls}
        assert admin.ok("GET", f"/api/resource/{lid}/feature_extent") == nulls


def test_geometry_info(admin, poly_layer, group):
    lid, ids = poly_layer
    info = admin.ok("GET", f"/api/resource/{lid}/feature/{ids[0]}/geometry_info")
    assert info["type"] == "Polygon" and info["length"] is not None
    x = [5542180, 6191082, 4668659, 5542180]
    y = [8799167, 7551279, 7126998, 8799167]
    assert info["extent"] == {"minX": min(x), "minY": min(y), "maxX": max(x), "maxY": max(y)}
    lon, lat = TO_4326.transform(x, y)
    area, perimeter = Geod(ellps="WGS84").polygon_area_perimeter(lon, lat)
    assert abs(info["area"] - abs(area)) / abs(area) < 1e-6
    assert abs(info["length"] - perimeter) / perimeter < 1e-6
    in4326 = admin.ok("GET", f"/api/resource/{lid}/feature/{ids[0]}/geometry_info",
                      params={"srs": "4326"})
    assert abs(in4326["extent"]["minX"] - WEST["minLon"]) < 1e-6
    assert abs(in4326["area"] - info["area"]) / info["area"] < 1e-6
    none = admin.ok("GET", f"/api/resource/{lid}/feature/{ids[2]}/geometry_info")
    assert none == {"type": None, "area": None, "length": None, "extent": None}
    pts = make_layer(admin, group, fields=[])
    fid = patch(admin, pts, [{"geom": "POINT (1 2)"}])[0]["id"]
    info = admin.ok("GET", f"/api/resource/{pts}/feature/{fid}/geometry_info")
    assert info == {"type": "Point", "area": None, "length": None,
                    "extent": {"minX": 1, "minY": 2, "maxX": 1, "maxY": 2}}
    resp = admin.get(f"/api/resource/{pts}/feature/{fid}/geometry_info", params={"srs": "1"})
    assert resp.status_code == 422


def test_geojson(admin, group):
    lid = make_layer(admin, group, fields=[("s", "STRING"), ("d", "DATE"), ("b", "BIGINT")])
    ids = [r["id"] for r in patch(admin, lid, [
        {"geom": "POINT (1113194.9079327357 2273030.926987689)",
         "fields": {"s": "x", "d": {"year": 2024, "month": 5, "day": 1}, "b": 2**60}},
        {"fields": {"s": "no geometry"}}])]
    resp = admin.get(f"/api/resource/{lid}/geojson")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
    assert resp.headers["Content-Disposition"] == f"attachment; filename={lid}.geojson"
    fc = resp.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 2
    first = fc["features"][0]
    assert first["id"] == ids[0] and first["type"] == "Feature"
    assert first["properties"] == {"s": "x", "d": "2024-05-01", "b": 2**60}
    lon, lat = first["geometry"]["coordinates"]
    assert abs(lon - 10) < 1e-9 and abs(lat - 20) < 1e-9
    assert fc["features"][1]["geometry"] is None


def test_identify(admin, poly_layer, group, make_user):
    lid, ids = poly_layer
    other = make_layer(admin, group, fields=[])
    body = {"geom": "POINT (5500000 8000000)", "srs": 3857, "layers": [lid, other, group,
                                                                        987654]}
    result = admin.ok("POST", "/api/feature_layer/identify", json=body)
    assert result["featureCount"] == 1
    assert result[str(lid)]["featureCount"] == 1
    feat = result[str(lid)]["features"][0]
    assert feat == {"id": ids[0], "layerId": lid, "label": "west",
                    "fields": {"name": "west", "n": 1}, "parent": feat["parent"]}
    assert result[str(other)] == {"features": [], "featureCount": 0}
    assert result[str(group)] == {"error": "Not implemented"}
    assert "987654" not in result
    lon, lat = TO_4326.transform(5500000, 8000000)
    in4326 = admin.ok("POST", "/api/feature_layer/identify", json={
        **body, "geom": f"POINT ({lon} {lat})", "srs": 4326})
    assert in4326[str(lid)]["features"][0]["id"] == ids[0]
    uid, user = make_user()
    assert user.ok("POST", "/api/feature_layer/identify", json=body) == {"featureCount": 0}
    admin.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": [
        {"action": "allow", "principal": {"id": uid}, "identity": "", "scope": "resource",
         "permission": "read", "propagate": True}]}})
    assert user.ok("POST", "/api/feature_layer/identify", json=body)[str(lid)] == {
        "error": "Forbidden"}
    for bad in ({**body, "geom": "POINT (1"}, {**body, "srs": 5}, {**body, "layers": "1"}):
        assert admin.post("/api/feature_layer/identify", json=bad).status_code == 422


def test_route_names(admin, layer):
    routes = admin.ok("GET", "/api/component/pyramid/route")
    expected = {
        "feature_layer.feature.collection": ["/api/resource/{0}/feature/", "id"],
        "feature_layer.feature.item": ["/api/resource/{0}/feature/{1}", "id", "fid"],
        "feature_layer.feature.item_extent": ["/api/resource/{0}/feature/{1}/extent", "id",
                                              "fid"],
        "feature_layer.feature.geometry_info": [
            "/api/resource/{0}/feature/{1}/geometry_info", "id", "fid"],
        "feature_layer.feature.count": ["/api/resource/{0}/feature_count", "id"],
        "feature_layer.feature.extent": ["/api/resource/{0}/feature_extent", "id"],
        "layer.extent": ["/api/resource/{0}/extent", "id"],
        "feature_layer.geojson": ["/api/resource/{0}/geojson", "id"],
        "feature_layer.identify": ["/api/feature_layer/identify"],
    }
    for name, value in expected.items():
        assert routes[name] == value, name
    # every route answers with and without a trailing slash, no redirects
    for path in (feature_url(layer), feature_url(layer).rstrip("/"),
                 f"/api/resource/{layer}/feature_count/"):
        resp = admin.get(path, allow_redirects=False)
        assert resp.status_code == 200, path
