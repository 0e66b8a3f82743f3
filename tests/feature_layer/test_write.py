"""Feature writes: single POST/PUT/DELETE, PATCH batches, DELETE lists, value encoding,
geometry input, atomicity and concurrency (spec 3.1, 3.3, Decisions 2 and 8)."""

from __future__ import annotations

import concurrent.futures as cf

import pytest
from pyproj import Transformer

from ..util import Client
from .helpers import NO_EXTENSIONS, error, feature_url, features, make_layer, patch

FULL = {"i": 7, "b": 9007199254740993, "r": 1.25, "s": "Привет", "f": True,
        "d": {"year": 2024, "month": 5, "day": 1},
        "t": {"hour": 13, "minute": 5, "second": 9},
        "dt": {"year": 2024, "month": 5, "day": 1, "hour": 13, "minute": 5, "second": 9}}
ISO = {"d": "2024-05-01", "t": "13:05:09", "dt": "2024-05-01T13:05:09"}


def post(client: Client, layer: int, body, status=200, **params):
    return client.ok("POST", feature_url(layer), status, json=body, params=params)


def get(client: Client, layer: int, fid: int, **params):
    return client.ok("GET", feature_url(layer, fid), params=params)


def count(client: Client, layer: int) -> int:
    return client.ok("GET", f"/api/resource/{layer}/feature_count")["total_count"]


def test_post_get_every_datatype(admin, layer):
    fid = post(admin, layer, {"id": 999, "geom": "POINT (1 2)", "fields": FULL})["id"]
    assert fid != 999
    feat = get(admin, layer, fid)
    assert feat == {"id": fid, "geom": "POINT(1 2)", "fields": {**FULL, "b": "9007199254740993"},
                    "extensions": NO_EXTENSIONS}
    iso = get(admin, layer, fid, dt_format="iso", bigint_format="number")
    assert iso["fields"] == {**FULL, **ISO}
    assert get(admin, layer, fid, bigint_format="string")["fields"]["b"] == "9007199254740993"


def test_gdal_value_forms(admin, layer):
    """GDAL sends all six keys for DATE/TIME/DATETIME (zeros for unused parts)."""
    six = {"year": 2014, "month": 12, "day": 4, "hour": 0, "minute": 0, "second": 0}
    fid = post(admin, layer, {"geom": "POINT (1 2)", "fields": {
        "d": six, "t": {"year": 0, "month": 0, "day": 0, "hour": 12, "minute": 34,
                        "second": 56},
        "dt": {**six, "hour": 12, "minute": 34, "second": 56}}})["id"]
    assert get(admin, layer, fid, dt_format="iso")["fields"] | {} == {
        **dict.fromkeys(("i", "b", "r", "s", "f")), "d": "2014-12-04", "t": "12:34:56",
        "dt": "2014-12-04T12:34:56"}


def test_iso_input_and_coercions(admin, layer):
    fid = post(admin, layer, {"geom": "POINT (1 2)", "fields": {
        "d": "2024-05-01", "t": "13:05:09.75", "dt": "2024-05-01T13:05:09", "i": "12",
        "b": 5.6, "r": "2.5", "f": "false", "s": 42, "unknown": {"x": 1}}}, dt_format="iso")["id"]
    feat = get(admin, layer, fid, dt_format="iso")
    assert feat["fields"] == {"i": 12, "b": 6, "r": 2.5, "s": "42", "f": False,
                              "d": "2024-05-01", "t": "13:05:09", "dt": "2024-05-01T13:05:09"}
    for value, expected in ((1, True), (0, False), ("1", True), ("TRUE", True)):
        fid = post(admin, layer, {"fields": {"f": value}})["id"]
        assert get(admin, layer, fid)["fields"]["f"] is expected


@pytest.mark.parametrize("fields, params, message", [
    ({"i": "abc"}, {}, "field 'i': value 'abc' is not an integer"),
    ({"i": 2**31}, {}, "field 'i': value 2147483648 is out of range for INTEGER"),
    ({"b": 2**63}, {}, "out of range for BIGINT"),
    ({"r": "x"}, {}, "field 'r': value 'x' is not a number"),
    ({"f": "maybe"}, {}, "field 'f': value 'maybe' is not a boolean"),
    ({"s": {"a": 1}}, {}, "field 's'"),
    ({"s": "a\x00b"}, {}, "NUL"),
    ({"d": "2024-05-01"}, {}, "legacy format"),
    ({"d": {"year": 2024, "month": 13, "day": 1}}, {}, "not a valid date"),
    ({"t": {"hour": 1}}, {}, "'minute' must be an integer"),
    ({"d": "2024-5-1"}, {"dt_format": "iso"}, "not an ISO 8601 date"),
    ({"dt": "2024-05-01T10:00:00+03:00"}, {"dt_format": "iso"}, "time zone"),
    ({"dt": {"year": 2024}}, {"dt_format": "iso"}, "not an ISO 8601 datetime"),
])
def test_bad_values_are_422(admin, layer, fields, params, message):
    resp = admin.post(feature_url(layer), json={"fields": fields}, params=params)
    assert resp.status_code == 422, resp.text
    assert message in error(resp)["message"]
    resp = admin.patch(feature_url(layer), json=[{"fields": {}}, {"fields": fields}],
                       params=params)
    assert resp.status_code == 422
    assert error(resp)["message"].startswith("Feature #1: ")
    assert count(admin, layer) == 0


