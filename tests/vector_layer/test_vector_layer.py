"""vector_layer resources: create, document sections, field changes, geometry type changes,
delete_all_features, delete (spec section 2)."""

from __future__ import annotations

import psycopg
import pytest

from ..feature_layer.helpers import ALL_TYPES, error, features, make_layer, patch
from ..util import unique

GEOMETRY_TYPES = ["POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING",
                  "MULTIPOLYGON", "POINTZ", "LINESTRINGZ", "POLYGONZ", "MULTIPOINTZ",
                  "MULTILINESTRINGZ", "MULTIPOLYGONZ", "NONE"]
PG_TYPES = {"INTEGER": "integer", "BIGINT": "bigint", "REAL": "double precision",
            "STRING": "text", "DATE": "date", "TIME": "time without time zone",
            "DATETIME": "timestamp without time zone", "BOOLEAN": "boolean"}


@pytest.fixture(scope="module")
def db(server):
    with psycopg.connect(server.database_url.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        yield conn


def columns(db, layer_id: int) -> dict[str, str]:
    rows = db.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'vector_layer' AND table_name = %s", (f"layer_{layer_id}",))
    return dict(rows.fetchall())


def geometry_column(db, layer_id: int):
    return db.execute("SELECT type, srid, coord_dimension FROM geometry_columns WHERE "
                      "f_table_schema = 'vector_layer' AND f_table_name = %s",
                      (f"layer_{layer_id}",)).fetchone()


def fields_of(admin, layer_id: int) -> list[dict]:
    return admin.ok("GET", f"/api/resource/{layer_id}")["feature_layer"]["fields"]


def put_fields(admin, layer_id: int, items, status=200):
    return admin.request("PUT", f"/api/resource/{layer_id}",
                         json={"feature_layer": {"fields": items}})


def test_create_every_datatype_and_document(admin, group, db):
    lid = make_layer(admin, group, fields=[
        {"keyname": k, "datatype": t, "display_name": f"{k} name"} for k, t in ALL_TYPES])
    doc = admin.ok("GET", f"/api/resource/{lid}")
    assert doc["resource"]["cls"] == "vector_layer"
    assert doc["resource"]["interfaces"] == ["IFeatureLayer", "IWritableFeatureLayer",
                                             "IBboxLayer"]
    assert doc["resource"]["scopes"] == ["resource", "data"]
    assert doc["vector_layer"] == {"srs": {"id": 3857}, "geometry_type": "POINT"}
    fl = doc["feature_layer"]
    assert fl["srs"] == {"id": 3857} and fl["geometry_type"] == "POINT"
    assert fl["versioning"] == {"enabled": False}
    assert [(f["keyname"], f["datatype"], f["display_name"]) for f in fl["fields"]] == [
        (k, t, f"{k} name") for k, t in ALL_TYPES]
    first = fl["fields"][0]
    assert set(first) == {"id", "keyname", "display_name", "datatype", "typemod",
                          "label_field", "grid_visibility", "text_search", "required",
                          "lookup_table"}
    assert (first["label_field"], first["grid_visibility"], first["text_search"],
            first["lookup_table"]) == (False, True, True, None)
    cols = columns(db, lid)
    assert cols.pop("id") == "integer" and cols.pop("geom") == "USER-DEFINED"
    assert cols == {f"fld_{f['id']}": PG_TYPES[f["datatype"]] for f in fl["fields"]}
    idx = db.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'vector_layer' "
                     "AND tablename = %s", (f"layer_{lid}",)).fetchall()
    assert any("gist (geom)" in r[0] for r in idx) and any("(id)" in r[0] for r in idx)


