"""spatial_ref_sys over HTTP: catalogue, EPSG auto-registration, custom SRS, helpers."""

import math
import threading

import numpy as np
import psycopg
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from ..util import unique

BASE = "/api/component/spatial_ref_sys"
KEYS = {"id", "display_name", "auth_name", "auth_srid", "wkt", "catalog_id", "system",
        "protected", "geographic"}
# Pulkovo 1942 based local projection (MSK-like), as administrators typically paste it.
MSK_PROJ = ("+proj=tmerc +lat_0=0 +lon_0=37.5 +k=1 +x_0=1250000 +y_0=-5712900.566 "
            "+ellps=krass +towgs84=23.57,-140.95,-79.8,0,0.35,0.79,-0.22 +units=m +no_defs")
UTM37_WKT = CRS.from_epsg(32637).to_wkt("WKT1_GDAL")


@pytest.fixture
def custom(admin):
    """Create a custom SRS; returns its id (deleted afterwards if still there)."""
    created = []

    def factory(wkt=UTM37_WKT, name=None):
        srs_id = admin.ok("POST", f"{BASE}/", 201,
                          json={"display_name": name or unique("srs"), "wkt": wkt})["id"]
        created.append(srs_id)
        return srs_id

    yield factory
    for srs_id in created:
        admin.delete(f"{BASE}/{srs_id}")


def pg(server):
    return psycopg.connect(server.database_url.replace("+psycopg", ""), autocommit=True)


def error(resp, status):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["status_code"] == status and body["message"]
    return body


def test_list_and_system(anon):
    items = anon.ok("GET", f"{BASE}/")
    assert items[0]["id"] == 4326
    by_id = {s["id"]: s for s in items}
    for code, geographic in ((4326, True), (3857, False)):
        srs = by_id[code]
        assert set(srs) == KEYS
        assert srs["auth_name"] == "EPSG" and srs["auth_srid"] == code
        assert srs["system"] and srs["protected"] and srs["geographic"] is geographic
        assert srs["catalog_id"] is None
        assert CRS.from_wkt(srs["wkt"]).to_epsg() == code
    assert anon.ok("GET", f"{BASE}/3857") == by_id[3857]
    assert anon.ok("GET", f"{BASE}/3857/") == by_id[3857]


def test_unknown_id(anon):
    for srs_id in (999, 998999, 999999):
        body = error(anon.get(f"{BASE}/{srs_id}"), 404)
        assert body["exception"] == "featuresvc.spatial_ref_sys.SRSNotFound"
        assert f"id = {srs_id}" in body["message"]


@pytest.mark.parametrize("code", [32637, 2056])
def test_epsg_read_then_registered_by_a_layer(admin, anon, code):
    # Reading an EPSG code PostGIS knows answers from PostGIS and registers nothing (an
    # anonymous GET never writes); the first layer stored in it registers it, exactly once
    # even when several layers are created concurrently.
    results = []

    def fetch():
        results.append(anon.get(f"{BASE}/{code}"))

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 6, [r.text for r in results]
    srs = results[0].json()
    assert all(r.json() == srs for r in results)
    assert srs["id"] == code and srs["auth_name"] == "EPSG" and srs["auth_srid"] == code
    assert srs["protected"] and not srs["system"] and not srs["geographic"]
    assert f"(EPSG:{code})" in srs["display_name"]
    assert code not in [s["id"] for s in anon.ok("GET", f"{BASE}/")]

    created = []

    def create():
        created.append(admin.post("/api/resource/", json={
            "resource": {"cls": "vector_layer", "parent": {"id": 0},
                         "display_name": unique("srs-layer")},
            "vector_layer": {"srs": {"id": code}, "geometry_type": "POINT", "fields": []}}))

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in created] == [201] * 4, [r.text for r in created]
    assert [s["id"] for s in anon.ok("GET", f"{BASE}/")].count(code) == 1
    assert anon.ok("GET", f"{BASE}/{code}") == srs
    for r in created:
        admin.ok("DELETE", f"/api/resource/{r.json()['id']}")


