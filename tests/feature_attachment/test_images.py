"""Thumbnails of real photos (spec 4.2 ``image``): EXIF rotation, fit and crop, JPEG/PNG
out, kept as stored files so a second request does not render again; the original without
size; 422 for files that are not images; HEIC stored as JPEG."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ..feature_layer.helpers import error
from .helpers import att_url, attach, decode, jpeg, png, query, upload


def image(client, layer, fid, aid, **params):
    return client.get(att_url(layer, fid, aid, "/image"), params=params)


def test_exif_rotation_in_thumbnail(admin, layer, fid):
    """A 400x200 photo taken with the camera turned (Orientation=6) shows 200x400."""
    photo = jpeg(400, 200, orientation=6)
    aid = attach(admin, layer, fid, photo, "turned.jpg")
    resp = image(admin, layer, fid, aid, size="100x100")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/jpeg"
    thumb = decode(resp.content)
    assert thumb.format == "JPEG" and thumb.size == (50, 100)
    # Rotated 90° clockwise: the left (red) half of the stored image is now on top.
    top, bottom = thumb.getpixel((25, 10)), thumb.getpixel((25, 90))
    assert top[0] > 150 and top[2] < 100 and bottom[2] > 150 and bottom[0] < 100
    crop = decode(image(admin, layer, fid, aid, size="60x60", crop="true").content)
    assert crop.size == (60, 60)
    upright = attach(admin, layer, fid, jpeg(400, 200), "upright.jpg")
    assert decode(image(admin, layer, fid, upright, size="100x100").content).size == (100, 50)


def test_thumbnail_never_enlarges_and_png_stays_png(admin, layer, fid):
    aid = attach(admin, layer, fid, png(40, 30), "icon.png")
    resp = image(admin, layer, fid, aid, size="400x400")
    assert resp.headers["Content-Type"] == "image/png"
    thumb = decode(resp.content)
    assert thumb.size == (40, 30) and thumb.mode == "RGBA"


def test_thumbnail_is_rendered_once(admin, server, layer, fid):
    aid = attach(admin, layer, fid, jpeg(800, 600), "big.jpg")
    first = image(admin, layer, fid, aid, size="120x90")
    rows = query(server, "SELECT t.thumb_fileobj_id FROM feature_attachment_thumbnail t "
                 "JOIN feature_attachment a ON a.fileobj_id = t.fileobj_id WHERE a.id = %s",
                 aid)
    assert len(rows) == 1
    second = image(admin, layer, fid, aid, size="120x90")
    assert second.content == first.content and second.headers["ETag"] == first.headers["ETag"]
    assert query(server, "SELECT t.thumb_fileobj_id FROM feature_attachment_thumbnail t "
                 "JOIN feature_attachment a ON a.fileobj_id = t.fileobj_id WHERE a.id = %s",
                 aid) == rows
    assert admin.get(att_url(layer, fid, aid, "/image"), params={"size": "120x90"},
                     headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    image(admin, layer, fid, aid, size="120x90", crop="yes")
    assert len(query(server, "SELECT 1 FROM feature_attachment_thumbnail t JOIN "
                     "feature_attachment a ON a.fileobj_id = t.fileobj_id WHERE a.id = %s",
                     aid)) == 2


def test_original_without_size(admin, layer, fid):
    photo = jpeg(300, 100, orientation=6)
    aid = attach(admin, layer, fid, photo, "p.jpg")
    resp = image(admin, layer, fid, aid)
    assert resp.status_code == 200 and resp.content == photo
    assert resp.headers["Content-Type"] == "image/jpeg"


def test_not_an_image_is_422(admin, layer, fid):
    text = attach(admin, layer, fid, b"just text", "notes.txt")
    fake = attach(admin, layer, fid, b"\xff\xd8\xff\xe0 broken jpeg", "fake.jpg")
    for aid, params in ((text, {}), (text, {"size": "10x10"}), (fake, {"size": "10x10"})):
        resp = image(admin, layer, fid, aid, **params)
        body = error(resp)
        assert resp.status_code == 422, resp.text
        assert body["exception"].endswith("feature_attachment.AttachmentNotImage")


@pytest.mark.parametrize("size", ["0x10", "10", "axb", "10x99999", "-1x5", "10x10x10"])
def test_bad_size_is_422(admin, layer, fid, size):
    aid = attach(admin, layer, fid, jpeg(), "p.jpg")
    resp = image(admin, layer, fid, aid, size=size)
    assert resp.status_code == 422 and error(resp)["data"]["location"] == ["query", "size"]


def test_heic_becomes_jpeg(admin, layer, fid):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    img = Image.new("RGB", (64, 48), (250, 200, 0))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2023:07:08 09:10:11"
    buf = io.BytesIO()
    img.save(buf, "HEIF", exif=exif.tobytes())
    meta = upload(admin, "IMG_0001.HEIC", buf.getvalue())
    assert meta["mime_type"] == "image/heic"
    aid = admin.ok("POST", att_url(layer, fid), json={"file_upload": meta})["id"]
    item = admin.ok("GET", att_url(layer, fid, aid))
    assert (item["name"], item["mime_type"], item["is_image"]) == \
        ("IMG_0001.jpg", "image/jpeg", True)
    assert item["file_meta"] == {"timestamp": "2023-07-08T09:10:11"}
    data = admin.get(att_url(layer, fid, aid, "/download")).content
    assert decode(data).format == "JPEG" and decode(data).size == (64, 48)
    assert item["size"] == len(data)