@pytest.mark.parametrize("geom, message", [
    ("POINT (1", "geometry is not valid (WKT)"),
    ("LINESTRING (1 2, 3 4)", "geometry type LINESTRING does not match the layer geometry "
                              "type POINT"),
    ("MULTIPOINT (1 2)", "MULTIPOINT does not match"),
    ("POINT (1 2 3)", "has Z coordinates"),
    ("POINT (nan 1)", "non-finite"),
    ("POINT (1e400 1)", "non-finite"),
    (12, "expected a WKT string"),
])
def test_bad_geometry_is_422(admin, layer, geom, message):
    resp = admin.patch(feature_url(layer), json=[{"geom": "POINT (0 0)"}, {"geom": "POINT (1 1)"},
                                                 {"geom": geom}])
    assert resp.status_code == 422, resp.text
    body = error(resp)
    assert body["message"].startswith("Feature #2: ") and message in body["message"]
    assert count(admin, layer) == 0


def test_geometry_forms(admin, group):
    z = make_layer(admin, group, geometry_type="POINTZ", fields=[])
    ids = [f["id"] for f in patch(admin, z, [
        {"geom": "POINT (1 2 3)"}, {"geom": "POINT Z (4 5 6)"}, {"geom": "Point (7 8)"},
        {"geom": "point z (1.12345678901234567 2 3)"}])]
    assert [get(admin, z, i)["geom"] for i in ids[:3]] == [
        "POINT Z (1 2 3)", "POINT Z (4 5 6)", "POINT Z (7 8 0)"]
    assert get(admin, z, ids[3])["geom"].startswith("POINT Z (1.12345678901234")
    poly = make_layer(admin, group, geometry_type="MULTIPOLYGON", fields=[])
    fid = post(admin, poly, {"geom": {"type": "MultiPolygon", "coordinates": [
        [[[0, 0], [1, 0], [1, 1], [0, 0]]]]}}, geom_format="geojson")["id"]
    assert get(admin, poly, fid)["geom"] == "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))"
    assert get(admin, poly, fid, geom_format="geojson")["geom"] == {
        "type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}
    resp = admin.post(feature_url(poly), json={"geom": {"type": "Polygon"}},
                      params={"geom_format": "geojson"})
    assert resp.status_code == 422 and "GeoJSON" in error(resp)["message"]


def test_input_srs_reprojects(admin, layer):
    fid = post(admin, layer, {"geom": "POINT (37.6 55.75)"}, srs=4326)["id"]
    x, y = map(float, get(admin, layer, fid)["geom"][6:-1].split())
    ex, ey = Transformer.from_crs(4326, 3857, always_xy=True).transform(37.6, 55.75)
    assert abs(x - ex) < 1e-6 and abs(y - ey) < 1e-6
    resp = admin.post(feature_url(layer), json={"geom": "POINT (1 2)"}, params={"srs": 12345678})
    assert resp.status_code == 422
    resp = admin.post(feature_url(layer), json={"geom": "POINT (1 200)"}, params={"srs": 4326})
    assert resp.status_code == 422 and "non-finite" in error(resp)["message"]


def test_put_is_partial_and_geom_null(admin, layer):
    fid = post(admin, layer, {"geom": "POINT (1 2)", "fields": {"i": 1, "s": "a"}})["id"]
    assert admin.ok("PUT", feature_url(layer, fid), json={"id": 12345, "fields": {"i": 2}}) \
        == {"id": fid}
    feat = get(admin, layer, fid)
    assert feat["fields"]["i"] == 2 and feat["fields"]["s"] == "a" and feat["geom"] == "POINT(1 2)"
    admin.ok("PUT", feature_url(layer, fid), json={"geom": None, "fields": {"s": None}})
    feat = get(admin, layer, fid)
    assert feat["geom"] == "POINT(1 2)" and feat["fields"]["s"] is None
    admin.ok("PUT", feature_url(layer, fid), json={"geom": None}, params={"geom_null": "true"})
    assert get(admin, layer, fid)["geom"] is None
    assert post(admin, layer, {"fields": {}})["id"] > fid


def test_missing_features_are_404(admin, layer):
    for method in ("GET", "PUT", "DELETE"):
        resp = admin.request(method, feature_url(layer, 424242), json={"fields": {}})
        assert resp.status_code == 404, (method, resp.text)
        body = error(resp)
        assert body["exception"].endswith("FeatureNotFound")
        assert body["data"] == {"resource_id": layer, "feature_id": 424242}


def test_single_delete(admin, layer):
    fid = post(admin, layer, {"geom": "POINT (1 2)"})["id"]
    assert admin.ok("DELETE", feature_url(layer, fid)) == {"id": fid}
    assert admin.get(feature_url(layer, fid)).status_code == 404


def test_patch_mixed_in_request_order(admin, layer):
    a, b, c = [f["id"] for f in patch(admin, layer, [{"geom": f"POINT ({i} 0)"}
                                                     for i in range(3)])]
    result = patch(admin, layer, [
        {"geom": "POINT (10 10)"}, {"id": b, "fields": {"s": "upd"}},
        {"id": c, "delete": True}, {"id": a, "geom": "POINT (5 5)"},
        {"fields": {"s": "new"}}, {"id": b, "fields": {"i": 3}}])
    assert [r["id"] for r in result[1:4]] == [b, c, a] and result[5]["id"] == b
    assert result[0]["id"] > c and result[4]["id"] == result[0]["id"] + 1
    feats = {f["id"]: f for f in features(admin, layer)}
    assert set(feats) == {a, b, result[0]["id"], result[4]["id"]}
    assert feats[b]["fields"]["s"] == "upd" and feats[b]["fields"]["i"] == 3
    assert feats[a]["geom"] == "POINT(5 5)" and feats[result[4]["id"]]["geom"] is None
    assert patch(admin, layer, []) == []


def test_patch_object_body_is_422(admin, layer):
    resp = admin.patch(feature_url(layer), json={"fields": {"i": 1}})
    assert resp.status_code == 422 and "patch-all" in error(resp)["message"]


def test_patch_unknown_id_writes_nothing(admin, layer):
    fid = post(admin, layer, {"fields": {"i": 1}})["id"]
    resp = admin.patch(feature_url(layer), json=[{"fields": {"i": 5}}, {"id": fid,
                                                 "fields": {"i": 2}}, {"id": 999999}])
    assert resp.status_code == 404
    assert error(resp)["data"]["feature_id"] == 999999
    assert [f["fields"]["i"] for f in features(admin, layer)] == [1]


def test_atomic_10k_batch(admin, layer):
    batch = [{"geom": f"POINT ({i} {i})", "fields": {"i": i, "s": f"n{i}"}} for i in range(10000)]
    batch[5000]["fields"]["i"] = "not a number"
    resp = admin.patch(feature_url(layer), json=batch)
    assert resp.status_code == 422
    assert error(resp)["message"] == \
        "Feature #5000: field 'i': value 'not a number' is not an integer."
    assert count(admin, layer) == 0
    batch[5000]["fields"]["i"] = 5000
    ids = [r["id"] for r in patch(admin, layer, batch)]
    assert len(set(ids)) == 10000 and ids == sorted(ids)
    assert count(admin, layer) == 10000
    updated = patch(admin, layer, [{"id": fid, "fields": {"s": "u"}} for fid in ids])
    assert [r["id"] for r in updated] == ids
    assert {f["fields"]["s"] for f in features(admin, layer, fields="s", geom="no")} == {"u"}


def test_concurrent_batches(admin, layer):
    def worker(n):
        return [r["id"] for r in patch(admin.__class__(admin.base_url, auth=admin.session.auth),
                                       layer, [{"geom": "POINT (1 1)", "fields": {"i": n}}
                                               for _ in range(500)])]

    with cf.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(worker, range(8)))
    all_ids = [i for ids in results for i in ids]
    assert len(set(all_ids)) == 4000 and count(admin, layer) == 4000
    feats = features(admin, layer, fields="i", geom="no")
    for n, ids in enumerate(results):
        assert {f["fields"]["i"] for f in feats if f["id"] in set(ids)} == {n}