def test_custom_from_wkt_update_delete(admin, anon, custom):
    name = unique("utm")
    srs_id = custom(name=name)
    assert 990001 <= srs_id <= 998999
    srs = anon.ok("GET", f"{BASE}/{srs_id}")
    assert srs == {"id": srs_id, "display_name": name, "auth_name": None, "auth_srid": None,
                   "wkt": UTM37_WKT, "catalog_id": None, "system": False, "protected": False,
                   "geographic": False}

    wgs = CRS.from_epsg(4326).to_wkt("WKT1_GDAL")
    assert admin.ok("PUT", f"{BASE}/{srs_id}", json={"display_name": name + "2", "wkt": wgs}) \
        == {"id": srs_id}
    srs = anon.ok("GET", f"{BASE}/{srs_id}")
    assert srs["display_name"] == name + "2" and srs["wkt"] == wgs and srs["geographic"]
    assert admin.ok("PUT", f"{BASE}/{srs_id}", json={"display_name": name}) == {"id": srs_id}
    assert anon.ok("GET", f"{BASE}/{srs_id}")["wkt"] == wgs

    assert admin.ok("DELETE", f"{BASE}/{srs_id}") == {}
    error(anon.get(f"{BASE}/{srs_id}"), 404)
    error(admin.delete(f"{BASE}/{srs_id}"), 404)


def test_custom_from_proj_string(admin, anon, custom):
    srs_id = custom(wkt=MSK_PROJ)
    srs = anon.ok("GET", f"{BASE}/{srs_id}")
    crs = CRS.from_wkt(srs["wkt"])  # stored as WKT
    assert crs.is_projected and "TOWGS84" in srs["wkt"]


def test_duplicate_display_name(admin, custom):
    name = unique("dup")
    first = custom(name=name)
    body = error(admin.post(f"{BASE}/", json={"display_name": name, "wkt": UTM37_WKT}), 422)
    assert "not unique" in body["message"]
    second = custom()
    body = error(admin.put(f"{BASE}/{second}", json={"display_name": name}), 422)
    assert "not unique" in body["message"]
    # Concurrent creations with one name: exactly one wins, the others get 422.
    name = unique("race")
    results = []

    def create():
        results.append(admin.post(f"{BASE}/", json={"display_name": name, "wkt": UTM37_WKT}))

    threads = [threading.Thread(target=create) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 422, 422, 422, 422], [r.text for r in results]
    for r in results:
        if r.status_code == 201:
            admin.delete(f"{BASE}/{r.json()['id']}")
    assert first


def test_protected(admin, anon):
    for code in (4326, 3857, 32637):
        anon.ok("GET", f"{BASE}/{code}")
        body = error(admin.put(f"{BASE}/{code}", json={"wkt": MSK_PROJ}), 422)
        assert body["message"] == "Cannot change wkt definition of standard coordinate system."
        body = error(admin.delete(f"{BASE}/{code}"), 422)
        assert body["message"] == "Unable to delete standard coordinate system."
    # Renaming is allowed; sending the same wkt back is not a change.
    srs = anon.ok("GET", f"{BASE}/32637")
    new_name = unique("utm37")
    admin.ok("PUT", f"{BASE}/32637", json={"display_name": new_name, "wkt": srs["wkt"]})
    assert anon.ok("GET", f"{BASE}/32637")["display_name"] == new_name


def test_permissions(anon, make_user, custom):
    body = {"display_name": unique("x"), "wkt": UTM37_WKT}
    resp = anon.post(f"{BASE}/", json=body)
    error(resp, 401)
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
    _uid, user = make_user()
    error(user.post(f"{BASE}/", json=body), 403)
    srs_id = custom()
    error(user.put(f"{BASE}/{srs_id}", json={"display_name": "x"}), 403)
    error(user.delete(f"{BASE}/{srs_id}"), 403)
    error(anon.delete(f"{BASE}/{srs_id}"), 401)


@pytest.mark.parametrize("wkt", ["garbage", 'PROJCS["broken"', "+proj=nonsense +x=1",
                                 "+proj=geocent +ellps=WGS84", "   "])
def test_invalid_definition(admin, wkt):
    body = error(admin.post(f"{BASE}/", json={"display_name": unique("bad"), "wkt": wkt}), 422)
    assert body["data"]["location"] == ["body", "wkt"]


