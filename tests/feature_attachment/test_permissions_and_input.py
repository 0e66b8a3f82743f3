"""Who may touch attachments (data.read to read, data.write for every change including
delete: spec Decision 6) and bad input: always a 4xx envelope, never a 500."""

from __future__ import annotations

import pytest

from ..principals import allow, error, set_acl
from .helpers import UPLOAD, att_url, attach, jpeg, upload


@pytest.fixture
def reader(make_user, admin, group):
    uid, client = make_user()
    set_acl(admin, group, allow(uid, "resource.read", "data.read"))
    return client


def test_reader_reads_but_cannot_change(admin, reader, layer, fid):
    aid = attach(admin, layer, fid, jpeg(), "p.jpg")
    assert reader.ok("GET", att_url(layer, fid))[0]["id"] == aid
    assert reader.ok("GET", att_url(layer, fid, aid))["name"] == "p.jpg"
    assert reader.get(att_url(layer, fid, aid, "/download")).status_code == 200
    assert reader.get(att_url(layer, fid, aid, "/image"),
                      params={"size": "8x8"}).status_code == 200
    assert reader.get(f"/api/resource/{layer}/feature_attachment/export").status_code == 200
    meta = upload(reader, "r.txt", b"r")
    for method, url, body in (
            ("POST", att_url(layer, fid), {"file_upload": meta}),
            ("PUT", att_url(layer, fid, aid), {"name": "x"}),
            ("DELETE", att_url(layer, fid, aid), None),  # NGW lets readers delete; we do not
            ("PUT", f"/api/resource/{layer}/feature_attachment/import", {"source": meta}),
            ("PUT", f"/api/resource/{layer}/feature/{fid}",
             {"extensions": {"attachment": []}})):
        error(reader.request(method, url, json=body), 403, "InsufficientPermissions")
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == "p.jpg"


def test_strangers_see_nothing(make_user, anon, admin, layer, fid):
    aid = attach(admin, layer, fid)
    _uid, stranger = make_user()
    for client in (stranger, anon):
        for url in (att_url(layer, fid), att_url(layer, fid, aid),
                    att_url(layer, fid, aid, "/download")):
            error(client.get(url), 404, "ResourceNotFound")


def test_unknown_and_unfinished_uploads_are_422(admin, layer, fid):
    for meta in ({"id": "0" * 32}, {"id": "not-an-id"}, {"id": 5}, {}, "x" * 32, 17):
        resp = admin.post(att_url(layer, fid), json={"file_upload": meta})
        error(resp, 422, "FileUploadNotFound")
    unfinished = admin.post(UPLOAD, headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"})
    upload_id = unfinished.headers["Location"].rsplit("/", 1)[1]
    error(admin.post(att_url(layer, fid), json={"file_upload": {"id": upload_id}}), 422,
          "FileUploadNotCompleted")
    aid = attach(admin, layer, fid)
    error(admin.put(att_url(layer, fid, aid), json={"file_upload": {"id": upload_id}}), 422,
          "FileUploadNotCompleted")
    assert admin.ok("GET", att_url(layer, fid)) == [admin.ok("GET", att_url(layer, fid, aid))]


def test_missing_feature_and_layer(admin, group, layer):
    meta = upload(admin, "a.txt", b"a")
    body = error(admin.post(att_url(layer, 424242), json={"file_upload": meta}), 404,
                 "FeatureNotFound")
    assert body["data"] == {"resource_id": layer, "feature_id": 424242}
    error(admin.get(att_url(layer, 424242)), 404, "FeatureNotFound")
    error(admin.get(att_url(2_000_000_000, 1)), 404, "ResourceNotFound")
    error(admin.get(att_url(group, 1)), 404, "ResourceNotFound")  # not a feature layer
    error(admin.get(att_url(layer, 1, 999999)), 404, "AttachmentNotFound")


@pytest.mark.parametrize("body, status", [
    (b"{not json", 400), (b"", 400), (b"[]", 422), (b'"x"', 422),
    (b'{"file_upload": null}', 422), (b'{"name": 5, "file_upload": {"id": "x"}}', 422),
    (b'{"description": ["x"]}', 422), (b'{"keyname": {}}', 422),
])
def test_malformed_bodies(admin, layer, fid, body, status):
    resp = admin.post(att_url(layer, fid), data=body,
                      headers={"Content-Type": "application/json"})
    error(resp, status)
    aid = attach(admin, layer, fid)
    if body != b"[]" and b"file_upload" not in body:
        error(admin.put(att_url(layer, fid, aid), data=body), status)


def test_text_values_postgres_refuses_are_422(admin, layer, fid):
    aid = attach(admin, layer, fid)
    error(admin.put(att_url(layer, fid, aid), json={"name": "nul\u0000byte"}), 422)
    assert admin.ok("GET", att_url(layer, fid, aid))["name"] == "a.txt"