@pytest.mark.parametrize("gtype", GEOMETRY_TYPES)
def test_create_every_geometry_type(admin, group, db, gtype):
    lid = make_layer(admin, group, geometry_type=gtype, srs=4326, fields=[("a", "STRING")])
    doc = admin.ok("GET", f"/api/resource/{lid}")
    expected_srs = None if gtype == "NONE" else {"id": 4326}
    assert doc["vector_layer"] == {"srs": expected_srs, "geometry_type": gtype}
    assert doc["feature_layer"]["srs"] == expected_srs
    if gtype == "NONE":
        assert "geom" not in columns(db, lid)
        assert geometry_column(db, lid) is None
    else:
        kind, srid, dims = geometry_column(db, lid)
        assert (kind, srid, dims) == (gtype.removesuffix("Z"), 4326, 3 if gtype[-1] == "Z" else 2)


def test_create_with_feature_layer_fields_form(admin, group):
    """GDAL >= 3.11 sends the fields in feature_layer.fields, with lookup_table null."""
    lid = make_layer(admin, group, fields=[
        {"keyname": "a", "datatype": "STRING", "display_name": "A", "lookup_table": None},
        {"keyname": "n", "datatype": "INTEGER", "label_field": True}], form="feature_layer")
    fields = fields_of(admin, lid)
    assert [(f["keyname"], f["display_name"], f["label_field"]) for f in fields] == [
        ("a", "A", False), ("n", "n", True)]


def test_create_empty_and_mobile_shape(admin, group):
    body = {"resource": {"cls": "vector_layer", "parent": {"id": group},
                         "display_name": unique("m")},
            "resmeta": {"items": {}}, "feature_layer": {"versioning": {"enabled": True}},
            "vector_layer": {"srs": {"id": 4326}, "geometry_type": "POINT", "fields": []}}
    lid = admin.ok("POST", "/api/resource/", 201, json=body)["id"]
    assert fields_of(admin, lid) == []
    assert admin.ok("GET", f"/api/resource/{lid}/feature_count") == {"total_count": 0}


@pytest.mark.parametrize("section, message", [
    ({"srs": {"id": 3857}}, "geometry_type"),
    ({"srs": {"id": 3857}, "geometry_type": "CIRCLE"}, "geometry type"),
    ({"geometry_type": "POINT"}, "srs"),
    ({"srs": {"id": 999999}, "geometry_type": "POINT"}, "999999"),
    ({"srs": {"id": 3857}, "geometry_type": "POINT",
      "fields": [{"keyname": "a", "datatype": "STRING"}, {"keyname": "a", "datatype": "REAL"}]},
     "Field keyname (a) is not unique."),
    ({"srs": {"id": 3857}, "geometry_type": "POINT",
      "fields": [{"keyname": "a", "datatype": "STRING", "display_name": "x"},
                 {"keyname": "b", "datatype": "REAL", "display_name": "x"}]},
     "display_name (x) is not unique"),
    ({"srs": {"id": 3857}, "geometry_type": "POINT",
      "fields": [{"keyname": "a", "datatype": "TEXT"}]}, "datatype"),
    ({"srs": {"id": 3857}, "geometry_type": "POINT",
      "fields": [{"keyname": "a"}]}, "datatype"),
    ({"srs": {"id": 3857}, "geometry_type": "POINT",
      "fields": [{"keyname": "id", "datatype": "STRING"}]}, "reserved"),
    ({"srs": {"id": 3857}, "geometry_type": "POINT",
      "fields": [{"keyname": "a", "datatype": "STRING", "lookup_table": {"id": 1}}]},
     "Lookup table"),
    ({"srs": {"id": 3857}, "geometry_type": "POINT", "source": {"id": "abc"}},
     "Unknown upload id 'abc'"),
])
def test_create_bad_input_is_422_and_writes_nothing(admin, group, section, message):
    name = unique("bad")
    resp = admin.post("/api/resource/", json={
        "resource": {"cls": "vector_layer", "parent": {"id": group}, "display_name": name},
        "vector_layer": section})
    assert resp.status_code == 422, resp.text
    assert message in error(resp)["message"]
    children = admin.ok("GET", "/api/resource/", params={"parent": group})
    assert name not in [c["resource"]["display_name"] for c in children]


