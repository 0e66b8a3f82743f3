"""Feature reads: streaming, paging, projection and output options, SRS round trips
(spec 3.1, 3.2, 8)."""

from __future__ import annotations

import pytest
import requests
from pyproj import CRS, Transformer

from ..util import unique
from .helpers import NO_EXTENSIONS, error, feature_url, features, make_layer, patch

CUSTOM_PROJ = ("+proj=tmerc +lat_0=0 +lon_0=39 +k=1 +x_0=7500000 +y_0=0 +ellps=krass "
               "+towgs84=23.57,-140.95,-79.8,0,0.35,0.79,-0.22 +units=m +no_defs")


def point(wkt: str) -> tuple[float, ...]:
    inner = wkt[wkt.index("(") + 1:wkt.rindex(")")]
    return tuple(map(float, inner.split()))


def test_stream_many_features_in_id_order(admin, group, server):
    lid = make_layer(admin, group, fields=[("n", "INTEGER")])
    for start in range(0, 12000, 6000):
        patch(admin, lid, [{"geom": f"POINT ({i} {i})", "fields": {"n": i}}
                           for i in range(start, start + 6000)])
    resp = requests.get(server.url + feature_url(lid), auth=admin.session.auth, stream=True)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers.get("Transfer-Encoding") == "chunked"
    feats = resp.json()
    assert len(feats) == 12000
    assert [f["fields"]["n"] for f in feats] == list(range(12000))
    assert [f["id"] for f in feats] == sorted(f["id"] for f in feats)


def test_empty_layer_reads(admin, layer):
    assert features(admin, layer) == []
    assert features(admin, layer, limit=10, offset=5) == []


def test_paging_and_order(admin, group):
    lid = make_layer(admin, group, fields=[("a", "INTEGER"), ("b", "STRING")])
    ids = [r["id"] for r in patch(admin, lid, [
        {"fields": {"a": a, "b": b}} for a, b in
        [(2, "x"), (1, "y"), (2, "a"), (None, "z"), (1, "y")]])]
    page = features(admin, lid, limit=2, offset=1, geom="no")
    assert [f["id"] for f in page] == ids[1:3] and "geom" not in page[0]
    assert [f["id"] for f in features(admin, lid, offset=3)] == ids  # offset needs limit
    ordered = features(admin, lid, order_by="a,-b")
    assert [f["id"] for f in ordered] == [ids[1], ids[4], ids[0], ids[2], ids[3]]
    ordered = features(admin, lid, order_by="-a,b", limit=3)
    assert [f["id"] for f in ordered] == [ids[3], ids[2], ids[0]]
    assert [f["id"] for f in features(admin, lid, order_by="-id")] == ids[::-1]
    resp = admin.get(feature_url(lid), params={"order_by": "a,nope"})
    assert resp.status_code == 422 and error(resp)["message"] == "Unknown field 'nope'."
    for name, value in (("limit", "x"), ("offset", "-1"), ("geom", "maybe"),
                        ("geom_format", "kml"), ("dt_format", "unix"),
                        ("bigint_format", "hex"), ("srs", "abc"), ("srs", "77777")):
        resp = admin.get(feature_url(lid), params={name: value, "limit": 1} if name != "limit"
                         else {name: value})
        assert resp.status_code == 422, (name, value, resp.text)
        assert error(resp)["data"]["location"][-1] == name


def test_fields_projection_and_label(admin, group):
    lid = make_layer(admin, group, fields=[
        {"keyname": "a", "datatype": "STRING", "label_field": True},
        {"keyname": "b", "datatype": "INTEGER"}])
    fid = patch(admin, lid, [{"geom": "POINT (1 2)", "fields": {"a": "Main st.", "b": 3}},
                             {"fields": {"b": 4}}])
    feats = features(admin, lid, fields="b", label="true")
    assert feats[0] == {"id": fid[0]["id"], "label": "Main st.", "geom": "POINT(1 2)",
                        "fields": {"b": 3}, "extensions": NO_EXTENSIONS}
    assert feats[1]["label"] == f"#{fid[1]['id']}" and feats[1]["geom"] is None
    assert features(admin, lid, fields="")[0]["fields"] == {}
    # filters apply to fields outside the projection (GDAL's ignored fields)
    assert [f["id"] for f in features(admin, lid, fields="b", fld_a="Main st.")] == \
        [fid[0]["id"]]
    assert "extensions" not in features(admin, lid, extensions="")[0]
    assert features(admin, lid, extensions="attachment,description")[0]["extensions"] == \
        NO_EXTENSIONS
    one = admin.ok("GET", feature_url(lid, fid[0]["id"]), params={"fields": "a", "geom": "no",
                                                                  "label": "yes"})
    assert one == {"id": fid[0]["id"], "label": "Main st.", "fields": {"a": "Main st."},
                   "extensions": NO_EXTENSIONS}


