"""file_upload over HTTP: multipart, raw PUT and tus by hand (spec 4.1)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ..util import Client

BASE = "/api/component/file_upload/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TUS = {"Tus-Resumable": "1.0.0"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def tus_create(client: Client, length: int, **meta: str) -> str:
    headers = {**TUS, "Upload-Length": str(length)}
    if meta:
        headers["Upload-Metadata"] = ",".join(f"{k} {b64(v)}" for k, v in meta.items())
    resp = client.post(BASE, headers=headers)
    assert resp.status_code == 201, resp.text
    location = resp.headers["Location"]
    assert location.startswith(client.base_url + BASE)
    return location


def patch(client: Client, location: str, offset: int, data: bytes, **headers):
    return client.session.patch(location, data=data, headers={
        **TUS, "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream", **headers})


def test_options_advertises_tus(admin, anon):
    resp = anon.request("OPTIONS", BASE)
    assert resp.status_code == 204
    assert resp.headers["Tus-Resumable"] == "1.0.0"
    assert resp.headers["Tus-Version"] == "1.0.0"
    assert resp.headers["Tus-Extension"] == "creation,termination"
    assert int(resp.headers["Tus-Max-Size"]) == 50 * 1024 ** 3


def test_multipart_single_and_many(admin):
    meta = admin.ok("POST", BASE, files={"file": ("photo.png", PNG, "image/png")})
    [item] = meta["upload_meta"]
    assert item["name"] == "photo.png" and item["size"] == len(PNG)
    assert item["mime_type"] == "image/png" and len(item["id"]) == 32

    many = admin.ok("POST", BASE + "upload", files=[
        ("files[]", ("a.txt", b"alpha", "text/plain")),
        ("files[]", ("b.bin", b"\x00\x01", "application/octet-stream"))])["upload_meta"]
    assert [m["name"] for m in many] == ["a.txt", "b.bin"]
    assert [m["size"] for m in many] == [5, 2]
    assert many[1]["mime_type"] == "application/octet-stream"
    for m in many:
        assert admin.ok("GET", BASE + m["id"]) == m


def test_gdal_multipart_name_field(admin):
    """GDAL's raster upload sends ``file`` plus a ``name`` field."""
    meta = admin.ok("POST", BASE + "upload", files={"file": ("tmp123", PNG)},
                    data={"name": "raster.png"})["upload_meta"][0]
    assert meta["name"] == "raster.png" and meta["mime_type"] == "image/png"


def test_mobile_multipart_boundary(admin):
    body = (b"--**nextgis**\r\n"
            b'Content-Disposition: form-data; name="file"; filename="IMG_1.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + b"\xff\xd8\xff\xe0jpegdata" +
            b"\r\n--**nextgis**--\r\n")
    resp = admin.post(BASE + "upload", data=body,
                      headers={"Content-Type": "multipart/form-data; boundary=**nextgis**"})
    assert resp.status_code == 200, resp.text
    meta = resp.json()["upload_meta"][0]
    assert meta["name"] == "IMG_1.jpg" and meta["size"] == 12
    assert meta["mime_type"] == "image/jpeg"


@pytest.mark.parametrize("body, content_type", [
    (b"--xx\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc",
     "multipart/form-data; boundary=xx"),
    (b"garbage", "multipart/form-data; boundary=xx"),
    (b"--xx--\r\n", "multipart/form-data"),
    (b"--xx\r\nno headers end", "multipart/form-data; boundary=xx"),
])
def test_malformed_multipart_is_400(admin, body, content_type):
    resp = admin.post(BASE, data=body, headers={"Content-Type": content_type})
    assert resp.status_code == 400, resp.text
    assert resp.json()["message"]


