"""Which name an attachment made from an upload gets: the body's ``name``, else the upload
meta's ``name``, else the name the upload was created with.

NextGIS Mobile creates the tus upload with ``Upload-Metadata: filename <its local attachment
number>`` (e.g. ``1``) and names the photo only in the attachment body, so the body must win.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from tusclient import client as tus

from ..file_upload.test_tus_clients import AUTH
from .helpers import UPLOAD, att_url, jpeg, upload

MOBILE = {"source": "ng_mobile", "ngid": "", "deviceid": "3f1c0d5e-0000-4000-8000-1234"}


def tus_upload(server, admin, data: bytes, filename: str) -> dict:
    """A tus upload as Mobile makes it (metadata key ``filename``); returns the GET meta."""
    uploader = tus.TusClient(server.url + UPLOAD, headers={"Authorization": AUTH}).uploader(
        file_stream=io.BytesIO(data), chunk_size=4096,
        metadata={"filename": filename})
    uploader.upload()
    return admin.ok("GET", urlsplit(uploader.url).path)


def test_mobile_photo_named_by_the_body(server, admin, layer, fid):
    data = jpeg(320, 240)
    meta = tus_upload(server, admin, data, "1")
    assert meta["name"] == "1"
    aid = admin.ok("POST", att_url(layer, fid), params=MOBILE, json={
        "file_upload": meta, "name": "IMG_0001.jpg", "description": "from the field"})["id"]
    att = admin.ok("GET", att_url(layer, fid, aid))
    assert (att["name"], att["mime_type"], att["description"]) == \
        ("IMG_0001.jpg", "image/jpeg", "from the field")
    feature = admin.ok("GET", f"/api/resource/{layer}/feature/{fid}",
                       params={"extensions": "attachment"})
    assert [a["name"] for a in feature["extensions"]["attachment"]] == ["IMG_0001.jpg"]
    resp = admin.get(att_url(layer, fid, aid, "/download"))
    assert resp.content == data and "IMG_0001.jpg" in resp.headers["Content-Disposition"]


def test_name_precedence(server, admin, layer, fid):
    data = b"some text"
    # no body name: the meta's name, then the upload's own
    meta = upload(admin, "upload.txt", data)
    aid = admin.ok("POST", att_url(layer, fid),
                   json={"file_upload": {**meta, "name": "meta.txt"}})["id"]
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == "meta.txt"
    meta = upload(admin, "upload.txt", data)
    aid = admin.ok("POST", att_url(layer, fid), json={"file_upload": meta})["id"]
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == "upload.txt"
    meta = tus_upload(server, admin, data, "7")
    aid = admin.ok("POST", att_url(layer, fid),
                   json={"file_upload": {"id": meta["id"]}, "name": "body.txt"})["id"]
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == "body.txt"


def test_replacing_the_file_keeps_the_body_name(server, admin, layer, fid):
    first = tus_upload(server, admin, jpeg(), "1")
    aid = admin.ok("POST", att_url(layer, fid), json={"file_upload": first,
                                                      "name": "IMG_0001.jpg"})["id"]
    second = tus_upload(server, admin, jpeg(color=(0, 200, 0)), "2")
    admin.ok("PUT", att_url(layer, fid, aid), json={"file_upload": second,
                                                    "name": "IMG_0002.jpg"})
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == "IMG_0002.jpg"
    # a new file without a name in the body: the upload names it (as before)
    third = upload(admin, "third.jpg", jpeg())
    admin.ok("PUT", att_url(layer, fid, aid), json={"file_upload": third})
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == "third.jpg"
