"""Attachments the way real clients make them: curl commands as users type them, and the
NextGIS Mobile flow (spec 10.4 and clients.md 6): tus upload with ``filename`` metadata and
a chunked PATCH, ``GET <Location>`` for the meta, then ``POST …/attachment/``."""

from __future__ import annotations

import base64
import json
import subprocess
from urllib.parse import urlsplit

import pytest
from tusclient import client as tus

from ..conftest import ADMIN_PASSWORD
from ..file_upload.test_tus_clients import AUTH, raw_request
from .helpers import UPLOAD, att_url, decode, jpeg

MOBILE = {"source": "ng_mobile", "ngid": "", "deviceid": "3f1c0d5e-0000-4000-8000-1234"}


def curl(*args: str) -> bytes:
    out = subprocess.run(["curl", "-sS", "--fail-with-body", "-u",
                          f"administrator:{ADMIN_PASSWORD}", *args],
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg(640, 480, orientation=6, taken="2024:06:01 08:00:00"))
    return path


def test_curl_upload_attach_download(server, layer, fid, photo, tmp_path):
    base = f"{server.url}/api/resource/{layer}/feature/{fid}/attachment/"
    meta = json.loads(curl("-F", f"file=@{photo}", f"{server.url}{UPLOAD}"))["upload_meta"][0]
    body = json.dumps({"file_upload": meta, "description": "north side"})
    aid = json.loads(curl("-X", "POST", "-H", "Content-Type: application/json",
                          "-d", body, base))["id"]
    listed = json.loads(curl(base))
    assert [(a["id"], a["name"], a["is_image"]) for a in listed] == [(aid, "photo.jpg", True)]

    saved = tmp_path / "saved"
    saved.mkdir()
    curl("-OJ", "--output-dir", str(saved), f"{base}{aid}/download")  # name from the header
    assert (saved / "photo.jpg").read_bytes() == photo.read_bytes()
    head = curl("-r", "0-9", f"{base}{aid}/download")
    assert head == photo.read_bytes()[:10]
    thumb = curl(f"{base}{aid}/image?size=64x64")
    assert decode(thumb).size == (48, 64)  # 640x480 turned by its EXIF orientation

    curl("-X", "PUT", "-d", '{"name": "north.jpg"}', f"{base}{aid}")
    assert json.loads(curl(f"{base}{aid}"))["name"] == "north.jpg"
    assert json.loads(curl("-X", "DELETE", f"{base}{aid}")) is None
    assert json.loads(curl(base)) == []


def test_curl_raw_put_then_attach(server, layer, fid, photo):
    """``curl -T`` to the upload collection: a named raw PUT."""
    meta = json.loads(curl("-T", str(photo), f"{server.url}{UPLOAD}"))
    aid = json.loads(curl("-d", json.dumps({"file_upload": meta}),
                          f"{server.url}/api/resource/{layer}/feature/{fid}/attachment/"))["id"]
    got = json.loads(curl(f"{server.url}/api/resource/{layer}/feature/{fid}/attachment/{aid}"))
    assert (got["name"], got["mime_type"]) == ("photo.jpg", "image/jpeg")


def test_mobile_attachment_flow(server, admin, layer, photo):
    # Create the feature as Mobile does, then upload the photo by tus.
    fid = admin.ok("POST", f"/api/resource/{layer}/feature/", params={**MOBILE,
                   "dt_format": "iso"}, json={"fields": {"s": "pt"}, "geom": "POINT (1 2)"})["id"]
    data = photo.read_bytes()
    b64name = base64.b64encode(b"IMG_20240601.jpg").decode()
    answer = raw_request(server, (
        f"POST {UPLOAD} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: {AUTH}\r\n"
        f"Tus-Resumable: 1.0.0\r\nUpload-Length: {len(data)}\r\n"
        f"Upload-Metadata: filename {b64name}\r\nContent-Length: 0\r\n\r\n"))
    assert answer.startswith(b"HTTP/1.1 201"), answer
    location = next(line.split(b": ", 1)[1].decode() for line in answer.split(b"\r\n")
                    if line.lower().startswith(b"location:"))
    chunks = [data[i:i + 8192] for i in range(0, len(data), 8192)]
    body = [f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks] + [b"0\r\n\r\n"]
    answer = raw_request(server, (
        f"PATCH {urlsplit(location).path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: {AUTH}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
        f"Content-Type: application/offset+octet-stream\r\nExpect: 100-continue\r\n"
        f"Transfer-Encoding: chunked\r\n\r\n"), body, read_interim=True)
    assert answer.startswith(b"HTTP/1.1 204"), answer

    meta = admin.ok("GET", urlsplit(location).path)
    resp = admin.post(att_url(layer, fid), params=MOBILE, json={
        "file_upload": meta, "name": "IMG_20240601.jpg", "description": "from the field"})
    assert resp.status_code == 200 and set(resp.json()) == {"id"}
    aid = resp.json()["id"]

    # The next full pull shows it where Mobile reads it.
    pulled = admin.ok("GET", f"/api/resource/{layer}/feature/",
                      params={"dt_format": "iso", "extensions": "attachment"})
    [feat] = [f for f in pulled if f["id"] == fid]
    [att] = feat["extensions"]["attachment"]
    assert (att["id"], att["name"], att["mime_type"], att["description"]) == \
        (aid, "IMG_20240601.jpg", "image/jpeg", "from the field")
    assert att["file_meta"] == {"timestamp": "2024-06-01T08:00:00"}

    # Edits and removal as Mobile sends them: 200 with a JSON body each time.
    edit = admin.put(att_url(layer, fid, aid), params=MOBILE,
                     json={"name": "IMG_20240601.jpg", "description": "fixed"})
    assert edit.status_code == 200 and edit.json() == {"id": aid}
    gone = admin.delete(att_url(layer, fid, aid), params=MOBILE)
    assert gone.status_code == 200 and gone.json() is None


def test_tuspy_upload_then_attach(server, admin, layer, fid, photo):
    uploader = tus.TusClient(server.url + UPLOAD, headers={"Authorization": AUTH}).uploader(
        file_path=str(photo), chunk_size=4096, metadata={"name": "photo.jpg"})
    uploader.upload()
    meta = admin.ok("GET", urlsplit(uploader.url).path)
    aid = admin.ok("POST", att_url(layer, fid), json={"file_upload": meta})["id"]
    assert admin.get(att_url(layer, fid, aid, "/download")).content == photo.read_bytes()
