"""The attachment item API (spec 4.2): create from an upload, list, get, update, delete,
download with Range and the UTF-8 name, and the wire shapes."""

from __future__ import annotations

from urllib.parse import quote

from ..feature_layer.helpers import error
from .helpers import att_url, attach, jpeg, query, upload

KEYS = {"id", "name", "keyname", "size", "mime_type", "description", "is_image", "file_meta"}


def test_create_list_get(admin, layer, fid):
    photo = jpeg(taken="2024:05:01 12:34:56")
    meta = upload(admin, "photo.jpg", photo)
    resp = admin.post(att_url(layer, fid), json={"file_upload": meta, "description": "d"})
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json"
    aid = resp.json()["id"]
    assert resp.json() == {"id": aid}
    item = admin.ok("GET", att_url(layer, fid, aid))
    assert set(item) == KEYS
    assert item == {"id": aid, "name": "photo.jpg", "keyname": None, "size": len(photo),
                    "mime_type": "image/jpeg", "description": "d", "is_image": True,
                    "file_meta": {"timestamp": "2024-05-01T12:34:56"}}
    assert admin.ok("GET", att_url(layer, fid)) == [item]
    assert admin.ok("GET", att_url(layer, fid).rstrip("/")) == [item]  # no trailing slash


def test_body_name_and_upload_mime_win(admin, layer, fid):
    # The body names the attachment (NextGIS Mobile names photos only there, see
    # test_attachment_naming.py); the type stays the upload's.
    meta = upload(admin, "real.jpg", jpeg())
    aid = admin.ok("POST", att_url(layer, fid), json={
        "file_upload": meta, "name": "other.png", "mime_type": "image/png"})["id"]
    item = admin.ok("GET", att_url(layer, fid, aid))
    assert (item["name"], item["mime_type"]) == ("other.png", "image/jpeg")
    # An upload without a name (raw PUT) and with unknown bytes: the body's values apply.
    raw = admin.ok("PUT", "/api/component/file_upload/", 201, data=b"\x00\x01\x02 blob",
                   headers={"Content-Type": "application/octet-stream"})
    assert "name" not in raw
    aid = admin.ok("POST", att_url(layer, fid), json={
        "file_upload": {"id": raw["id"]}, "name": "data.bin", "mime_type": "x-app/thing",
        "keyname": "k1"})["id"]
    item = admin.ok("GET", att_url(layer, fid, aid))
    assert (item["name"], item["mime_type"], item["keyname"]) == \
        ("data.bin", "x-app/thing", "k1")
    assert item["is_image"] is False and item["file_meta"] is None


def test_update_attributes_and_file(admin, server, layer, fid):
    aid = attach(admin, layer, fid, b"first", "one.txt")
    old_key = query(server, "SELECT o.key FROM feature_attachment a JOIN fileobj o "
                    "ON o.id = a.fileobj_id WHERE a.id = %s", aid)[0][0]
    assert admin.ok("PUT", att_url(layer, fid, aid), json={
        "name": "renamed.txt", "description": "about", "keyname": "main"}) == {"id": aid}
    item = admin.ok("GET", att_url(layer, fid, aid))
    assert (item["name"], item["description"], item["keyname"], item["size"]) == \
        ("renamed.txt", "about", "main", 5)
    photo = jpeg()
    meta = upload(admin, "new.jpg", photo)
    admin.ok("PUT", att_url(layer, fid, aid), json={"file_upload": meta, "description": None})
    item = admin.ok("GET", att_url(layer, fid, aid))
    assert (item["name"], item["mime_type"], item["size"], item["description"],
            item["keyname"]) == ("new.jpg", "image/jpeg", len(photo), None, "main")
    assert admin.get(att_url(layer, fid, aid, "/download")).content == photo
    # The replaced file's row is gone (its bytes go after the commit).
    assert query(server, "SELECT 1 FROM fileobj WHERE key = %s", old_key) == []


def test_delete_returns_null(admin, layer, fid):
    aid = attach(admin, layer, fid)
    resp = admin.delete(att_url(layer, fid, aid))
    assert resp.status_code == 200 and resp.json() is None
    assert error(admin.get(att_url(layer, fid, aid)))["exception"].endswith(
        "feature_attachment.AttachmentNotFound")
    assert admin.ok("GET", att_url(layer, fid)) == []


def test_keyname_unique_per_layer(admin, layer, fid):
    attach(admin, layer, fid, keyname="photo")
    other = admin.ok("POST", f"/api/resource/{layer}/feature/", json={})["id"]
    resp = admin.post(att_url(layer, other), json={
        "file_upload": upload(admin, "x.txt", b"x"), "keyname": "photo"})
    assert resp.status_code == 422 and "keyname" in error(resp)["message"]
    assert admin.ok("GET", att_url(layer, other)) == []


def test_download_range_and_utf8_name(admin, layer, fid):
    data = bytes(range(256)) * 40
    name = "Фото №1 café.bin"
    aid = attach(admin, layer, fid, data, name)
    resp = admin.get(att_url(layer, fid, aid, "/download"))
    assert resp.status_code == 200 and resp.content == data
    assert resp.headers["Content-Disposition"] == \
        f"attachment; filename=\"____ _1 caf_.bin\"; filename*=utf-8''{quote(name)}"
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == name
    part = admin.get(att_url(layer, fid, aid, "/download"), headers={"Range": "bytes=100-299"})
    assert part.status_code == 206 and part.content == data[100:300]
    assert part.headers["Content-Range"] == f"bytes 100-299/{len(data)}"
    tail = admin.get(att_url(layer, fid, aid, "/download"), headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    etag = resp.headers["ETag"]
    assert admin.get(att_url(layer, fid, aid, "/download"),
                     headers={"If-None-Match": etag}).status_code == 304
    assert admin.get(att_url(layer, fid, aid, "/download"),
                     params={"fileobj": 999999999}).status_code == 404


def test_item_of_another_feature_is_not_found(admin, layer, fid):
    aid = attach(admin, layer, fid)
    other = admin.ok("POST", f"/api/resource/{layer}/feature/", json={})["id"]
    for method in ("GET", "PUT", "DELETE"):
        resp = admin.request(method, att_url(layer, other, aid), json={"name": "x"})
        body = error(resp)
        assert resp.status_code == 404 and body["exception"].endswith("AttachmentNotFound")
        assert body["data"] == {"resource_id": layer, "feature_id": other, "attachment_id": aid}
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == "a.txt"


def test_volume_counts_attachments(admin, layer, fid):
    before = admin.ok("GET", f"/api/resource/{layer}/volume")["volume"]
    attach(admin, layer, fid, b"x" * 10_000, "big.bin")
    assert admin.ok("GET", f"/api/resource/{layer}/volume")["volume"] == before + 10_000