def test_multipart_without_file_part_is_400(admin):
    resp = admin.post(BASE, files={"other": ("x.txt", b"x")})
    assert resp.status_code == 400
    resp = admin.post(BASE, data=b"{}", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400


def test_raw_put(admin):
    resp = admin.put(BASE, data=PNG,
                     headers={"Content-Disposition": 'attachment; filename="pic.png"',
                              "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 201
    meta = resp.json()
    assert meta["name"] == "pic.png" and meta["size"] == len(PNG)
    assert meta["mime_type"] == "image/png"

    meta = admin.ok("PUT", BASE + "upload", 201, data=b"hello",
                    headers={"Content-Type": "text/csv"})
    assert meta == {"id": meta["id"], "size": 5, "mime_type": "text/csv"}


def test_guest_cannot_upload(anon):
    assert anon.post(BASE, files={"file": ("a", b"a")}).status_code == 401
    assert anon.put(BASE, data=b"a").status_code == 401


def test_tus_flow(admin):
    data = bytes(range(256)) * 40
    location = tus_create(admin, len(data), name="dump.bin", mime_type="application/x-test")
    head = admin.session.head(location, headers=TUS)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"

    assert admin.session.get(location).status_code == 422
    resp = patch(admin, location, 0, data[:1000])
    assert resp.status_code == 204 and resp.headers["Upload-Offset"] == "1000"
    assert resp.headers["Tus-Resumable"] == "1.0.0"

    conflict = patch(admin, location, 10, data[10:20])
    assert conflict.status_code == 409
    wrong_type = admin.session.patch(location, data=b"x", headers={
        **TUS, "Upload-Offset": "1000", "Content-Type": "application/octet-stream"})
    assert wrong_type.status_code == 415
    too_much = patch(admin, location, 1000, data[1000:] + b"extra")
    assert too_much.status_code == 413

    resp = patch(admin, location, 1000, data[1000:])
    assert resp.status_code == 204 and resp.headers["Upload-Offset"] == str(len(data))
    meta = admin.session.get(location).json()
    assert meta == {"id": location.rsplit("/", 1)[1], "size": len(data), "name": "dump.bin",
                    "mime_type": "application/x-test"}
    # Repeating the final (empty) PATCH is harmless.
    assert patch(admin, location, len(data), b"").status_code == 204

    assert admin.session.delete(location, headers=TUS).status_code == 204
    assert admin.session.get(location).status_code == 404
    assert admin.session.head(location, headers=TUS).status_code == 404


def test_tus_errors(admin, make_user):
    assert admin.post(BASE, headers={**TUS, "Upload-Length": str(60 * 1024 ** 3)}
                      ).status_code == 413
    assert admin.post(BASE, headers={**TUS, "Upload-Length": "-1"}).status_code == 400
    assert admin.post(BASE, headers=TUS).status_code == 400
    assert admin.post(BASE, headers={"Tus-Resumable": "0.2.2", "Upload-Length": "1"}
                      ).status_code == 412
    assert admin.post(BASE, headers={**TUS, "Upload-Length": "3",
                                     "Upload-Metadata": "name !!!"}).status_code == 400

    location = tus_create(admin, 3)
    assert admin.session.head(location).status_code == 412  # HEAD needs Tus-Resumable
    assert patch(admin, location, 0, b"abc", **{"Upload-Offset": "x"}).status_code == 400
    _, other = make_user()
    assert other.session.get(location).status_code == 404
    assert patch(other, location, 0, b"abc").status_code == 404

    for missing in ("0" * 32, "not-an-id"):
        assert admin.get(BASE + missing).status_code == 404
        assert patch(admin, admin.base_url + BASE + missing, 0, b"a").status_code == 404
        assert admin.delete(BASE + missing).status_code == 404


def test_tus_zero_length_and_mobile_filename_key(admin):
    location = tus_create(admin, 0, filename="empty.txt")
    meta = admin.session.get(location).json()
    assert meta["size"] == 0 and meta["name"] == "empty.txt"
    assert meta["mime_type"] == "application/octet-stream"


def test_tus_sniffs_mime_when_not_given(admin):
    location = tus_create(admin, len(PNG), filename="x")
    assert patch(admin, location, 0, PNG).status_code == 204
    assert admin.session.get(location).json()["mime_type"] == "image/png"


def test_routes_published(anon):
    routes = anon.ok("GET", "/api/component/pyramid/route")
    assert routes["file_upload.collection"] == ["/api/component/file_upload/"]
    assert routes["file_upload.upload"] == ["/api/component/file_upload/upload"]
    assert routes["file_upload.item"] == ["/api/component/file_upload/{0}", "id"]


def test_put_size(admin):
    """A binary body of a known length (sha256 round trips are in test_tus_clients)."""
    data = hashlib.sha256(b"seed").digest() * 1000
    meta = admin.ok("PUT", BASE, 201, data=data)
    assert meta["size"] == len(data)


def test_without_trailing_slash(admin):
    """Decision 4: no redirects; the collection answers without its trailing slash too."""
    meta = admin.ok("POST", BASE.rstrip("/"), files={"file": ("a.txt", b"a")})
    assert meta["upload_meta"][0]["size"] == 1
    assert admin.put(BASE.rstrip("/"), data=b"ab").status_code == 201
    resp = admin.post(BASE.rstrip("/"), headers={**TUS, "Upload-Length": "1"})
    assert resp.status_code == 201 and resp.headers["Location"].startswith(admin.base_url)


def test_curl_style_named_put(admin):
    meta = admin.ok("PUT", BASE + "notes.txt", 201, data=b"hello")
    assert meta["name"] == "notes.txt" and meta["mime_type"] == "text/plain"
