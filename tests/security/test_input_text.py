"""Names and texts: documented length limits, no control characters in names, no NUL
anywhere (PostgreSQL cannot store it); each a 422 naming the value, and nothing written."""

from __future__ import annotations

import pytest

from ..feature_layer.helpers import feature_url, make_layer
from ..util import make_group, unique

LONG = "x" * 5000  # past every name limit; long enough to break a btree index row
NAME_BAD = {"long": LONG, "nul": "a\x00b", "newline": "a\nb", "control": "a\x07b"}


def _assert_422(resp, *, names: str | None = None) -> dict:
    assert resp.status_code == 422, (resp.status_code, resp.text[:400])
    body = resp.json()
    assert body["status_code"] == 422 and "Traceback" not in resp.text
    if names is not None:
        assert names in body["message"], body["message"]
    return body


@pytest.fixture(scope="module")
def parent(admin):
    return make_group(admin, 0)


@pytest.fixture(scope="module")
def layer(admin, parent):
    return make_layer(admin, parent, fields=[("s", "STRING")])


def _children(admin, parent):
    return admin.ok("GET", "/api/resource/", params={"parent": parent})


@pytest.mark.parametrize("bad", NAME_BAD.values(), ids=NAME_BAD.keys())
@pytest.mark.parametrize("key", ["display_name", "keyname"])
def test_resource_names(admin, parent, key, bad):
    before = _children(admin, parent)
    body = {"resource": {"cls": "resource_group", "parent": {"id": parent},
                         "display_name": unique("g"), key: bad}}
    _assert_422(admin.post("/api/resource/", json=body), names=key)
    _assert_422(admin.put(f"/api/resource/{parent}", json={"resource": {key: bad}}),
                names=key)
    assert _children(admin, parent) == before


@pytest.mark.parametrize("bad", ["x" * 70000, "a\x00b"], ids=["long", "nul"])
def test_resource_description(admin, parent, bad):
    _assert_422(admin.put(f"/api/resource/{parent}",
                          json={"resource": {"description": bad}}), names="description")


@pytest.mark.parametrize("bad", NAME_BAD.values(), ids=NAME_BAD.keys())
@pytest.mark.parametrize("key", ["keyname", "display_name"])
def test_field_names(admin, parent, layer, key, bad):
    item = {"keyname": "k", "datatype": "STRING", key: bad}
    body = {"resource": {"cls": "vector_layer", "parent": {"id": parent},
                         "display_name": unique("l")},
            "vector_layer": {"srs": {"id": 3857}, "geometry_type": "POINT", "fields": [item]}}
    _assert_422(admin.post("/api/resource/", json=body), names=key)
    _assert_422(admin.put(f"/api/resource/{layer}",
                          json={"feature_layer": {"fields": [item]}}), names=key)
    fields = admin.ok("GET", f"/api/resource/{layer}")["feature_layer"]["fields"]
    assert [f["keyname"] for f in fields] == ["s"]


@pytest.mark.parametrize("bad", NAME_BAD.values(), ids=NAME_BAD.keys())
@pytest.mark.parametrize("kind", ["user", "group"])
@pytest.mark.parametrize("key", ["keyname", "display_name"])
def test_principal_names(admin, kind, key, bad):
    body = {"keyname": unique("p"), "display_name": unique("p"), key: bad}
    if kind == "user":
        body["password"] = "pw-secret-1"
    _assert_422(admin.post(f"/api/component/auth/{kind}/", json=body), names=key)


@pytest.mark.parametrize("bad", NAME_BAD.values(), ids=NAME_BAD.keys())
def test_attachment_name(admin, layer, bad):
    fid = admin.ok("POST", feature_url(layer), json={"geom": "POINT(0 0)"})["id"]
    up = admin.ok("POST", "/api/component/file_upload/", files={"file": ("a.txt", b"hi")})
    meta = up["upload_meta"][0]
    resp = admin.post(f"{feature_url(layer, fid)}/attachment/",
                      json={"file_upload": meta, "name": bad})
    _assert_422(resp, names="name")
    resp = admin.put(feature_url(layer, fid), json={"extensions": {"attachment": [
        {"file_upload": meta, "name": bad}]}})
    _assert_422(resp)
    assert admin.ok("GET", f"{feature_url(layer, fid)}/attachment/") == []


BAD_MIME = ["text/plain\r\nX-Injected: 1", "text/plain\nfoo", "text/pl\x00ain", "textplain",
            "text/plain; x=\x01", "a" * 300 + "/b"]


@pytest.mark.parametrize("mime", BAD_MIME)
def test_attachment_mime_type(admin, layer, mime):
    fid = admin.ok("POST", feature_url(layer), json={"geom": "POINT(0 0)"})["id"]
    up = admin.ok("POST", "/api/component/file_upload/", files={"file": ("a.txt", b"hi")})
    meta = up["upload_meta"][0]
    base = f"{feature_url(layer, fid)}/attachment/"
    _assert_422(admin.post(base, json={"file_upload": meta, "mime_type": mime}),
                names="mime_type")
    aid = admin.ok("POST", base, json={"file_upload": meta})["id"]
    _assert_422(admin.put(f"{base}{aid}", json={"mime_type": mime}), names="mime_type")
    download = admin.get(f"{base}{aid}/download")
    assert download.status_code == 200 and download.content == b"hi"
    assert "X-Injected" not in download.headers


