"""Feature filters (spec 3.2): fld_ operators for every datatype, id filters, like/ilike,
intersects, filter= expressions, and patch-all (the filtered bulk update)."""

from __future__ import annotations

import json

import pytest

from .helpers import error, feature_url, features, make_layer, patch

ROWS = [
    {"geom": "POINT (0 0)", "fields": {"i": 1, "b": 10, "r": 0.5, "s": "alpha", "f": True,
                                       "d": "2024-01-01", "t": "08:00:00",
                                       "dt": "2024-01-01T08:00:00"}},
    {"geom": "POINT (10 10)", "fields": {"i": 2, "b": 20, "r": 1.5, "s": "Beta_1", "f": False,
                                         "d": "2024-06-01", "t": "12:00:00",
                                         "dt": "2024-06-01T12:00:00"}},
    {"geom": "POINT (20 20)", "fields": {"i": 3, "b": 9007199254740993, "r": 2.5,
                                         "s": "gamma%", "f": True, "d": "2025-01-01",
                                         "t": "18:30:00", "dt": "2025-01-01T18:30:00"}},
    {"geom": None, "fields": {}},
]


@pytest.fixture
def loaded(admin, layer):
    ids = [r["id"] for r in patch(admin, layer, ROWS, dt_format="iso")]
    return layer, ids


def select(admin, layer, **params) -> list[int]:
    return [f["id"] for f in features(admin, layer, geom="no", **params)]


CASES = [
    ({"fld_i": "2"}, [1]), ({"fld_i__eq": "2"}, [1]), ({"fld_i__ne": "2"}, [0, 2]),
    ({"fld_i__gt": "1"}, [1, 2]), ({"fld_i__ge": "2"}, [1, 2]), ({"fld_i__lt": "2"}, [0]),
    ({"fld_i__le": "2"}, [0, 1]), ({"fld_i__in": "1,3"}, [0, 2]), ({"fld_i__notin": "1,3"}, [1]),
    ({"fld_i__isnull": "yes"}, [3]), ({"fld_i__isnull": "no"}, [0, 1, 2]),
    ({"fld_i__in": ""}, []), ({"fld_i__gt": "1.500000"}, [1, 2]),
    ({"fld_b__eq": "9007199254740993"}, [2]), ({"fld_b__lt": "15"}, [0]),
    ({"fld_r__gt": "1.500000"}, [2]), ({"fld_r__le": "1.5"}, [0, 1]),
    ({"fld_s": "alpha"}, [0]), ({"fld_s__like": "%a"}, [0]),
    ({"fld_s__ilike": "beta%"}, [1]), ({"fld_s__like": "beta%"}, []),
    ({"fld_s__ilike": "%A_1"}, [1]), ({"fld_s__startswith": "gamma%"}, [2]),
    ({"fld_s__startswith": "Beta_"}, [1]), ({"fld_s__startswith": "Beta%"}, []),
    ({"fld_s__in": "alpha,gamma%"}, [0, 2]), ({"fld_s__ne": "alpha"}, [1, 2]),
    ({"fld_f": "true"}, [0, 2]), ({"fld_f__eq": "no"}, [1]), ({"fld_f__ne": "1"}, [1]),
    ({"fld_d__gt": "2024-03-01"}, [1, 2]), ({"fld_d__in": "2024-01-01,2025-01-01"}, [0, 2]),
    ({"fld_t__lt": "12:00:00"}, [0]), ({"fld_dt__ge": "2024-06-01T12:00:00"}, [1, 2]),
    ({"fld_d__like": "2024%"}, [0, 1]), ({"fld_i__like": "%2%"}, [1]),
    ({"fld_i__gt": "1", "fld_r__lt": "2"}, [1]),
    ({"id": "IDS1"}, [1]), ({"id__in": "IDS0,IDS2"}, [0, 2]), ({"id__gt": "IDS1"}, [2, 3]),
    ({"id__ne": "IDS1"}, [0, 2, 3]),
    ({"like": "amm"}, [2]), ({"ilike": "BETA"}, [1]), ({"ilike": "2025"}, [2]),
]


@pytest.mark.parametrize("params, expected", CASES)
def test_field_operators(admin, loaded, params, expected):
    layer, ids = loaded
    params = {k: _ids(v, ids) for k, v in params.items()}
    assert select(admin, layer, **params) == [ids[i] for i in expected]
    count = admin.ok("GET", f"/api/resource/{layer}/feature_count", params=params)
    assert count == {"total_count": 4, "filtered_count": len(expected)}


