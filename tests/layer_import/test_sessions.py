"""Import sessions end to end: propose, map, validate, apply (both modes), ownership."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import shapely

from ..feature_layer.helpers import make_layer
from ..principals import allow
from .helpers import features, upload, write

BASE = "/api/component/vector_layer/import/"
FIELDS = [("name", "STRING"), ("count", "INTEGER"), ("day", "DATE")]
CSV = ("Name,COUNT,Day,lon,lat,extra\n"
       "A,1,2024-01-01,30,50,x\n"
       "B,x,2024-13-01,31,51,y\n"
       "C,3,2024-01-03,,,z\n"
       "D,4,2024-01-04,abc,52,w\n")


def _layer(admin, group, **kw):
    return make_layer(admin, group, fields=FIELDS, srs=4326, **kw)


def _session(client, lid, name, data, status=201, **extra):
    meta = upload(client, name, data)
    return client.ok("POST", BASE, status, json={"resource": {"id": lid}, "source": meta,
                                                 **extra})


def test_csv_session_end_to_end(admin, group):
    lid = _layer(admin, group)
    s = _session(admin, lid, "people.csv", CSV.encode())
    assert s["state"] == "ready" and s["row_count"] == 4
    assert [c["name"] for c in s["columns"]] == ["Name", "COUNT", "Day", "lon", "lat", "extra"]
    assert s["preview"][1] == {"Name": "B", "COUNT": "x", "Day": "2024-13-01", "lon": "31",
                               "lat": "51", "extra": "y"}
    assert s["mapping"] == {"fields": {"Name": "name", "COUNT": "count", "Day": "day"},
                            "geometry": {"kind": "xy", "x": "lon", "y": "lat", "z": None,
                                         "srs": {"id": 4326}}}
    url = BASE + s["id"]
    v = admin.ok("GET", url + "/validation")
    assert (v["row_count"], v["invalid_rows"], v["valid_rows"], v["issue_count"]) == (4, 2, 2, 3)
    assert [(i["row"], i["column"], i["field"]) for i in v["issues"]] == [
        (2, "COUNT", "count"), (2, "Day", "day"), (4, "lon, lat", "geom")]
    assert "not an integer" in v["issues"][0]["reason"]
    page = admin.ok("GET", url + "/validation", params={"offset": 1, "limit": 1})
    assert page["issues"] == v["issues"][1:2]

    resp = admin.post(url + "/apply", json={"mode": "all_or_nothing"})
    assert resp.status_code == 422, resp.text
    assert resp.json()["message"].startswith("Nothing was written: 2 row(s) are invalid; row 2")
    assert features(admin, lid) == []
    failed = admin.ok("GET", url)
    assert failed["state"] == "failed" and "Nothing was written" in failed["result"]["error"]

    done = admin.ok("POST", url + "/apply", json={"mode": "skip_invalid"})
    assert (done["created"], done["skipped"], done["rows"]) == (2, 2, 4)
    feats = features(admin, lid)
    assert [f["fields"] for f in feats] == [
        {"name": "A", "count": 1, "day": "2024-01-01"},
        {"name": "C", "count": 3, "day": "2024-01-03"}]
    assert shapely.from_wkt(feats[0]["geom"]).equals(shapely.Point(30, 50))
    assert feats[1]["geom"] is None
    after = admin.ok("GET", url)
    assert after["state"] == "done" and after["progress"] == {"done": 4, "total": 4}
    assert admin.post(url + "/apply", json={}).status_code == 409
    assert admin.put(url, json={"mapping": {"fields": {}}}).status_code == 409
    admin.ok("DELETE", url)
    assert admin.get(url).status_code == 404


def test_mapping_changes(admin, group):
    lid = _layer(admin, group)
    s = _session(admin, lid, "people.csv", CSV.encode())
    url = BASE + s["id"]
    assert admin.ok("GET", url + "/validation")["invalid_rows"] == 2
    for mapping, where in (
        ({"fields": {"nope": "name"}}, "$.mapping.fields.nope"),
        ({"fields": {"Name": "nope"}}, "$.mapping.fields.Name"),
        ({"fields": {"Name": "name", "extra": "name"}}, "$.mapping.fields.extra"),
        ({"geometry": {"kind": "wkt", "column": "missing"}}, "$.mapping.geometry.column"),
        ({"geometry": {"kind": "source"}}, "$.mapping.geometry.kind"),
        ({"geometry": {"kind": "circle"}}, "$.mapping.geometry"),
    ):
        resp = admin.put(url, json={"mapping": mapping})
        assert resp.status_code == 422 and where in resp.json()["message"], resp.text
    # count and day unmapped, no geometry: every row is valid now
    new = admin.ok("PUT", url, json={"mapping": {"fields": {"Name": "name", "extra": None},
                                                 "geometry": None}})
    assert new["mapping"] == {"fields": {"Name": "name"}, "geometry": None}
    assert new["validation"] is None
    assert admin.ok("GET", url + "/validation")["invalid_rows"] == 0
    assert admin.ok("POST", url + "/apply")["created"] == 4


def test_geojson_and_xlsx_sources(admin, group, tmp_path):
    lid = make_layer(admin, group, geometry_type="MULTIPOINT", srs=3857, fields=FIELDS)
    path = write(tmp_path / "p.geojson", [shapely.Point(500000, 6000000)],
                 {"NAME": np.array(["utm"], dtype=object)}, driver="GeoJSON",
                 crs="EPSG:32637")
    s = _session(admin, lid, "p.geojson", path.read_bytes())
    assert s["mapping"] == {"fields": {"NAME": "name"}, "geometry": {"kind": "source"}}
    assert admin.ok("POST", BASE + s["id"] + "/apply")["created"] == 1
    geom = shapely.from_wkt(features(admin, lid, srs=4326)[0]["geom"])
    assert geom.geom_type == "MultiPoint"
    assert abs(shapely.get_coordinates(geom)[0][0] - 39.0) < 1e-6

    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": line, "properties": {"name": "l"}}]}
    s = _session(admin, lid, "l.geojson", json.dumps(fc).encode())
    issues = admin.ok("GET", BASE + s["id"] + "/validation")["issues"]
    assert issues == [{"row": 1, "column": None, "field": "geom",
                       "reason": "Geometry has unsuitable geometry type LINESTRING."}]

    sheet = write(tmp_path / "s.xlsx", None, {
        "name": np.array(["a", "b"], dtype=object), "count": np.array([5, 6], dtype="int32"),
        "WKT": np.array(["POINT (10 20)", "POINT (11 21)"], dtype=object)}, driver="XLSX")
    s = _session(admin, lid, "s.xlsx", sheet.read_bytes())
    assert s["mapping"]["geometry"] == {"kind": "wkt", "column": "WKT", "srs": {"id": 4326}}
    assert admin.ok("POST", BASE + s["id"] + "/apply", json={"mode": "skip_invalid"}) \
        ["created"] == 2
    assert sorted(f["fields"]["count"] for f in features(admin, lid)
                  if f["fields"]["count"]) == [5, 6]


def test_sessions_belong_to_their_user(admin, group, make_user):
    lid = _layer(admin, group)
    s = _session(admin, lid, "people.csv", CSV.encode())
    url = BASE + s["id"]
    writer_id, writer = make_user()
    stranger_id, stranger = make_user()
    acl = admin.ok("GET", f"/api/resource/{group}")["resource"]["permissions"]
    admin.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": [
        *acl, *allow(writer_id, "resource.read", "data.read", "data.write")]}})
    for client, exception in ((writer, "ImportSessionNotFound"),
                              (stranger, "ImportSessionNotFound")):
        for method, path in (("GET", url), ("PUT", url), ("DELETE", url),
                             ("GET", url + "/validation"), ("POST", url + "/apply")):
            resp = client.request(method, path, json={})
            assert resp.status_code == 404, (method, path, resp.text)
            assert resp.json()["exception"].endswith(exception)
    # an upload of someone else cannot start a session
    meta = upload(admin, "people.csv", CSV.encode())
    resp = writer.post(BASE, json={"resource": {"id": lid}, "source": meta})
    assert resp.status_code == 422 and resp.json()["exception"].endswith("FileUploadNotFound")
    own = _session(writer, lid, "people.csv", CSV.encode())
    assert writer.ok("GET", BASE + own["id"])["id"] == own["id"]
    assert admin.get(BASE + own["id"]).status_code == 404
    resp = stranger.post(BASE, json={"resource": {"id": lid},
                                     "source": upload(stranger, "a.csv", CSV.encode())})
    assert resp.status_code == 404


def test_progress_visible_while_applying(admin, group):
    lid = _layer(admin, group)
    rows = "".join(f"n{i},{i},2024-01-01,{i % 90},{i % 45}\n" for i in range(60000))
    s = _session(admin, lid, "big.csv", ("name,count,day,x,y\n" + rows).encode())
    url = BASE + s["id"]
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(
        admin.ok("POST", url + "/apply", json={"mode": "skip_invalid"})))
    thread.start()
    seen = []
    while thread.is_alive():
        state = admin.ok("GET", url)
        seen.append((state["state"], state["progress"]["done"]))
        time.sleep(0.05)
    thread.join()
    assert result["created"] == 60000
    assert any(st == "running" and 0 < done < 60000 for st, done in seen), seen
    assert admin.ok("GET", url)["progress"] == {"done": 60000, "total": 60000}
