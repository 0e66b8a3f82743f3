"""``extensions.description`` (spec 3.1, 3.3): sanitised HTML, null deletes, batched reads,
removal with features and layers; ``feature_description/export|import``."""

from __future__ import annotations

import io
import zipfile

import pytest

from ..feature_attachment.helpers import new_feature, query, upload
from ..feature_layer.helpers import error, feature_url, features, make_layer, patch
from ..principals import allow, set_acl


@pytest.fixture
def layer(admin, group):
    return make_layer(admin, group, fields=[("s", "STRING")])


def description(client, layer, fid):
    return client.ok("GET", feature_url(layer, fid))["extensions"]["description"]


def put(client, layer, fid, value, status=200):
    return client.ok("PUT", feature_url(layer, fid), status,
                     json={"extensions": {"description": value}})


def test_set_read_delete(admin, layer):
    fid = new_feature(admin, layer, extensions={"description": "<p>Hello <b>world</b></p>"})
    assert description(admin, layer, fid) == "<p>Hello <b>world</b></p>"
    put(admin, layer, fid, "<i>changed</i>")
    assert description(admin, layer, fid) == "<i>changed</i>"
    admin.ok("PUT", feature_url(layer, fid), json={"fields": {"s": "y"}})  # key absent: kept
    assert description(admin, layer, fid) == "<i>changed</i>"
    put(admin, layer, fid, None)
    assert description(admin, layer, fid) is None
    assert admin.ok("GET", feature_url(layer, fid), params={"extensions": "description"}
                    )["extensions"] == {"description": None}


@pytest.mark.parametrize("dirty, clean", [
    ('<p onclick="steal()">x</p><script>alert(1)</script>', "<p>x</p>"),
    ('<a href="javascript:alert(1)">link</a>', '<a rel="noopener noreferrer">link</a>'),
    ('<img src="x" onerror="alert(1)">', '<img src="x">'),
    ("<iframe src='//evil'></iframe><b>ok</b>", "<b>ok</b>"),
    ("<style>body{display:none}</style>text", "text"),
    ("plain & simple", "plain &amp; simple"),
])
def test_html_is_sanitised(admin, layer, dirty, clean):
    fid = new_feature(admin, layer, extensions={"description": dirty})
    assert description(admin, layer, fid) == clean


def test_bad_values_are_422(admin, layer):
    fid = new_feature(admin, layer)
    for value in (5, ["x"], {"a": 1}, True):
        body = error(admin.put(feature_url(layer, fid), json={
            "fields": {"s": "no"}, "extensions": {"description": value}}))
        assert "description" in body["message"] and body["status_code"] == 422
    resp = admin.patch(feature_url(layer), json=[{"id": fid, "extensions": {
        "description": "ok"}}, {"fields": {}, "extensions": {"description": 1}}])
    assert resp.status_code == 422 and error(resp)["message"].startswith("Feature #1: ")
    assert description(admin, layer, fid) is None
    assert admin.ok("GET", feature_url(layer, fid))["fields"]["s"] == "x"


def test_batch_write_and_streamed_read(admin, layer):
    ids = [r["id"] for r in patch(admin, layer, [
        {"fields": {"s": str(i)}, "extensions": {"description": f"<p>{i}</p>"}
         if i % 1000 == 0 else {}} for i in range(11000)])]
    got = {f["id"]: f["extensions"]["description"] for f in features(admin, layer)}
    assert {fid: v for fid, v in got.items() if v} == \
        {ids[i]: f"<p>{i}</p>" for i in range(0, 11000, 1000)}
    patch(admin, layer, [{"id": ids[0], "extensions": {"description": None}},
                         {"id": ids[1], "extensions": {"description": "<p>1</p>"}}])
    assert description(admin, layer, ids[0]) is None
    assert description(admin, layer, ids[1]) == "<p>1</p>"