def test_delete_list_and_all(admin, layer):
    ids = [r["id"] for r in patch(admin, layer, [{"fields": {"i": i}} for i in range(5)])]
    resp = admin.delete(feature_url(layer), json=[{"id": ids[0]}, {"id": 777777}])
    assert resp.status_code == 404 and count(admin, layer) == 5
    assert admin.ok("DELETE", feature_url(layer), json=[{"id": ids[0]}, {"id": ids[1]}]) == \
        ids[:2]
    assert admin.ok("DELETE", feature_url(layer), json=[]) == []
    assert count(admin, layer) == 3
    # GDAL sends DELETE with no body (and a form Content-Type) to delete everything
    resp = admin.delete(feature_url(layer), headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 200 and resp.json() is True
    assert count(admin, layer) == 0


def test_none_layer(admin, group):
    lid = make_layer(admin, group, geometry_type="NONE", fields=[("a", "STRING")])
    fid = post(admin, lid, {"fields": {"a": "x"}})["id"]
    assert get(admin, lid, fid) == {"id": fid, "geom": None, "fields": {"a": "x"},
                                    "extensions": NO_EXTENSIONS}
    resp = admin.post(feature_url(lid), json={"geom": "POINT (1 2)"})
    assert resp.status_code == 422 and "no geometry" in error(resp)["message"]


def test_gdal_content_type_and_extensions_ignored(admin, layer):
    """GDAL posts JSON as form data, with whatever native JSON it has in extensions."""
    import json

    resp = admin.post(feature_url(layer), data=json.dumps({
        "id": 5, "geom": "POINT (1 2)", "fields": {"s": "x"},
        "extensions": {"type": "Feature", "properties": {"a": 1}}}),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
    assert get(admin, layer, resp.json()["id"])["fields"]["s"] == "x"


def test_malformed_json_is_400(admin, layer):
    resp = admin.patch(feature_url(layer), data=b"[{", headers={
        "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert error(resp)["exception"].endswith("MalformedJSONBody")


def test_permissions(admin, anon, group, layer, make_user):
    uid, reader = make_user()
    admin.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": [
        {"action": "allow", "principal": {"id": uid}, "identity": "", "scope": "resource",
         "permission": "read", "propagate": True},
        {"action": "allow", "principal": {"id": uid}, "identity": "", "scope": "data",
         "permission": "read", "propagate": True}]}})
    fid = post(admin, layer, {"geom": "POINT (1 2)"})["id"]
    assert reader.ok("GET", feature_url(layer, fid))["id"] == fid
    assert reader.ok("GET", feature_url(layer))[0]["id"] == fid
    for method, url in (("POST", feature_url(layer)), ("PATCH", feature_url(layer)),
                        ("PUT", feature_url(layer, fid)), ("DELETE", feature_url(layer, fid)),
                        ("DELETE", feature_url(layer))):
        resp = reader.request(method, url, json=[] if method == "PATCH" else {})
        assert resp.status_code == 403, (method, url, resp.text)
        assert error(resp)["exception"].endswith("InsufficientPermissions")
    assert anon.get(feature_url(layer)).status_code == 404
    resp = admin.get(feature_url(group))
    assert resp.status_code == 404 and error(resp)["exception"].endswith("ResourceNotFound")
    assert admin.post(feature_url(group), json={}).status_code == 404
    assert admin.get(feature_url(987654)).status_code == 404