def test_invalid_bodies(admin):
    error(admin.post(f"{BASE}/", json={"wkt": UTM37_WKT}), 422)
    error(admin.post(f"{BASE}/", json={"display_name": "", "wkt": UTM37_WKT}), 422)
    error(admin.post(f"{BASE}/", data="{nope"), 400)
    error(admin.put(f"{BASE}/3857", json={"wkt": 5}), 422)


def test_convert(anon):
    for fmt, text, code in (("epsg", "32637", 32637), ("epsg", "EPSG:3857", 3857),
                            ("wkt", UTM37_WKT, 32637),
                            ("proj4", "+proj=longlat +datum=WGS84 +no_defs", None),
                            ("esri", CRS.from_epsg(2056).to_wkt("WKT1_ESRI"), None)):
        wkt = anon.ok("POST", f"{BASE}/convert", json={"format": fmt, "projStr": text})["wkt"]
        crs = CRS.from_wkt(wkt)
        assert "\n" in wkt  # pretty, like NGW
        if code:
            assert crs.to_epsg() == code
    wkt = anon.ok("POST", f"{BASE}/convert", json={"format": "proj4", "projStr": MSK_PROJ})["wkt"]
    assert CRS.from_wkt(wkt).is_projected
    for fmt, text in (("epsg", "nope"), ("epsg", "999999"), ("proj4", "+proj=bogus"),
                      ("wkt", "GEOGCS[")):
        body = error(anon.post(f"{BASE}/convert", json={"format": fmt, "projStr": text}), 422)
        assert "Invalid SRS definition" in body["message"]
    body = error(anon.post(f"{BASE}/convert", json={"format": "xyz", "projStr": "1"}), 422)
    assert body["data"]["location"] == ["body", "format"]
    resp = anon.post(f"{BASE}/convert", json={"format": "mapinfo",
                                              "projStr": "Earth Projection 1, 104"})
    if resp.status_code == 200:  # GDAL bindings available to the server
        assert CRS.from_wkt(resp.json()["wkt"]).is_geographic
    else:
        assert "MapInfo" in error(resp, 422)["message"]


def test_geom_transform(anon, custom):
    ref = Transformer.from_crs(4326, 3857, always_xy=True)
    geom = "LINESTRING (37.6 55.7, 30.3 59.9)"
    out = anon.ok("POST", f"{BASE}/3857/geom_transform", json={"srs": 4326, "geom": geom})
    line = shapely.from_wkt(out["geom"])
    for (x, y), (lon, lat) in zip(line.coords, [(37.6, 55.7), (30.3, 59.9)], strict=True):
        ex, ey = ref.transform(lon, lat)
        assert abs(x - ex) < 1e-6 and abs(y - ey) < 1e-6
    # Z is kept; a custom (PROJ string) SRS agrees with pyproj on the same definition.
    srs_id = custom(wkt=MSK_PROJ)
    out = anon.ok("POST", f"{BASE}/{srs_id}/geom_transform",
                  json={"srs": 4326, "geom": "POINT Z (37.6 55.7 150)"})
    point = shapely.from_wkt(out["geom"])
    assert point.has_z
    ex, ey, _ez = Transformer.from_crs(CRS(4326), CRS(MSK_PROJ), always_xy=True) \
        .transform(37.6, 55.7, 150)
    assert abs(point.x - ex) < 1e-6 and abs(point.y - ey) < 1e-6
    # And back.
    back = anon.ok("POST", f"{BASE}/4326/geom_transform",
                   json={"srs": srs_id, "geom": f"POINT ({point.x} {point.y})"})
    p = shapely.from_wkt(back["geom"])
    assert abs(p.x - 37.6) < 1e-6 and abs(p.y - 55.7) < 1e-6


def test_geom_transform_bad_input(anon):
    body = error(anon.post(f"{BASE}/3857/geom_transform",
                           json={"srs": 12345678, "geom": "POINT (1 2)"}), 422)
    assert body["exception"] == "featuresvc.spatial_ref_sys.SRSNotFound"
    assert body["data"] == {"location": ["body", "srs"], "srs_id": 12345678}
    body = error(anon.post(f"{BASE}/3857/geom_transform",
                           json={"srs": 4326, "geom": "POINT (1"}), 422)
    assert body["data"]["location"] == ["body", "geom"]
    error(anon.post(f"{BASE}/3857/geom_transform", json={"srs": 4326, "geom": "POINT (0 91)"}),
          422)
    error(anon.post(f"{BASE}/3857/geom_transform", json={"srs": "x", "geom": "POINT (0 0)"}),
          422)
    error(anon.post(f"{BASE}/999/geom_transform", json={"srs": 4326, "geom": "POINT (0 0)"}),
          404)