def test_missing_vector_layer_section(admin, group):
    resp = admin.post("/api/resource/", json={"resource": {
        "cls": "vector_layer", "parent": {"id": group}, "display_name": unique("x")}})
    assert resp.status_code == 422 and "vector_layer" in error(resp)["message"]


def test_layer_needs_group_parent(admin, group):
    lid = make_layer(admin, group)
    resp = admin.post("/api/resource/", json={
        "resource": {"cls": "vector_layer", "parent": {"id": lid}, "display_name": "x"},
        "vector_layer": {"srs": {"id": 3857}, "geometry_type": "POINT"}})
    assert resp.status_code == 422


def test_field_changes_keep_ids_and_data(admin, group, db):
    lid = make_layer(admin, group, fields=[("a", "STRING"), ("b", "INTEGER"),
                                           ("c", "REAL")])
    fid = patch(admin, lid, [{"geom": "POINT (1 2)", "fields": {"a": "x", "b": 5, "c": 1.5}}])
    before = {f["keyname"]: f for f in fields_of(admin, lid)}
    ida, idb, idc = before["a"]["id"], before["b"]["id"], before["c"]["id"]
    # rename a, hide b, delete c, add d (appended)
    resp = put_fields(admin, lid, [
        {"id": ida, "keyname": "aa", "display_name": "AA"},
        {"id": idb, "grid_visibility": False, "text_search": False, "label_field": True},
        {"id": idc, "delete": True},
        {"keyname": "d", "datatype": "DATE"}])
    assert resp.status_code == 200 and resp.json() == {}
    after = fields_of(admin, lid)
    assert [(f["id"], f["keyname"], f["display_name"]) for f in after[:2]] == [
        (ida, "aa", "AA"), (idb, "b", "b")]
    assert after[1]["grid_visibility"] is False and after[1]["label_field"] is True
    assert after[2]["keyname"] == "d" and after[2]["id"] not in (ida, idb, idc)
    assert set(columns(db, lid)) == {"id", "geom", f"fld_{ida}", f"fld_{idb}",
                                     f"fld_{after[2]['id']}"}
    feat = admin.ok("GET", f"/api/resource/{lid}/feature/{fid[0]['id']}")
    assert feat["fields"] == {"aa": "x", "b": 5, "d": None}


def test_field_order_rules(admin, group):
    """Listed items take the order given; unlisted ones before the first listed stay in
    front, those between listed ones follow their predecessor, the rest go last."""
    lid = make_layer(admin, group, fields=[(k, "STRING") for k in "abcdef"])
    ids = {f["keyname"]: f["id"] for f in fields_of(admin, lid)}
    resp = put_fields(admin, lid, [{"id": ids["d"]}, {"id": ids["b"]},
                                   {"keyname": "g", "datatype": "STRING"}])
    assert resp.status_code == 200, resp.text
    # a stays in front; e, f follow d in the old order but d is the last listed -> appended;
    # c follows b.
    assert [f["keyname"] for f in fields_of(admin, lid)] == list("adbcgef")
    # only new fields: appended, others keep their order
    put_fields(admin, lid, [{"keyname": "h", "datatype": "REAL"}])
    assert [f["keyname"] for f in fields_of(admin, lid)] == list("adbcgefh")


def test_field_swap_names_in_one_put(admin, group):
    lid = make_layer(admin, group, fields=[("a", "STRING"), ("b", "STRING")])
    ids = {f["keyname"]: f["id"] for f in fields_of(admin, lid)}
    resp = put_fields(admin, lid, [{"id": ids["a"], "keyname": "b", "display_name": "b"},
                                   {"id": ids["b"], "keyname": "a", "display_name": "a"}])
    assert resp.status_code == 200, resp.text
    assert [(f["id"], f["keyname"]) for f in fields_of(admin, lid)] == [
        (ids["a"], "b"), (ids["b"], "a")]