def test_removed_with_features_and_layer(admin, server, layer):
    fids = [new_feature(admin, layer, extensions={"description": "d"}) for _ in range(3)]
    count = "SELECT count(*) FROM feature_description WHERE resource_id = %s"
    admin.ok("DELETE", feature_url(layer, fids[0]))
    assert query(server, count, layer) == [(2,)]
    admin.ok("PUT", f"/api/resource/{layer}",
             json={"vector_layer": {"delete_all_features": True}})
    assert query(server, count, layer) == [(0,)]
    new_feature(admin, layer, extensions={"description": "d"})
    admin.ok("DELETE", feature_url(layer))
    assert query(server, count, layer) == [(0,)]
    new_feature(admin, layer, extensions={"description": "d"})
    admin.ok("DELETE", f"/api/resource/{layer}")
    assert query(server, count, layer) == [(0,)]


def export(client, layer) -> zipfile.ZipFile:
    resp = client.get(f"/api/resource/{layer}/feature_description/export")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/zip"
    assert resp.headers["Content-Disposition"] == \
        f'attachment; filename="{layer}.descriptions.zip"'
    return zipfile.ZipFile(io.BytesIO(resp.content))


def import_(client, layer, files: dict[str, bytes], status=200, **body):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    meta = upload(client, "d.zip", buf.getvalue())
    return client.ok("PUT", f"/api/resource/{layer}/feature_description/import", status,
                     json={"source": meta, **body})


def test_export_import_round_trip(admin, group, layer):
    f1 = new_feature(admin, layer, extensions={"description": "<p>Первый</p>"})
    new_feature(admin, layer)
    f3 = new_feature(admin, layer, extensions={"description": "text <b>3</b>"})
    archive = export(admin, layer)
    assert archive.namelist() == [f"{f1:010d}.html", f"{f3:010d}.html"]
    assert archive.read(f"{f1:010d}.html").decode() == \
        "<html><body><p>Первый</p></body></html>"

    copy = make_layer(admin, group, fields=[("s", "STRING")])
    ids = [new_feature(admin, copy) for _ in range(3)]
    assert ids == [f1, f1 + 1, f3]
    put(admin, copy, f3, "<p>mine</p>")
    files = {n: archive.read(n) for n in archive.namelist()}
    assert import_(admin, copy, files) == {"imported": 1, "skipped": 1}
    assert description(admin, copy, f1) == "<p>Первый</p>"
    assert description(admin, copy, f3) == "<p>mine</p>"  # kept without replace
    assert import_(admin, copy, files, replace=True) == {"imported": 2, "skipped": 0}
    assert description(admin, copy, f3) == "text <b>3</b>"


def test_import_sanitises_and_checks_names(admin, layer):
    fid = new_feature(admin, layer)
    got = import_(admin, layer, {f"{fid}.html": b"<html><head><title>t</title></head><body>"
                                 b"<p>a</p><script>x()</script></body></html>",
                                 "424242.html": b"<p>no such feature</p>"})
    assert got == {"imported": 1, "skipped": 1}
    assert description(admin, layer, fid) == "<p>a</p>"
    for files, message in (({"notes.txt": b"x"}, "Files must be named"),
                           ({f"{fid}.html": b"\xff\xfe"}, "not UTF-8")):
        resp = admin.put(f"/api/resource/{layer}/feature_description/import", json={
            "source": upload(admin, "d.zip", _zip(files)), "replace": True})
        assert resp.status_code == 422 and message in error(resp)["message"], resp.text
    assert description(admin, layer, fid) == "<p>a</p>"  # the failed replace left it
    resp = admin.put(f"/api/resource/{layer}/feature_description/import",
                     json={"source": upload(admin, "d.zip", b"not a zip")})
    assert resp.status_code == 422 and "Invalid ZIP" in error(resp)["message"]


def _zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def test_reader_cannot_write_descriptions(admin, make_user, group, layer):
    fid = new_feature(admin, layer, extensions={"description": "d"})
    uid, reader = make_user()
    set_acl(admin, group, allow(uid, "resource.read", "data.read"))
    assert description(reader, layer, fid) == "d"
    assert reader.get(f"/api/resource/{layer}/feature_description/export").status_code == 200
    resp = reader.put(feature_url(layer, fid), json={"extensions": {"description": "x"}})
    assert resp.status_code == 403
    resp = reader.put(f"/api/resource/{layer}/feature_description/import",
                      json={"source": upload(reader, "d.zip", _zip({f"{fid}.html": b"x"}))})
    assert resp.status_code == 403
    assert description(admin, layer, fid) == "d"