def _ids(value: str, ids: list[int]) -> str:
    for i in range(len(ids) - 1, -1, -1):
        value = value.replace(f"IDS{i}", str(ids[i]))
    return value


def test_like_respects_text_search(admin, group):
    lid = make_layer(admin, group, fields=[
        {"keyname": "a", "datatype": "STRING"},
        {"keyname": "b", "datatype": "STRING", "text_search": False}])
    ids = [r["id"] for r in patch(admin, lid, [{"fields": {"a": "x", "b": "needle"}},
                                               {"fields": {"a": "needle", "b": "x"}}])]
    assert select(admin, lid, like="needle") == [ids[1]]


@pytest.mark.parametrize("params, message", [
    ({"fld_nope": "1"}, "Unknown field 'nope'."),
    ({"fld_nope__eq": "1"}, "Unknown field 'nope'."),
    ({"fld_i__between": "1"}, "Unknown operator 'between'"),
    ({"fld_i__gt": "abc"}, "field 'i'"),
    ({"fld_d__eq": "yesterday"}, "field 'd'"),
    ({"fld_f__eq": "maybe"}, "field 'f'"),
    ({"fld_i__isnull": "perhaps"}, "yes or no"),
    ({"id__gt": "x"}, "'id'"),
    ({"id__foo": "1"}, "Unknown operator 'foo'"),
    ({"intersects": "POLYGON ((0 0, 1 1"}, "'intersects' geometry is not valid"),
    ({"intersects": "POINT (0 0)", "srs": "4"}, "SRS"),
])
def test_filter_errors_are_422(admin, loaded, params, message):
    layer, _ids = loaded
    for path in ("feature/", "feature_count", "feature_extent"):
        resp = admin.get(f"/api/resource/{layer}/{path}", params=params)
        assert resp.status_code == 422, (path, resp.text)
        assert message in error(resp)["message"]
        assert error(resp)["data"]["location"][0] == "query"


def test_keyname_with_double_underscore(admin, group):
    lid = make_layer(admin, group, fields=[("a__b", "INTEGER"), ("a", "INTEGER")])
    ids = [r["id"] for r in patch(admin, lid, [{"fields": {"a__b": 1, "a": 5}},
                                               {"fields": {"a__b": 2, "a": 1}}])]
    assert select(admin, lid, fld_a__b="2") == [ids[1]]
    assert select(admin, lid, **{"fld_a__b__gt": "1"}) == [ids[1]]
    assert select(admin, lid, fld_a__gt="1") == [ids[0]]


def test_intersects(admin, loaded):
    layer, ids = loaded
    box = "POLYGON ((5 5, 5 25, 25 25, 25 5, 5 5))"
    assert select(admin, layer, intersects=box) == ids[1:3]
    assert select(admin, layer, intersects="POINT (10 10)") == [ids[1]]
    # in another SRS: the 3857 box around (10, 10) m is a tiny lon/lat box
    assert select(admin, layer, intersects="POLYGON ((0.00005 0.00005, 0.00005 0.0001, "
                  "0.0001 0.0001, 0.0001 0.00005, 0.00005 0.00005))", srs="4326") == [ids[1]]
    # a large geometry in a GET body
    resp = admin.get(feature_url(layer), data=json.dumps({"intersects": box}),
                     headers={"Content-Type": "application/json"}, params={"geom": "no"})
    assert [f["id"] for f in resp.json()] == ids[1:3]
    count = admin.ok("GET", f"/api/resource/{layer}/feature_count", params={"intersects": box})
    assert count["filtered_count"] == 2


