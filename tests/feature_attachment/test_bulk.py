"""Bulk ``feature_attachment/export`` (a zip with ``{fid:010d}/{name}`` and metadata.json)
and ``import`` (round trip, skipping what is already there, replace, bad archives)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from ..feature_layer.helpers import error, make_layer
from .helpers import attach, jpeg, new_feature, png, upload


def export(client, layer) -> zipfile.ZipFile:
    resp = client.get(f"/api/resource/{layer}/feature_attachment/export")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "application/zip"
    assert resp.headers["Content-Disposition"] == \
        f'attachment; filename="{layer}.attachments.zip"'
    return zipfile.ZipFile(io.BytesIO(resp.content))


def import_(client, layer, data: bytes, status=200, **body):
    meta = upload(client, "import.zip", data)
    return client.ok("PUT", f"/api/resource/{layer}/feature_attachment/import", status,
                     json={"source": meta, **body})


def listing(client, layer, fid):
    return client.ok("GET", f"/api/resource/{layer}/feature/{fid}/attachment/")


def zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def test_export_import_round_trip(admin, group, layer):
    f1, f2 = new_feature(admin, layer), new_feature(admin, layer)
    photo = jpeg(taken="2020:01:02 03:04:05")
    attach(admin, layer, f1, photo, "p.jpg", keyname="main", description="front")
    attach(admin, layer, f1, b"one", "same.txt")
    attach(admin, layer, f1, b"two", "same.txt")
    attach(admin, layer, f2, "ü".encode(), "Ünïcode.txt")
    archive = export(admin, layer)
    names = archive.namelist()
    assert names == [f"{f1:010d}/p.jpg", f"{f1:010d}/same.txt", f"{f1:010d}/same.1.txt",
                     f"{f2:010d}/Ünïcode.txt", "metadata.json"]
    assert archive.read(f"{f1:010d}/p.jpg") == photo
    assert archive.read(f"{f1:010d}/same.1.txt") == b"two"
    items = json.loads(archive.read("metadata.json"))["items"]
    assert items[f"{f1:010d}/p.jpg"] | {"id": 0} == {
        "id": 0, "feature_id": f1, "name": "p.jpg", "keyname": "main",
        "mime_type": "image/jpeg", "description": "front"}
    assert "description" not in items[f"{f1:010d}/same.txt"]

    # Into another layer with the same feature ids (ids start at 1 in every layer).
    copy = make_layer(admin, group, fields=[("s", "STRING")])
    assert [new_feature(admin, copy) for _ in range(2)] == [f1, f2] == [1, 2]
    data = open_bytes(admin, layer)
    assert import_(admin, copy, data) == {"imported": 4, "skipped": 0}
    got = listing(admin, copy, f1)
    assert [(a["name"], a["keyname"], a["description"], a["file_meta"]) for a in got] == [
        ("p.jpg", "main", "front", {"timestamp": "2020-01-02T03:04:05"}),
        ("same.txt", None, None, None), ("same.txt", None, None, None)]
    # Again: everything is already there.
    assert import_(admin, copy, data) == {"imported": 0, "skipped": 4}
    # replace=true: the layer's attachments are replaced by the archive's.
    assert import_(admin, copy, data, replace=True) == {"imported": 4, "skipped": 0}
    assert len(listing(admin, copy, f1)) == 3


def open_bytes(client, layer) -> bytes:
    return client.get(f"/api/resource/{layer}/feature_attachment/export").content


def test_import_without_metadata_and_missing_features(admin, layer, fid):
    data = zip_of({f"{fid}/a.txt": b"a", f"{fid:010d}/b.png": png(),
                   "999999/c.txt": b"no such feature"})
    assert import_(admin, layer, data) == {"imported": 2, "skipped": 1}
    got = listing(admin, layer, fid)
    assert [(a["name"], a["mime_type"]) for a in got] == [("a.txt", "text/plain"),
                                                          ("b.png", "image/png")]


def test_export_of_empty_layer(admin, layer):
    archive = export(admin, layer)
    assert archive.namelist() == ["metadata.json"]
    assert json.loads(archive.read("metadata.json")) == {"items": {}}


@pytest.mark.parametrize("files, message", [
    ({"a.txt": b"x"}, "Could not determine feature ID"),
    ({"x/a.txt": b"x"}, "Could not determine feature ID"),
    ({"1/a.txt": b"x", "metadata.json": b'{"items": {}}'}, "isn't found in metadata"),
    ({"metadata.json": b'{"items": {"1/a.txt": {"feature_id": 1}}}'}, "isn't found in the"),
    ({"1/a.txt": b"x", "metadata.json": b'{"items": {"1/a.txt": {"feature_id": "1"}}}'},
     "Invalid feature ID"),
    ({"1/a.txt": b"x", "metadata.json": b'{"items": {"1/a.txt": {"feature_id": 1, '
      b'"name": 5}}}'}, "Invalid name"),
    ({"metadata.json": b"[1]"}, "metadata.json"),
])
def test_bad_archives_are_422(admin, layer, fid, files, message):
    resp = admin.put(f"/api/resource/{layer}/feature_attachment/import",
                     json={"source": upload(admin, "i.zip", zip_of(files))})
    assert resp.status_code == 422 and message in error(resp)["message"], resp.text
    assert listing(admin, layer, fid) == []


def test_not_a_zip_and_bad_source(admin, layer):
    url = f"/api/resource/{layer}/feature_attachment/import"
    resp = admin.put(url, json={"source": upload(admin, "i.zip", b"plain text")})
    assert resp.status_code == 422 and "Invalid ZIP archive" in error(resp)["message"]
    for body in ({}, {"source": {"id": "f" * 32}}, {"source": {"id": "../etc"}}):
        resp = admin.put(url, json=body)
        assert resp.status_code == 422, (body, resp.text)