def test_large_mixed_update_batch(admin, layer):
    """Big update batches stream into a staging table; partial rows keep unsent values."""
    ids = [r["id"] for r in patch(admin, layer, [
        {"geom": f"POINT ({i} 0)", "fields": {"i": i, "s": f"s{i}"}} for i in range(5000)])]
    updates = [{"id": fid, "fields": {"i": -n}} if n % 2 else
               {"id": fid, "geom": f"POINT ({n} 1)", "fields": {"s": "even"}}
               for n, fid in enumerate(ids)]
    resp = admin.patch(feature_url(layer), json=[*updates, {"id": 999999, "fields": {}}])
    assert resp.status_code == 404 and error(resp)["data"]["feature_id"] == 999999
    assert features(admin, layer, limit=1)[0]["fields"]["s"] == "s0"
    assert [r["id"] for r in patch(admin, layer, updates)] == ids
    feats = features(admin, layer, fields="i,s")
    assert feats[0]["fields"] == {"i": 0, "s": "even"} and feats[0]["geom"] == "POINT(0 1)"
    assert feats[1]["fields"] == {"i": -1, "s": "s1"} and feats[1]["geom"] == "POINT(1 0)"
    resp = admin.patch(feature_url(layer), json=[{"id": fid, "fields": {"i": "x" if n == 4321
                                                                        else n}}
                                                 for n, fid in enumerate(ids)])
    assert resp.status_code == 422 and error(resp)["message"].startswith("Feature #4321: ")
    assert features(admin, layer, fields="i")[1]["fields"]["i"] == -1
