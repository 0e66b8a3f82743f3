"""Resource CRUD, move, recursive delete and listings over HTTP."""

from ..util import make_group, unique


def test_root_document(admin):
    doc = admin.ok("GET", "/api/resource/0")
    assert doc["resource"]["id"] == 0
    assert doc["resource"]["cls"] == "resource_group"
    assert doc["resource"]["parent"] is None
    assert doc["resmeta"] == {"items": {}}


def test_create_get_update_delete(admin, group):
    rid = make_group(admin, group, keyname=unique("kn"), description="<b>x</b><script>1</script>")
    doc = admin.ok("GET", f"/api/resource/{rid}")
    assert doc["resource"]["parent"]["id"] == group
    assert doc["resource"]["description"] == "<b>x</b>"
    assert admin.ok("PUT", f"/api/resource/{rid}",
                    json={"resource": {"display_name": "renamed"}}) == {}
    assert admin.ok("GET", f"/api/resource/{rid}")["resource"]["display_name"] == "renamed"
    assert admin.ok("GET", f"/api/resource/{group}")["resource"]["children"] is True
    assert admin.ok("DELETE", f"/api/resource/{rid}") == {}
    assert admin.get(f"/api/resource/{rid}").status_code == 404
    assert admin.ok("GET", f"/api/resource/{group}")["resource"]["children"] is False


def test_json_body_with_form_content_type(admin, group):
    # GDAL sends JSON bodies as application/x-www-form-urlencoded (spec Decision 3).
    body = ('{"resource":{"cls":"resource_group","parent":{"id":' + str(group)
            + '},"display_name":"gdal"}}')
    resp = admin.post("/api/resource/", data=body,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["parent"] == {"id": group}


def test_bad_input(admin, group):
    resp = admin.post("/api/resource/", data="{not json")
    assert resp.status_code == 400
    assert resp.json()["exception"].endswith(".MalformedJSONBody")
    resp = admin.post("/api/resource/", json={"resource": {"cls": "nope", "parent": {"id": 0},
                                                           "display_name": "x"}})
    assert resp.status_code == 422 and "nope" in resp.json()["message"]
    resp = admin.post("/api/resource/", json={"resource": {"cls": "resource_group",
                                                           "parent": {"id": "x"},
                                                           "display_name": "x"}})
    assert resp.status_code == 422
    assert "$.resource.parent.id" in resp.json()["message"]


def test_display_name_and_keyname_unique(admin, group):
    name = unique("dup")
    first = make_group(admin, group, display_name=name)
    resp = admin.post("/api/resource/", json={"resource": {
        "cls": "resource_group", "parent": {"id": group}, "display_name": name}})
    assert resp.status_code == 422
    body = resp.json()
    assert body["exception"].endswith(".DisplayNameNotUnique")
    assert body["data"]["resource_id"] == first
    kn = unique("key")
    make_group(admin, group, keyname=kn)
    resp = admin.post("/api/resource/", json={"resource": {
        "cls": "resource_group", "parent": {"id": group}, "display_name": unique(),
        "keyname": kn}})
    assert resp.status_code == 422
    assert "keyname" in resp.json()["message"]


def test_move_and_cycle(admin, group):
    a = make_group(admin, group)
    b = make_group(admin, a)
    resp = admin.put(f"/api/resource/{a}", json={"resource": {"parent": {"id": b}}})
    assert resp.status_code == 422
    assert resp.json()["exception"].endswith(".HierarchyError")
    resp = admin.put(f"/api/resource/{a}", json={"resource": {"parent": {"id": a}}})
    assert resp.status_code == 422
    admin.ok("PUT", f"/api/resource/{b}", json={"resource": {"parent": {"id": group}}})
    assert admin.ok("GET", f"/api/resource/{b}")["resource"]["parent"]["id"] == group
    resp = admin.put(f"/api/resource/{b}", json={"resource": {"parent": None}})
    assert resp.status_code == 403


def test_recursive_delete_and_root(admin, group):
    a = make_group(admin, group)
    b = make_group(admin, a)
    c = make_group(admin, b)
    admin.ok("DELETE", f"/api/resource/{a}")
    for rid in (a, b, c):
        assert admin.get(f"/api/resource/{rid}").status_code == 404
    resp = admin.delete("/api/resource/0")
    assert resp.status_code == 422
    assert resp.json()["message"] == "Root resource could not be deleted."


def test_listing_sorted_with_full_documents(admin, group):
    make_group(admin, group, display_name="b")
    make_group(admin, group, display_name="a")
    items = admin.ok("GET", f"/api/resource/?parent={group}")
    assert [i["resource"]["display_name"] for i in items] == ["a", "b"]
    assert all("resmeta" in i for i in items)
    assert [d["resource"]["id"] for d in admin.ok("GET", "/api/resource/")] == [0]


def test_resmeta_types(admin, group):
    items = {"i": 777, "f": 777.5, "whole_float": 2.0, "s": "text", "b": False, "n": None}
    rid = make_group(admin, group)
    admin.ok("PUT", f"/api/resource/{rid}", json={"resmeta": {"items": items}})
    got = admin.ok("GET", f"/api/resource/{rid}")["resmeta"]["items"]
    assert got == items
    assert isinstance(got["i"], int) and isinstance(got["whole_float"], float)
    admin.ok("PUT", f"/api/resource/{rid}", json={"resmeta": {"items": {"only": 1}}})
    assert admin.ok("GET", f"/api/resource/{rid}")["resmeta"]["items"] == {"only": 1}
    resp = admin.put(f"/api/resource/{rid}", json={"resmeta": {"items": {"x": [1]}}})
    assert resp.status_code == 422


def test_error_envelope_for_flask_errors(admin):
    resp = admin.get("/api/no/such/route")
    body = resp.json()
    assert resp.status_code == 404 and body["status_code"] == 404
    assert body["exception"].endswith(".PyramidHTTPError") and body["message"]
    assert len(body["request_id"]) == 16
    resp = admin.request("PATCH", "/api/resource/0")
    assert resp.status_code == 405 and resp.json()["status_code"] == 405


def test_trailing_slash_no_redirect(admin):
    for path in ("/api/resource/0/", "/api/resource", "/api/resource/search",
                 "/api/component/pyramid/pkg_version/"):
        resp = admin.get(path, allow_redirects=False)
        assert resp.status_code == 200, path
