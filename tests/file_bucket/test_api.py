"""file_bucket resources (spec section 5): create, complete-set PUT, archive, downloads."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
import sqlalchemy as sa

from ..file_upload.helpers import (
    BASE,
    bucket_file,
    create_bucket,
    make_zip,
    upload,
    upload_many,
)

ROSE, ORCHID, DAISY = b"rose", b"orchid", b"daisy"


def files_of(client, rid):
    return client.ok("GET", f"/api/resource/{rid}")["file_bucket"]["files"]


def test_create_read_download(admin, group):
    metas = upload_many(admin, {"rose.flw": ROSE, "orchid.flw": ORCHID, "dir/x.json": b"{}"})
    metas[2]["name"] = "docs/x.json"  # the bucket name comes from the entry
    rid = create_bucket(admin, group, {"files": metas})["id"]
    doc = admin.ok("GET", f"/api/resource/{rid}")
    assert doc["resource"]["cls"] == "file_bucket"
    assert doc["resource"]["scopes"] == ["resource", "data"]
    assert doc["file_bucket"]["files"] == [
        {"name": "docs/x.json", "size": 2, "mime_type": "application/json"},
        {"name": "orchid.flw", "size": 6, "mime_type": "text/plain"},
        {"name": "rose.flw", "size": 4, "mime_type": "text/plain"}]
    assert doc["file_bucket"]["tstamp"]

    resp = bucket_file(admin, rid, "rose.flw")
    assert resp.status_code == 200 and resp.content == ROSE
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert resp.headers["Content-Security-Policy"] == "sandbox"
    assert bucket_file(admin, rid, "docs/x.json").content == b"{}"
    missing = bucket_file(admin, rid, "nope.txt")
    assert missing.status_code == 404 and missing.json()["message"]
    assert admin.ok("GET", f"/api/resource/{rid}/volume") == {"volume": 12}


def test_range_download_and_sha256(admin, group):
    data = hashlib.sha256(b"x").digest() * 4096  # 128 KiB
    meta = admin.ok("PUT", BASE, 201, data=data,
                    headers={"Content-Disposition": 'attachment; filename="blob.bin"'})
    rid = create_bucket(admin, group, {"files": [meta]})["id"]
    full = bucket_file(admin, rid, "blob.bin")
    assert hashlib.sha256(full.content).hexdigest() == hashlib.sha256(data).hexdigest()
    assert full.headers["Accept-Ranges"] == "bytes"
    part = bucket_file(admin, rid, "blob.bin", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    bad = bucket_file(admin, rid, "blob.bin", headers={"Range": f"bytes={len(data) + 5}-"})
    assert bad.status_code == 416


def test_put_is_the_complete_set(admin, group):
    metas = upload_many(admin, {"rose.flw": ROSE, "orchid.flw": ORCHID, "daisy.flw": DAISY})
    rid = create_bucket(admin, group, {"files": metas})["id"]
    new_rose = upload(admin, "whatever.txt", b"new rose")
    admin.ok("PUT", f"/api/resource/{rid}", json={"file_bucket": {"files": [
        {"name": "rose.flw", "id": new_rose["id"]}, {"name": "daisy.flw"}]}})
    assert [f["name"] for f in files_of(admin, rid)] == ["daisy.flw", "rose.flw"]
    assert bucket_file(admin, rid, "rose.flw").content == b"new rose"
    assert bucket_file(admin, rid, "daisy.flw").content == DAISY
    assert bucket_file(admin, rid, "orchid.flw").status_code == 404

    resp = admin.put(f"/api/resource/{rid}", json={"file_bucket": {"files": [
        {"name": "unknown.flw"}]}})
    assert resp.status_code == 422
    admin.ok("PUT", f"/api/resource/{rid}", json={"file_bucket": {"files": []}})
    assert files_of(admin, rid) == []


@pytest.mark.parametrize("name", ["/etc/passwd", "a/../b", "..", "../x", "a\\b", "a\x00b",
                                  "a\nb", "./a", "a//b", "dir/", "x" * 256, ""])
def test_insecure_names(admin, group, name):
    meta = upload(admin, "f.txt", b"data")
    resp = admin.post("/api/resource/", json={
        "resource": {"cls": "file_bucket", "parent": {"id": group}, "display_name": "b"},
        "file_bucket": {"files": [{"name": name, "id": meta["id"]}]}})
    assert resp.status_code == 422, resp.text
    if "\x00" in name:  # refused for every JSON body before the section sees it
        assert resp.json()["message"] == ("Text must not contain a NUL character (\\u0000) "
                                          "- at `$.file_bucket.files[0].name`.")
    elif name:
        assert resp.json()["message"] == "Insecure filename."


def test_insecure_name_in_archive(admin, group):
    bad = admin.ok("PUT", BASE, 201, data=make_zip({"../evil.sh": b"x"}))
    resp = create_bucket(admin, group, {"archive": bad}, status=422)
    assert resp["message"] == "Insecure filename."


def test_archive_and_export(admin, group):
    a1 = admin.ok("PUT", BASE, 201, data=make_zip({"rose.flw": ROSE, "orchid.flw": ORCHID}))
    assert create_bucket(admin, group, {"archive": a1, "files": []}, status=422)["message"]
    rid = create_bucket(admin, group, {"archive": a1})["id"]
    rose = bucket_file(admin, rid, "rose.flw")
    assert rose.content == ROSE and rose.headers["Content-Type"].startswith("text/plain")

    a2 = admin.ok("PUT", BASE, 201, data=make_zip({"orchid.flw": ORCHID, "sub/daisy.flw": DAISY}))
    admin.ok("PUT", f"/api/resource/{rid}", json={"file_bucket": {"archive": a2}})
    assert bucket_file(admin, rid, "rose.flw").status_code == 404
    assert bucket_file(admin, rid, "sub/daisy.flw").content == DAISY

    resp = admin.get(f"/api/resource/{rid}/export")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/zip"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{rid}.zip"'
    with zipfile.ZipFile(io.BytesIO(resp.content)) as archive:
        assert sorted(archive.namelist()) == ["orchid.flw", "sub/daisy.flw"]
        assert archive.read("sub/daisy.flw") == DAISY

    not_zip = admin.ok("PUT", BASE, 201, data=b"not a zip")
    resp = admin.put(f"/api/resource/{rid}", json={"file_bucket": {"archive": not_zip}})
    assert resp.status_code == 422
    assert bucket_file(admin, rid, "orchid.flw").content == ORCHID  # unchanged


def test_export_of_other_classes_is_404(admin, group):
    assert admin.get(f"/api/resource/{group}/export").status_code == 404
    assert admin.get("/api/resource/999999/export").status_code == 404


def test_bad_upload_references(admin, group):
    unknown = create_bucket(admin, group, {"files": [{"name": "a", "id": "f" * 32}]}, 422)
    assert unknown["exception"].endswith(".FileUploadNotFound")
    assert create_bucket(admin, group, {"files": [{"name": "a", "id": 5}]}, 422)
    tus = admin.post(BASE, headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"})
    upload_id = tus.headers["Location"].rsplit("/", 1)[1]
    unfinished = create_bucket(admin, group, {"files": [{"name": "a", "id": upload_id}]}, 422)
    assert unfinished["exception"].endswith(".FileUploadNotCompleted")
    assert create_bucket(admin, group, {"archive": {"id": upload_id}}, 422)
    assert create_bucket(admin, group, {"files": "nope"}, 422)
    assert create_bucket(admin, group, {"files": [None]}, 422)


def test_permissions(admin, group, make_user):
    rid = create_bucket(admin, group, {"files": [upload(admin, "a.txt", b"a")]})["id"]
    uid, user = make_user()
    admin.ok("PUT", f"/api/resource/{group}", json={"resource": {"permissions": [
        {"action": "allow", "principal": {"id": uid}, "identity": "", "scope": "resource",
         "permission": "read", "propagate": True}]}})
    doc = user.ok("GET", f"/api/resource/{rid}")
    assert "files" not in doc["file_bucket"]
    assert bucket_file(user, rid, "a.txt").status_code == 403
    assert user.get(f"/api/resource/{rid}/export").status_code == 403
    meta = upload(user, "b.txt", b"b")
    resp = user.put(f"/api/resource/{rid}", json={"file_bucket": {"files": [meta]}})
    assert resp.status_code == 403
    assert resp.json()["exception"].endswith(".AttributeUpdateForbidden")


def test_delete_removes_files_after_commit(admin, group, server, test_settings):
    rid = create_bucket(admin, group, {"files": upload_many(admin, {"a": b"1", "b": b"2"})})["id"]
    engine = sa.create_engine(server.database_url)
    with engine.connect() as conn:
        keys = [r[0] for r in conn.execute(sa.text(
            "SELECT o.key FROM file_bucket_file f JOIN fileobj o ON o.id = f.fileobj_id "
            "WHERE f.resource_id = :id"), {"id": rid})]
    root = test_settings.data_path / "files" / "store"
    paths = [root / k[:2] / k[2:4] / k for k in keys]
    assert len(paths) == 2 and all(p.exists() for p in paths)
    admin.ok("DELETE", f"/api/resource/{rid}")
    assert not any(p.exists() for p in paths)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM fileobj WHERE key = ANY(:k)"),
                            {"k": keys}).scalar() == 0
    engine.dispose()


def test_route_name(anon):
    routes = anon.ok("GET", "/api/component/pyramid/route")
    assert routes["file_bucket.file_download"] == ["/api/resource/{0}/file/{1}", "id", "name"]
    assert routes["feature_layer.export"] == ["/api/resource/{0}/export", "id"]
