"""Geometries PostGIS would reject (short or unclosed rings, curves) are a 422 naming the
value on every route that takes one, never a 500 from the database (spec Decision 2)."""

from __future__ import annotations

import pytest

from ..feature_layer.helpers import feature_url, make_layer

BAD_WKT = {
    "short ring": "POLYGON((0 0,1 1,0 0))",
    "short ring in multi": "MULTIPOLYGON(((0 0,1 1,1 0,0 0)),((5 5,6 6,5 5)))",
    "short ring in collection": "GEOMETRYCOLLECTION(POINT(1 1),POLYGON((0 0,1 1,0 0)))",
    "unclosed ring": "POLYGON((0 0,1 1,1 0,2 2))",
    "one-point line": "LINESTRING(0 0)",
    "circularstring": "CIRCULARSTRING(0 0,1 1,2 0)",
    "curvepolygon": "CURVEPOLYGON(CIRCULARSTRING(0 0,1 1,2 0,1 -1,0 0))",
    "compoundcurve": "COMPOUNDCURVE((0 0,1 1),CIRCULARSTRING(1 1,2 2,3 1))",
    "multicurve": "MULTICURVE((0 0,1 1))",
    "triangle": "TRIANGLE((0 0,1 1,1 0,0 0))",
}
BAD_GEOJSON = {
    "short ring": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]},
    "unclosed ring": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [2, 2]]]},
}


@pytest.fixture(scope="module")
def poly(admin):
    from ..util import make_group
    parent = make_group(admin, 0)
    lid = make_layer(admin, parent, geometry_type="POLYGON", fields=[("s", "STRING")])
    admin.ok("POST", feature_url(lid), json={
        "geom": "POLYGON((0 0,0 10,10 10,10 0,0 0))", "fields": {"s": "a"}})
    return lid


def _assert_422(resp, value: str) -> None:
    assert resp.status_code == 422, (resp.status_code, resp.text[:400])
    body = resp.json()
    assert body["status_code"] == 422 and "Traceback" not in resp.text
    assert value[:20] in body["message"], body  # the message quotes the bad value


def _filter_requests(lid: int, wkt: str):
    """(method, path, kwargs) of every route that takes an ``intersects`` geometry."""
    q = {"intersects": wkt}
    return [
        ("GET", feature_url(lid), {"params": q}),
        ("GET", feature_url(lid), {"json": q}),  # large geometries go in a GET body
        ("GET", f"/api/resource/{lid}/feature_count", {"params": q}),
        ("GET", f"/api/resource/{lid}/feature_extent", {"params": q}),
        ("GET", f"/api/resource/{lid}/geojson", {"params": q}),
        ("GET", f"/api/resource/{lid}/export", {"params": {**q, "format": "CSV"}}),
        ("GET", "/api/component/feature_layer/export",
         {"params": {**q, "format": "CSV", "resources": str(lid)}}),
        ("PATCH", feature_url(lid), {"params": {**q, "patch-all": "true"},
                                     "json": {"fields": {"s": "x"}}}),
        ("POST", "/api/feature_layer/identify",
         {"json": {"geom": wkt, "srs": 3857, "layers": [lid]}}),
    ]


@pytest.mark.parametrize("wkt", BAD_WKT.values(), ids=BAD_WKT.keys())
def test_filter_routes_refuse_bad_geometry(admin, poly, wkt):
    for method, path, kwargs in _filter_requests(poly, wkt):
        resp = admin.request(method, path, **kwargs)
        assert resp.status_code == 422, (method, path, resp.status_code, resp.text[:300])
        _assert_422(resp, wkt)
    assert admin.ok("GET", f"/api/resource/{poly}/feature_count")["total_count"] == 1


@pytest.mark.parametrize("wkt", BAD_WKT.values(), ids=BAD_WKT.keys())
def test_writes_refuse_bad_geometry(admin, poly, wkt):
    fid = admin.ok("GET", feature_url(poly))[0]["id"]
    writes = [
        ("POST", feature_url(poly), {"geom": wkt, "fields": {}}),
        ("PATCH", feature_url(poly), [{"geom": "POLYGON((0 0,0 1,1 1,0 0))"},
                                      {"geom": wkt}]),
        ("PUT", feature_url(poly, fid), {"geom": wkt}),
        ("PATCH", feature_url(poly), [{"id": fid, "geom": wkt}]),
    ]
    for method, path, body in writes:
        resp = admin.request(method, path, json=body)
        _assert_422(resp, wkt)
    # Nothing was written: still the one original feature with its geometry.
    feats = admin.ok("GET", feature_url(poly))
    assert [f["geom"] for f in feats] == ["POLYGON((0 0,0 10,10 10,10 0,0 0))"]


@pytest.mark.parametrize("geom", BAD_GEOJSON.values(), ids=BAD_GEOJSON.keys())
def test_geojson_writes_refuse_bad_geometry(admin, poly, geom):
    resp = admin.post(feature_url(poly), params={"geom_format": "geojson"},
                      json={"geom": geom, "fields": {}})
    assert resp.status_code == 422, resp.text[:300]


@pytest.mark.parametrize("wkt", BAD_WKT.values(), ids=BAD_WKT.keys())
def test_srs_geom_routes_refuse_bad_geometry(admin, wkt):
    base = "/api/component/spatial_ref_sys/3857"
    for path, body in [(f"{base}/geom_transform", {"geom": wkt, "srs": 4326}),
                       (f"{base}/geom_length", {"geom": wkt}),
                       (f"{base}/geom_area", {"geom": wkt}),
                       (f"{base}/geom_area", {"geom": wkt, "srs": 4326})]:
        _assert_422(admin.post(path, json=body), wkt)


def test_valid_geometries_still_work(admin, poly):
    ok = "POLYGON((1 1,1 2,2 2,1 1))"
    assert admin.ok("GET", f"/api/resource/{poly}/feature_count",
                    params={"intersects": ok})["filtered_count"] == 1
    assert admin.ok("POST", "/api/component/spatial_ref_sys/3857/geom_area",
                    json={"geom": ok})["value"] > 0


IMPORT_BAD = {
    "short ring": ("POLYGON", "POLYGON((0 0,1 1,0 0))"),
    "curve": ("LINESTRING", "CIRCULARSTRING(0 0,1 1,2 0)"),
    "curve polygon": ("POLYGON", "CURVEPOLYGON(CIRCULARSTRING(0 0,1 1,2 0,1 -1,0 0))"),
}


@pytest.mark.parametrize("kind,wkt", IMPORT_BAD.values(), ids=IMPORT_BAD.keys())
def test_import_refuses_bad_geometry(admin, kind, wkt):
    """A layer created from a file (CSV with a WKT column): the bad row is reported by
    number in a 422, and with skip_errors it is left out; never a 500."""
    from ..layer_import.helpers import create_from, features
    from ..util import make_group
    parent = make_group(admin, 0)
    good = {"POLYGON": "POLYGON((0 0,0 1,1 1,0 0))", "LINESTRING": "LINESTRING(0 0,1 1)"}[kind]
    csv = f'WKT,n\n"{good}",1\n"{wkt}",2\n'.encode()
    up = admin.ok("POST", "/api/component/file_upload/", files={"file": ("data.csv", csv)})
    meta = up["upload_meta"][0]
    body = create_from(admin, parent, meta, 422, srs={"id": 4326}, cast_geometry_type=kind)
    assert "#2" in body["message"], body["message"]
    lid = create_from(admin, parent, meta, srs={"id": 4326}, cast_geometry_type=kind,
                      skip_errors=True)["id"]
    assert [f["fields"]["n"] for f in features(admin, lid)] == [1]
