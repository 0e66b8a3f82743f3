"""Anonymous GETs never write to the database.

Every GET route the server has (taken from its own OpenAPI document, so a new route is
covered without editing this file) is called anonymously with unknown ids, ids of
resources the caller cannot read, unknown EPSG codes PostGIS knows, and an upload and an
import session that belong to someone else (with no credentials, and with a session cookie
that is not valid). A fingerprint of every row of every table (row
count plus the physical position and creating transaction of each row version, which any
INSERT, UPDATE or DELETE changes) must be the same before and after.
"""

from __future__ import annotations

import re

import psycopg
import pytest

from ..feature_attachment.helpers import attach, jpeg, new_feature, upload
from ..feature_layer.helpers import make_layer
from ..principals import allow, set_acl, system_ids
from ..util import Client, make_group

#: EPSG codes PostGIS knows that no other test stores in a layer (reading must not register).
FRESH_EPSG = (25832, 3395, 2154)
UNKNOWN_ID = 987654


def _connect(server) -> psycopg.Connection:
    return psycopg.connect(server.database_url.replace("+psycopg", ""), autocommit=True)


def fingerprint(server) -> dict[str, tuple]:
    with _connect(server) as conn:
        tables = conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')").fetchall()
        return {name: conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(ctid::text || ':' || xmin::text, ','"
            f" ORDER BY ctid), '')) FROM {name}").fetchone() for (name,) in tables}


def get_paths(anon) -> list[str]:
    spec = anon.ok("GET", "/api/openapi.json")
    return [path for path, ops in spec["paths"].items() if "get" in ops]


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


@pytest.fixture
def hidden(admin, group):
    """A layer with a feature, an attachment, an upload and an import session, all owned by
    the administrator and invisible to anonymous callers."""
    layer = make_layer(admin, group, fields=[("s", "STRING")])
    fid = new_feature(admin, layer)
    aid = attach(admin, layer, fid)
    meta = upload(admin, "points.csv", b"s,lon,lat\na,1,2\n")
    session = admin.ok("POST", "/api/component/vector_layer/import/", 201,
                       json={"resource": {"id": layer}, "source": meta})["id"]
    return {"layer": layer, "fid": fid, "aid": aid, "upload": meta["id"], "session": session,
            "group": group}


@pytest.fixture
def public(admin):
    """A group anonymous callers may read (data too), with a layer, a feature and a photo.
    Reading it needs read on the root too: granted (not propagated) for the test only."""
    ids = system_ids(admin)
    root_acl = admin.ok("GET", "/api/resource/0")["resource"]["permissions"]
    set_acl(admin, 0, root_acl + allow(ids["guest"], "resource.read", propagate=False))
    group = None
    try:
        group = make_group(admin, 0)
        set_acl(admin, group, allow(ids["administrators"]) +
                allow(ids["guest"], "resource.read", "data.read"))
        layer = make_layer(admin, group, fields=[("s", "STRING")])
        fid = new_feature(admin, layer)
        aid = attach(admin, layer, fid, jpeg(), name="photo.jpg")
        yield {"layer": layer, "fid": fid, "aid": aid, "group": group}
    finally:
        if group is not None:
            admin.ok("DELETE", f"/api/resource/{group}")
        set_acl(admin, 0, root_acl)


def test_openapi_lists_the_get_routes(anon):
    paths = get_paths(anon)
    for expected in ("/api/resource/{id}", "/api/resource/{id}/volume",
                     "/api/component/spatial_ref_sys/{id}", "/api/component/file_upload/{id}",
                     "/api/component/vector_layer/import/{id}", "/api/resource/search/"):
        assert expected in paths, paths


@pytest.mark.parametrize("cookie", [None, "not-a-session"], ids=["plain", "stale-cookie"])
def test_anonymous_gets_write_nothing(server, hidden, public, cookie):
    anon = Client(server.url, headers={"Cookie": f"ngw_sid={cookie}"} if cookie else None)
    paths = get_paths(anon)
    variants = [
        {"id": str(UNKNOWN_ID), "fid": str(UNKNOWN_ID), "aid": str(UNKNOWN_ID)},
        {"id": str(hidden["layer"]), "fid": str(hidden["fid"]), "aid": str(hidden["aid"])},
        {"id": str(public["layer"]), "fid": str(public["fid"]), "aid": str(public["aid"])},
    ]
    id_like = {"/api/component/file_upload/{id}": ("0" * 32, hidden["upload"]),
               "/api/component/vector_layer/import/{id}": ("0" * 32, hidden["session"]),
               "/api/component/vector_layer/import/{id}/validation":
                   ("0" * 32, hidden["session"]),
               "/api/component/spatial_ref_sys/{id}": (*map(str, FRESH_EPSG), "999")}
    params = {"srs": FRESH_EPSG[0], "resource": hidden["layer"], "parent": hidden["group"],
              "resources": f"{hidden['layer']},{UNKNOWN_ID}", "z": 1, "x": 0, "y": 0,
              "format": "geojson", "root": hidden["group"], "size": "64x48"}

    before = fingerprint(server)
    statuses = []
    for path in paths:
        urls = [fill(path, {"id": v}) for v in id_like[path]] if path in id_like else \
            [fill(path, v) for v in variants]
        for url in dict.fromkeys(urls):
            for query in ({}, params):
                resp = anon.get(url, params=query)
                statuses.append((url, resp.status_code))
                assert resp.status_code < 500, (url, resp.status_code, resp.text)
                resp = anon.request("HEAD", url, params=query)
                assert resp.status_code < 500, (url, resp.status_code)
    after = fingerprint(server)
    changed = {t: (before.get(t), after.get(t)) for t in before.keys() | after.keys()
               if before.get(t) != after.get(t)}
    assert changed == {}, changed
    # The routes really ran on readable data (not all refused before reaching it).
    ok = {url for url, s in statuses if s == 200}
    image = f"/api/resource/{public['layer']}/feature/{public['fid']}/attachment/{public['aid']}"
    assert {f"/api/resource/{public['layer']}/feature/", image + "/image"} <= ok, statuses


def test_anonymous_epsg_read_does_not_register(server, anon):
    code = FRESH_EPSG[1]
    before = fingerprint(server)
    srs = anon.ok("GET", f"/api/component/spatial_ref_sys/{code}")
    assert srs["id"] == code and srs["auth_srid"] == code
    assert fingerprint(server) == before
    assert code not in [s["id"] for s in anon.ok("GET", "/api/component/spatial_ref_sys/")]