def test_gdal_read_forms(admin, layer):
    """The exact parameter forms GDAL 3.6 sends."""
    patch(admin, layer, [{"geom": "POINT (1 2)", "fields": {"s": "fo_o", "r": 1.5, "i": 321}},
                         {"geom": "POINT (3 4)", "fields": {"s": "FOO", "r": 2.5, "i": 5}}])
    base = feature_url(layer)
    for query, n in (("?extensions=", 2), ("?offset=0&limit=1&extensions=", 1),
                     ("?fields=s,i&fld_s__eq=fo_o&fld_i__eq=321&extensions=", 1),
                     ("?fields=s&fld_r__gt=1.500000&extensions=&geom=no", 1),
                     ("?fld_s__ilike=%25O_O&extensions=", 1),
                     ("?fld_s=fo_o&fld_i=321", 1), ("?fld_i__lt=321&extensions=", 1),
                     ("?intersects=POLYGON%20((0.5%201.5,0.5%202.5,1.5%202.5,1.5%201.5,"
                      "0.5%201.5))&extensions=", 1)):
        assert len(admin.ok("GET", base + query)) == n, query


def test_output_srs_round_trip(admin, layer):
    """Write in EPSG:4326 into a 3857 layer; read in 3857, 4326 and a custom SRS."""
    srs_id = admin.ok("POST", "/api/component/spatial_ref_sys/", 201, json={
        "display_name": unique("pulkovo"), "wkt": CUSTOM_PROJ})["id"]
    lon, lat = 37.617635, 55.755814
    fid = admin.ok("POST", feature_url(layer), json={"geom": f"POINT ({lon} {lat})"},
                   params={"srs": 4326})["id"]
    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    to_custom = Transformer.from_crs(CRS(4326), CRS(CUSTOM_PROJ), always_xy=True)
    cases = ((None, to_merc.transform(lon, lat)), (3857, to_merc.transform(lon, lat)),
             (4326, (lon, lat)), (srs_id, to_custom.transform(lon, lat)))
    for srs, (ex, ey) in cases:
        params = {} if srs is None else {"srs": srs}
        x, y = point(admin.ok("GET", feature_url(layer, fid), params=params)["geom"])
        assert abs(x - ex) < 1e-6 and abs(y - ey) < 1e-6, (srs, x - ex, y - ey)
        x, y = point(features(admin, layer, **params)[0]["geom"])
        assert abs(x - ex) < 1e-6 and abs(y - ey) < 1e-6
    gj = features(admin, layer, srs=4326, geom_format="geojson")[0]["geom"]
    assert gj["type"] == "Point"
    assert abs(gj["coordinates"][0] - lon) < 1e-9 and abs(gj["coordinates"][1] - lat) < 1e-9
    # write in the custom SRS, read back in 4326
    cx, cy = to_custom.transform(lon, lat)
    fid2 = admin.ok("POST", feature_url(layer), json={"geom": f"POINT ({cx!r} {cy!r})"},
                    params={"srs": srs_id})["id"]
    x, y = point(admin.ok("GET", feature_url(layer, fid2), params={"srs": 4326})["geom"])
    assert abs(x - lon) < 1e-6 and abs(y - lat) < 1e-6


def test_mobile_full_download(admin, group):
    lid = make_layer(admin, group, srs=4326, fields=[("d", "DATE"), ("dt", "DATETIME"),
                                                     ("t", "TIME")])
    patch(admin, lid, [{"geom": "POINT (30.5 50.25)", "fields": {
        "d": "2024-05-01", "dt": "2024-05-01T13:05:00", "t": "13:05:00"}}],
          dt_format="iso")
    feat = features(admin, lid, dt_format="iso", extensions="attachment")[0]
    assert feat["geom"] == "POINT(30.5 50.25)"
    assert feat["fields"] == {"d": "2024-05-01", "dt": "2024-05-01T13:05:00", "t": "13:05:00"}


def test_read_on_z_layer(admin, group):
    lid = make_layer(admin, group, geometry_type="LINESTRINGZ", fields=[])
    patch(admin, lid, [{"geom": "LINESTRING (1 2 3, 4 5 6)"}])
    assert features(admin, lid)[0]["geom"] == "LINESTRING Z (1 2 3,4 5 6)"
    assert features(admin, lid, geom_format="geojson")[0]["geom"] == {
        "type": "LineString", "coordinates": [[1, 2, 3], [4, 5, 6]]}


@pytest.mark.parametrize("path", ["feature/", "feature/1", "feature_count", "feature_extent",
                                  "extent", "geojson"])
def test_reads_need_data_read(admin, group, make_user, path):
    lid = make_layer(admin, group, fields=[])
    patch(admin, lid, [{"geom": "POINT (1 2)"}])
    uid, user = make_user()
    admin.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": [
        {"action": "allow", "principal": {"id": uid}, "identity": "", "scope": "resource",
         "permission": "read", "propagate": True}]}})
    fid = features(admin, lid)[0]["id"]
    url = f"/api/resource/{lid}/{path}".replace("feature/1", f"feature/{fid}")
    resp = user.get(url)
    assert resp.status_code == 403, resp.text
    assert error(resp)["data"] == {"resource": {"id": lid}, "permission": "read",
                                   "scope": "data"}


def test_version_read_without_versioning(admin, layer):
    for url in (feature_url(layer), feature_url(layer, 1)):
        resp = admin.get(url, params={"version": "1"})
        assert resp.status_code == 422
        assert error(resp)["exception"].endswith("FVersioningNotEnabled")
