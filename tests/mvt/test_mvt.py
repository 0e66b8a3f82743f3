"""Vector tiles (spec 11): ``/api/component/feature_layer/mvt``, decoded with
mapbox-vector-tile and checked (layer names, feature counts, coordinates in tile space),
204 for empty tiles, ETag / 304, bad input."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest

from ..feature_layer.helpers import make_layer, patch
from ..principals import allow, create_user, set_acl
from ..util import make_group

URL = "/api/component/feature_layer/mvt"
HALF = 20037508.342789244


def tile(client, status=200, headers=None, **params):
    resp = client.get(URL, params=params, headers=headers or {})
    assert resp.status_code == status, resp.text[:300]
    return resp


def decode(resp) -> dict:
    assert resp.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(resp.content, default_options={"y_coord_down": True})


def merc(lon: float, lat: float) -> tuple[float, float]:
    return (lon * HALF / 180,
            math.log(math.tan((90 + lat) * math.pi / 360)) * 6378137.0)


def tile_xy(x: float, y: float, z: int, tx: int, ty: int, extent: int = 4096):
    size = 2 * HALF / (1 << z)
    return (round((x - (-HALF + tx * size)) / size * extent),
            round(((HALF - ty * size) - y) / size * extent))


@pytest.fixture(scope="module")
def folder(admin):
    return make_group(admin, 0)


@pytest.fixture(scope="module")
def points(admin, folder):
    lid = make_layer(admin, folder, srs=3857, fields=[
        ("name", "STRING"), ("n", "INTEGER"), ("big", "BIGINT"), ("r", "REAL"),
        ("d", "DATE"), ("dt", "DATETIME"), ("ok", "BOOLEAN")])
    ids = [r["id"] for r in patch(admin, lid, [
        {"geom": "POINT (1000000 1000000)", "fields": {
            "name": "Привет", "n": 7, "big": 2**40, "r": 2.5, "d": "2024-05-01",
            "dt": "2024-05-01T10:20:30", "ok": True}},
        {"geom": "POINT (-1000000 -2000000)", "fields": {"name": None}},
        {"fields": {"name": "no geometry"}},
    ], dt_format="iso")]
    return lid, ids


@pytest.fixture(scope="module")
def lonlat_polygons(admin, folder):
    lid = make_layer(admin, folder, geometry_type="POLYGON", srs=4326,
                     fields=[("name", "STRING")])
    patch(admin, lid, [
        {"geom": "POLYGON ((10 10, 20 10, 20 20, 10 20, 10 10))", "fields": {"name": "sq"}},
        {"geom": "POLYGON ((-180 80, 180 80, 180 90, -180 90, -180 80))",
         "fields": {"name": "polar cap"}},
    ])
    return lid


def test_points_tile(admin, points):
    lid, ids = points
    layers = decode(tile(admin, resource=lid, z=0, x=0, y=0))
    assert list(layers) == [f"ngw:{lid}"]
    layer = layers[f"ngw:{lid}"]
    assert layer["extent"] == 4096
    features = {f["id"]: f for f in layer["features"]}
    assert sorted(features) == ids[:2]  # the feature without geometry is not in a tile
    first = features[ids[0]]
    assert first["geometry"]["type"] == "Point"
    assert tuple(first["geometry"]["coordinates"]) == tile_xy(1e6, 1e6, 0, 0, 0)
    assert first["properties"] == {"name": "Привет", "n": 7, "big": 2**40, "r": 2.5,
                                   "d": "2024-05-01", "dt": "2024-05-01T10:20:30",
                                   "ok": True}
    assert features[ids[1]]["properties"].get("name") is None
    z1 = decode(tile(admin, resource=lid, z=1, x=1, y=0))[f"ngw:{lid}"]
    assert [f["id"] for f in z1["features"]] == [ids[0]]
    assert tuple(z1["features"][0]["geometry"]["coordinates"]) == tile_xy(1e6, 1e6, 1, 1, 0)


def test_extent_option_and_padding(admin, points):
    lid, ids = points
    layer = decode(tile(admin, resource=lid, z=0, x=0, y=0, extent=256))[f"ngw:{lid}"]
    assert layer["extent"] == 256
    got = {tuple(f["geometry"]["coordinates"]) for f in layer["features"]}
    assert tile_xy(1e6, 1e6, 0, 0, 0, 256) in got
    # A point just outside the tile is kept within the padding, not beyond it.
    size = 2 * HALF / 1024  # tile z=10 x=512 y=511 spans [0, size] x [0, size]
    near = make_layer(admin, make_group(admin, 0), fields=[])
    patch(admin, near, [{"geom": f"POINT ({size * 1.02} {size / 2})"}])
    tile(admin, 204, resource=near, z=10, x=512, y=511, padding=0.01)
    padded = decode(tile(admin, resource=near, z=10, x=512, y=511, padding=0.05))
    (feature,) = padded[f"ngw:{near}"]["features"]
    assert tuple(feature["geometry"]["coordinates"]) == (round(4096 * 1.02), 2048)


def test_reprojected_polygons(admin, lonlat_polygons):
    lid = lonlat_polygons
    layer = decode(tile(admin, resource=lid, z=0, x=0, y=0))[f"ngw:{lid}"]
    by_name = {f["properties"]["name"]: f for f in layer["features"]}
    assert set(by_name) == {"sq", "polar cap"}  # the cap is clipped, not a projection error
    ring = by_name["sq"]["geometry"]["coordinates"][0]
    expected = {tile_xy(*merc(lon, lat), 0, 0, 0) for lon, lat in
                ((10, 10), (20, 10), (20, 20), (10, 20))}
    assert {tuple(p) for p in ring} <= expected | {tuple(ring[0])}
    assert {tuple(p) for p in ring[:-1]} == expected


def test_several_layers_and_empty(admin, points, lonlat_polygons):
    lid, _ = points
    layers = decode(tile(admin, resource=f"{lid},{lonlat_polygons}", z=0, x=0, y=0))
    assert sorted(layers) == sorted([f"ngw:{lid}", f"ngw:{lonlat_polygons}"])
    resp = tile(admin, 204, resource=lid, z=12, x=100, y=100)
    assert resp.content == b"" and resp.headers["ETag"]


def test_etag(admin, points, folder):
    lid = make_layer(admin, folder, fields=[("name", "STRING")])
    (fid,) = [r["id"] for r in patch(admin, lid, [{"geom": "POINT (5 5)",
                                                   "fields": {"name": "a"}}])]
    first = tile(admin, resource=lid, z=0, x=0, y=0)
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = tile(admin, 304, headers={"If-None-Match": tag}, resource=lid, z=0, x=0, y=0)
    assert again.content == b"" and again.headers["ETag"] == tag
    assert tile(admin, resource=lid, z=0, x=0, y=0, extent=512).headers["ETag"] != tag
    admin.ok("PUT", f"/api/resource/{lid}/feature/{fid}", json={"fields": {"name": "b"}})
    changed = tile(admin, headers={"If-None-Match": tag}, resource=lid, z=0, x=0, y=0)
    assert changed.headers["ETag"] != tag
    assert decode(changed)[f"ngw:{lid}"]["features"][0]["properties"] == {"name": "b"}
    tag = changed.headers["ETag"]
    fields = admin.ok("GET", f"/api/resource/{lid}")["feature_layer"]["fields"]
    admin.ok("PUT", f"/api/resource/{lid}", json={"feature_layer": {"fields": [
        {"id": fields[0]["id"], "keyname": "renamed"}]}})
    renamed = tile(admin, headers={"If-None-Match": tag}, resource=lid, z=0, x=0, y=0)
    assert decode(renamed)[f"ngw:{lid}"]["features"][0]["properties"] == {"renamed": "b"}
    admin.ok("DELETE", f"/api/resource/{lid}/feature/")
    tile(admin, 204, headers={"If-None-Match": tag}, resource=lid, z=0, x=0, y=0)


@pytest.mark.parametrize(("params", "location"), [
    ({"z": 0, "x": 0, "y": 0}, "resource"), ({"x": 0, "y": 0}, "z"),
    ({"z": 1, "x": 2, "y": 0}, "x"), ({"z": 1, "x": 0, "y": -1}, "y"),
    ({"z": 31, "x": 0, "y": 0}, "z"), ({"z": 0, "x": 0, "y": 0, "extent": 0}, "extent"),
    ({"z": 0, "x": 0, "y": 0, "padding": 0.9}, "padding"),
    ({"z": 0, "x": 0, "y": 0, "simplification": "x"}, "simplification"),
])
def test_bad_input(admin, points, params, location):
    lid, _ = points
    if location != "resource":
        params = {"resource": lid, **params}
    resp = admin.get(URL, params=params)
    assert resp.status_code == 422, resp.text
    assert resp.json()["data"]["location"] == ["query", location]


def test_resources_checked(admin, points, folder):
    lid, _ = points
    tile(admin, 404, resource=f"{lid},2000000000", z=0, x=0, y=0)
    tile(admin, 422, resource=folder, z=0, x=0, y=0)
    none = make_layer(admin, folder, geometry_type="NONE", fields=[("a", "STRING")])
    assert "no geometry" in tile(admin, 422, resource=none, z=0, x=0, y=0).json()["message"]
    group = make_group(admin, 0)
    layer = make_layer(admin, group, fields=[])
    patch(admin, layer, [{"geom": "POINT (0 0)"}])
    user = create_user(admin)
    tile(user.client, 404, resource=layer, z=0, x=0, y=0)
    set_acl(admin, group, allow(user.id, "resource.read"))
    body = tile(user.client, 403, resource=layer, z=0, x=0, y=0).json()
    assert body["exception"].endswith("InsufficientPermissions")
    set_acl(admin, group, allow(user.id, "resource.read", "data.read"))
    assert f"ngw:{layer}" in decode(tile(user.client, resource=layer, z=0, x=0, y=0))