@pytest.mark.parametrize("items, message", [
    ([{"id": 987654321}], "Field not found (ID=987654321)."),
    ([{"id": "FIRST", "datatype": "INTEGER"}], "datatype cannot be changed"),
    ([{"id": "FIRST", "keyname": "b"}], "Field keyname (b) is not unique."),
    ([{"keyname": "new"}], "datatype"),
    ([{"id": "FIRST", "lookup_table": {"id": 0}}], "Lookup table"),
    ([{"id": "FIRST", "grid_visibility": "yes"}], "boolean"),
    ("nope", "array"),
])
def test_field_change_errors(admin, group, items, message):
    lid = make_layer(admin, group, fields=[("a", "STRING"), ("b", "STRING")])
    first = fields_of(admin, lid)[0]["id"]
    if isinstance(items, list):
        items = [{**i, "id": first} if i.get("id") == "FIRST" else i for i in items]
    resp = put_fields(admin, lid, items)
    assert resp.status_code == 422, resp.text
    assert message in error(resp)["message"]
    assert [f["keyname"] for f in fields_of(admin, lid)] == ["a", "b"]


def test_old_form_put_matches_by_keyname(admin, group):
    """GDAL <= 3.10 re-sends the create JSON (vector_layer.fields, no ids) on every PUT."""
    fields = [{"keyname": "a", "datatype": "STRING", "display_name": "A"},
              {"keyname": "b", "datatype": "INTEGER", "display_name": "B"}]
    lid = make_layer(admin, group, fields=fields)
    ids = [f["id"] for f in fields_of(admin, lid)]
    body = {"resource": {"display_name": unique("renamed")},
            "vector_layer": {"srs": {"id": 3857}, "geometry_type": "POINT", "fields": fields}}
    admin.ok("PUT", f"/api/resource/{lid}", json=body)
    assert [f["id"] for f in fields_of(admin, lid)] == ids
    body["vector_layer"]["fields"] = [{**fields[0], "display_name": "A2"}, fields[1],
                                      {"keyname": "c", "datatype": "REAL"}]
    admin.ok("PUT", f"/api/resource/{lid}", json=body)
    after = fields_of(admin, lid)
    assert [(f["id"], f["keyname"], f["display_name"]) for f in after[:2]] == [
        (ids[0], "a", "A2"), (ids[1], "b", "B")]
    assert after[2]["keyname"] == "c"
    body["vector_layer"]["fields"] = [{"keyname": "a", "datatype": "REAL"}]
    resp = admin.put(f"/api/resource/{lid}", json=body)
    assert resp.status_code == 422 and "datatype" in error(resp)["message"]


def test_field_change_needs_resource_update(admin, group, make_user):
    lid = make_layer(admin, group, fields=[("a", "STRING")])
    uid, user = make_user()
    admin.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": [
        {"action": "allow", "principal": {"id": uid}, "identity": "", "scope": "resource",
         "permission": "read", "propagate": True},
        {"action": "allow", "principal": {"id": uid}, "identity": "", "scope": "data",
         "permission": "", "propagate": True}]}})
    resp = put_fields(user, lid, [{"keyname": "b", "datatype": "STRING"}])
    assert resp.status_code == 403
    assert error(resp)["exception"].endswith("AttributeUpdateForbidden")


def test_geometry_type_change_within_base_type(admin, group, db):
    lid = make_layer(admin, group, fields=[("a", "STRING")])
    fid = patch(admin, lid, [{"geom": "POINT (1 2)"}])[0]["id"]

    def change(gtype):
        return admin.put(f"/api/resource/{lid}", json={"vector_layer": {"geometry_type": gtype}})

    assert change("MULTIPOINT").status_code == 200
    assert features(admin, lid)[0]["geom"] == "MULTIPOINT((1 2))"
    assert change("MULTIPOINTZ").status_code == 200
    assert geometry_column(db, lid) == ("MULTIPOINT", 3857, 3)
    assert features(admin, lid)[0]["geom"] == "MULTIPOINT Z ((1 2 0))"
    assert change("POINT").status_code == 200
    assert admin.ok("GET", f"/api/resource/{lid}/feature/{fid}")["geom"] == "POINT(1 2)"
    for bad in ("LINESTRING", "NONE", "POLYGONZ"):
        resp = change(bad)
        assert resp.status_code == 422 and "base type" in error(resp)["message"]
    change("MULTIPOINT")
    patch(admin, lid, [{"geom": "MULTIPOINT (1 2, 3 4)"}])
    resp = change("POINT")
    assert resp.status_code == 422 and "several parts" in error(resp)["message"]
    assert admin.ok("GET", f"/api/resource/{lid}")["vector_layer"]["geometry_type"] == \
        "MULTIPOINT"