def test_geom_length_and_area(anon):
    geod = Geod(ellps="WGS84")
    line = "LINESTRING (37.6 55.7, 30.3 59.9)"
    expected = geod.geometry_length(shapely.from_wkt(line))
    value = anon.ok("POST", f"{BASE}/4326/geom_length", json={"geom": line})["value"]
    assert math.isclose(value, expected, rel_tol=1e-9)
    assert 630_000 < value < 640_000  # Moscow - St Petersburg
    # The same line sent in 3857 (srs) and measured in 3857: the same ground length.
    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    merc = shapely.to_wkt(shapely.transform(shapely.from_wkt(line), lambda c: np.column_stack(
        to_merc.transform(c[:, 0], c[:, 1]))), rounding_precision=-1)
    value = anon.ok("POST", f"{BASE}/3857/geom_length", json={"geom": merc})["value"]
    assert math.isclose(value, expected, rel_tol=1e-7)
    value = anon.ok("POST", f"{BASE}/3857/geom_length",
                    json={"geom": line, "srs": 4326})["value"]
    assert math.isclose(value, expected, rel_tol=1e-7)
    # One degree square at the equator: about 12 364 km2.
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    area = anon.ok("POST", f"{BASE}/4326/geom_area",
                   json={"geom": square, "geom_format": "geojson"})["value"]
    assert 12_300e6 < area < 12_400e6
    area = anon.ok("POST", f"{BASE}/4326/geom_area",
                   json={"geom": "POLYGON ((0 0, 0 1, 1 1, 1 0, 0 0))"})["value"]
    assert 12_300e6 < area < 12_400e6  # orientation does not matter
    assert anon.ok("POST", f"{BASE}/4326/geom_area", json={"geom": line})["value"] == 0
    error(anon.post(f"{BASE}/4326/geom_area", json={"geom": "nope"}), 422)
    error(anon.post(f"{BASE}/4326/geom_area", json={"geom": {"type": "x"},
                                                    "geom_format": "geojson"}), 422)
    error(anon.post(f"{BASE}/4326/geom_area", json={"geom": line, "srs": 1}), 422)


def test_postgis_transform_custom(server, admin, custom):
    srs_id = custom(wkt=MSK_PROJ)
    sql = ("SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID("
           "ST_MakePoint(37.6, 55.7), 4326), %s) AS g) t")
    ref = Transformer.from_crs(CRS(4326), CRS(MSK_PROJ), always_xy=True)
    ex, ey = ref.transform(37.6, 55.7)
    with pg(server) as conn:
        x, y = conn.execute(sql, (srs_id,)).fetchone()
        assert abs(x - ex) < 1e-3 and abs(y - ey) < 1e-3
    # An update is mirrored into PostGIS (UTM 37N: a different easting). A new backend is
    # needed to see it: PostGIS caches PROJ objects per backend (see test_service).
    admin.ok("PUT", f"{BASE}/{srs_id}", json={"wkt": UTM37_WKT})
    with pg(server) as conn:
        x, _y = conn.execute(sql, (srs_id,)).fetchone()
        ux, _uy = Transformer.from_crs(4326, 32637, always_xy=True).transform(37.6, 55.7)
        assert abs(x - ux) < 1e-3
        row = conn.execute("SELECT srtext FROM spatial_ref_sys WHERE srid = %s",
                           (srs_id,)).fetchone()
        assert row == (UTM37_WKT,)
        admin.ok("DELETE", f"{BASE}/{srs_id}")
        assert conn.execute("SELECT count(*) FROM spatial_ref_sys WHERE srid = %s",
                            (srs_id,)).fetchone() == (0,)


def test_route_names(anon):
    routes = anon.ok("GET", "/api/component/pyramid/route")
    assert routes["spatial_ref_sys.collection"] == ["/api/component/spatial_ref_sys/"]
    assert routes["spatial_ref_sys.item"] == ["/api/component/spatial_ref_sys/{0}", "id"]