EXPRESSIONS = [
    (["==", ["get", "i"], 2], [1]),
    (["all", [">=", ["get", "i"], 2], ["<", ["get", "r"], 2]], [1]),
    (["any", ["==", ["get", "s"], "alpha"], ["==", ["fid"], "IDS2"]], [0, 2]),
    (["in", ["get", "i"], [1, 3]], [0, 2]), (["!in", ["get", "i"], [1, 3]], [1]),
    (["is_null", ["get", "s"]], [3]), (["!is_null", ["get", "s"]], [0, 1, 2]),
    (["ilike", ["get", "s"], "BETA%"], [1]), (["!ilike", ["get", "s"], "%a%"], []),
    (["!=", ["get", "f"], True], [1]), (["==", ["get", "s"], None], [3]),
    ([">", ["get", "d"], "2024-03-01"], [1, 2]), (["<=", ["get", "b"], 20], [0, 1]),
    (["all"], [0, 1, 2, 3]), ([], [0, 1, 2, 3]),
    (["all", ["any", ["==", ["get", "i"], 1], ["==", ["get", "i"], 3]],
      [">", ["get", "r"], 1]], [2]),
]


@pytest.mark.parametrize("expression, expected", EXPRESSIONS)
def test_filter_expressions(admin, loaded, expression, expected):
    layer, ids = loaded
    raw = _ids(json.dumps(expression), ids)
    assert select(admin, layer, filter=raw) == [ids[i] for i in expected]
    # combined with a fld_ filter (AND)
    assert select(admin, layer, filter=raw, id__ne=str(ids[1])) == [
        ids[i] for i in expected if i != 1]


@pytest.mark.parametrize("expression, message", [
    ("not json", "not valid JSON"),
    ('["~=", ["get", "i"], 1]', "unknown operator '~='"),
    ('["==", ["get", "nope"], 1]', "Unknown field 'nope'."),
    ('["==", ["get", "i"]]', "takes an operand and a value"),
    ('["==", "i", 1]', "expected [\\\"get\\\", keyname]"),
    ('["==", ["get", "i"], "abc"]', "'i'"),
    ('["==", ["get", "i"], true]', "does not fit"),
    ('["in", ["get", "i"], 1]', "list of values"),
    ('{"op": "=="}', "expected [operator"),
    ('["all", ' * 40 + "[]" + "]" * 40, "nested"),
])
def test_filter_expression_errors(admin, loaded, expression, message):
    layer, _ids = loaded
    resp = admin.get(feature_url(layer), params={"filter": expression})
    assert resp.status_code == 422, resp.text
    body = error(resp)
    assert message.replace("\\", "") in body["message"]
    assert body["data"]["location"] == ["query", "filter"]


def test_patch_all(admin, loaded):
    layer, ids = loaded
    resp = admin.patch(feature_url(layer), params={"patch-all": "true", "fld_i__ge": "2"},
                       json={"fields": {"s": "bulk", "unknown": 1}, "id": ids[0]})
    assert resp.status_code == 200 and resp.json() == {"meta": {"updated": 2}}
    by_id = {f["id"]: f for f in features(admin, layer)}
    assert [by_id[i]["fields"]["s"] for i in ids] == ["alpha", "bulk", "bulk", None]
    assert by_id[ids[1]]["geom"] == "POINT(10 10)"
    # with a geometry and the expression filter
    resp = admin.patch(feature_url(layer), params={
        "patch-all": "true", "filter": json.dumps(["==", ["get", "s"], "bulk"]),
        "srs": "3857"}, json={"geom": "POINT (7 7)", "fields": {"i": 0}})
    assert resp.json() == {"meta": {"updated": 2}}
    assert {by["geom"] for by in features(admin, layer, fld_i="0")} == {"POINT(7 7)"}
    # no filter: every feature; geom_null clears geometries
    resp = admin.patch(feature_url(layer), params={"patch-all": "true", "geom_null": "true"},
                       json={"geom": None})
    assert resp.json() == {"meta": {"updated": 4}}
    assert {f["geom"] for f in features(admin, layer)} == {None}


@pytest.mark.parametrize("params, body, status, message", [
    ({"patch-all": "true"}, [{"fields": {}}], 422, "one object"),
    ({"patch-all": "true"}, {"fields": {"i": "abc"}}, 422, "field 'i'"),
    ({"patch-all": "true", "fld_nope": "1"}, {"fields": {}}, 422, "Unknown field 'nope'."),
    ({"patch-all": "true"}, {"geom": "LINESTRING (0 0, 1 1)"}, 422, "does not match"),
])
def test_patch_all_errors(admin, loaded, params, body, status, message):
    layer, _ids = loaded
    before = features(admin, layer)
    resp = admin.patch(feature_url(layer), params=params, json=body)
    assert resp.status_code == status, resp.text
    assert message in error(resp)["message"]
    assert features(admin, layer) == before