def test_srs_change_reprojects(admin, group):
    lid = make_layer(admin, group, srs=4326, fields=[])
    patch(admin, lid, [{"geom": "POINT (10 20)"}])
    admin.ok("PUT", f"/api/resource/{lid}", json={"vector_layer": {"srs": {"id": 3857}}})
    x, y = map(float, features(admin, lid)[0]["geom"][6:-1].split())
    assert abs(x - 1113194.9079327357) < 1e-6 and abs(y - 2273030.926987689) < 1e-6
    resp = admin.put(f"/api/resource/{lid}", json={"vector_layer": {"srs": {"id": 123}}})
    assert resp.status_code == 422


def test_delete_all_features(admin, group):
    lid = make_layer(admin, group, fields=[("a", "STRING")])
    patch(admin, lid, [{"geom": "POINT (1 2)"}] * 3)
    admin.ok("PUT", f"/api/resource/{lid}", json={"vector_layer": {"delete_all_features": True}})
    assert admin.ok("GET", f"/api/resource/{lid}/feature_count") == {"total_count": 0}
    new = patch(admin, lid, [{"geom": "POINT (1 2)"}])[0]["id"]
    assert new == 4  # ids are not reused


def test_delete_drops_table_and_volume(admin, group, db):
    lid = make_layer(admin, group, fields=[("a", "STRING")])
    patch(admin, lid, [{"geom": "POINT (1 2)", "fields": {"a": "x" * 1000}}] * 50)
    assert admin.ok("GET", f"/api/resource/{lid}/volume")["volume"] > 0
    assert admin.ok("GET", f"/api/resource/{group}/volume")["volume"] > 0
    assert columns(db, lid)
    admin.ok("DELETE", f"/api/resource/{group}")
    assert columns(db, lid) == {}
    assert db.execute("SELECT count(*) FROM layer_field WHERE resource_id = %s",
                      (lid,)).fetchone()[0] == 0


def test_srs_in_use_cannot_be_deleted(admin, group):
    srs = admin.ok("POST", "/api/component/spatial_ref_sys/", 201, json={
        "display_name": unique("srs"),
        "wkt": "+proj=tmerc +lat_0=0 +lon_0=39 +k=1 +x_0=500000 +y_0=0 +ellps=WGS84 "
               "+units=m +no_defs"})["id"]
    lid = make_layer(admin, group, srs=srs, fields=[])
    resp = admin.delete(f"/api/component/spatial_ref_sys/{srs}")
    assert resp.status_code == 422 and str(lid) in error(resp)["message"]
    admin.ok("DELETE", f"/api/resource/{lid}")
    admin.ok("DELETE", f"/api/component/spatial_ref_sys/{srs}")


def test_listing_and_blueprint(admin, group):
    make_layer(admin, group)
    children = admin.ok("GET", "/api/resource/", params={"parent": group})
    assert children[0]["vector_layer"]["geometry_type"] == "POINT"
    assert len(children[0]["feature_layer"]["fields"]) == len(ALL_TYPES)
    blueprint = admin.ok("GET", "/api/component/resource/blueprint")
    assert blueprint["resources"]["vector_layer"]["order"] == 60
    assert blueprint["resources"]["vector_layer"]["scopes"] == ["resource", "data"]