def test_attachment_mime_type_with_params_ok(admin, layer):
    fid = admin.ok("POST", feature_url(layer), json={"geom": "POINT(0 0)"})["id"]
    up = admin.ok("POST", "/api/component/file_upload/", files={"file": ("a.txt", b"hi")})
    base = f"{feature_url(layer, fid)}/attachment/"
    aid = admin.ok("POST", base, json={"file_upload": up["upload_meta"][0]})["id"]
    admin.ok("PUT", f"{base}{aid}", json={"mime_type": 'text/plain; charset="utf-8"'})
    assert admin.ok("GET", f"{base}{aid}")["mime_type"] == 'text/plain; charset="utf-8"'


@pytest.mark.parametrize("mime", BAD_MIME[:4])
def test_tus_mime_type(admin, mime):
    import base64
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {"name": "a.txt", "filetype": mime}.items())
    resp = admin.post("/api/component/file_upload/", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": "2", "Upload-Metadata": meta})
    _assert_422(resp, names="type")


def test_nul_in_feature_values_and_filters(admin, layer):
    count = admin.ok("GET", f"/api/resource/{layer}/feature_count")["total_count"]
    _assert_422(admin.post(feature_url(layer), json={"fields": {"s": "a\x00b"}}), names="s")
    _assert_422(admin.patch(feature_url(layer), json=[{"fields": {"s": "ok"}},
                                                       {"fields": {"s": "a\x00"}}]))
    _assert_422(admin.post(feature_url(layer), json={"fields": {"s\x00": "a"}}))
    assert admin.ok("GET", f"/api/resource/{layer}/feature_count")["total_count"] == count
    for params in ({"fld_s__eq": "\x00"}, {"fld_s__like": "a\x00%"}, {"like": "\x00"},
                   {"order_by": "s\x00"}, {"fld_s\x00": "a"},
                   {"filter": '["all", ["==", ["get", "s"], "\\u0000"]]'}):
        _assert_422(admin.get(feature_url(layer), params=params))
        _assert_422(admin.get(f"/api/resource/{layer}/feature_count", params=params))


def test_nul_in_resmeta_and_lookup(admin, parent):
    _assert_422(admin.put(f"/api/resource/{parent}", json={
        "resmeta": {"items": {"k": "a\x00"}}}))
    _assert_422(admin.put(f"/api/resource/{parent}", json={
        "resmeta": {"items": {"k\x00": "a"}}}))
    body = {"resource": {"cls": "lookup_table", "parent": {"id": parent},
                         "display_name": unique("lt")},
            "lookup_table": {"items": {"a\x00": "b"}}}
    _assert_422(admin.post("/api/resource/", json=body))
    body["lookup_table"]["items"] = {"a": "b\x00"}
    _assert_422(admin.post("/api/resource/", json=body))


def test_nul_in_export_name(admin, layer):
    for name in ("a\x00b", "a\nb", "a" * 300):
        resp = admin.get("/api/component/feature_layer/export", params={
            "resources": str(layer), "format": "CSV", f"name[{layer}]": name})
        _assert_422(resp, names="name")
    for name in ("a\x00b", "a\rb", LONG):
        resp = admin.post("/api/component/feature_layer/export", json={
            "format": "CSV", "resources": [{"id": layer, "name": name}]})
        _assert_422(resp)


def test_nul_in_feature_batch_names_the_feature(admin, layer):
    for ext in ({"description": "a\x00b"},
                {"attachment": [{"file_upload": {"id": "0" * 32}, "name": "a\x00"}]}):
        resp = admin.patch(feature_url(layer), json=[
            {"fields": {"s": "ok"}}, {"fields": {}, "extensions": ext}])
        assert _assert_422(resp)["message"].startswith("Feature #1: "), resp.text
    _assert_422(admin.post(feature_url(layer), json={
        "fields": {}, "extensions": {"description": "a\x00b"}}), names="description")


@pytest.mark.parametrize("params", [
    {"limit": str(2**70)}, {"limit": "1", "offset": str(2**70)}, {"id": str(2**70)},
    {"id__in": f"1,{2**40}"}, {"fld_b__eq": str(2**70)}, {"fld_b__in": f"1,-{2**70}"},
])
def test_out_of_range_query_values(admin, layer2, params):
    """Numbers no PostgreSQL column or LIMIT holds: a 422 naming the parameter, before the
    database sees them."""
    name = next(iter(params)) if "offset" not in params else "offset"
    paths = [feature_url(layer2)]
    if name not in ("limit", "offset"):  # the count ignores paging
        paths.append(f"/api/resource/{layer2}/feature_count")
    for path in paths:
        _assert_422(admin.get(path, params=params), names=name)


@pytest.fixture(scope="module")
def layer2(admin, parent):
    return make_layer(admin, parent, fields=[("s", "STRING"), ("b", "BIGINT")])


def test_long_filter_values_are_fine(admin, layer):
    resp = admin.get(feature_url(layer), params={"fld_s__eq": "x" * 1500,
                                                 "id__in": ",".join(["1"] * 500)})
    assert resp.status_code == 200


def test_tus_long_file_name(admin):
    import base64
    name = base64.b64encode(("n" * 300).encode()).decode()
    resp = admin.post("/api/component/file_upload/", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": "2", "Upload-Metadata": f"name {name}"})
    _assert_422(resp, names="File name")
