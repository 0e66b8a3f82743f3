"""Thumbnails of images with too many pixels are refused from the header, before decoding:
a few-hundred-byte PNG claiming 20000x20000 answers 422 at once, naming the pixel count."""

from __future__ import annotations

import time

import pytest

from ..feature_attachment.helpers import att_url, attach, jpeg, new_feature, png
from ..feature_layer.helpers import error, make_layer
from ..util import unique
from .bounds_util import png_header, tight_server


@pytest.fixture
def layer(admin, group):
    return make_layer(admin, group, fields=[("s", "STRING")])


@pytest.mark.parametrize("width, height", [(20000, 20000), (8000, 6000), (60000, 60000)])
def test_huge_header_is_refused_before_decoding(admin, layer, width, height):
    """400 MP (over Pillow's own bomb limit), 48 MP (over our 40 MP, under Pillow's) and
    3.6 GP: each a 422 within a second, with the pixel count in the message."""
    fid = new_feature(admin, layer)
    aid = attach(admin, layer, fid, png_header(width, height), name="bomb.png")
    start = time.monotonic()
    resp = admin.get(att_url(layer, fid, aid, "/image"), params={"size": "100x100"})
    assert resp.status_code == 422, resp.text
    assert time.monotonic() - start < 2
    body = error(resp)
    assert f"{width * height} pixels" in body["message"]
    assert "40000000" in body["message"] and body["data"]["max_pixels"] == 40_000_000


@pytest.fixture(scope="module")
def tight(server, test_settings, tmp_path_factory):
    with tight_server(server, test_settings, tmp_path_factory) as (client, _port):
        yield client


def test_pixel_limit_is_a_setting(tight):
    """max_image_pixels is 1,000,000 on the tight server: a 1200x1000 PNG is refused, a
    1000x1000 one rendered. A 1200x1000 JPEG decodes at 1/8 scale for a 64x64 thumbnail (so
    it is rendered) but at full scale for 1000x1000 (refused)."""
    group = tight.ok("POST", "/api/resource/", 201, json={"resource": {
        "cls": "resource_group", "parent": {"id": 0}, "display_name": unique("g")}})["id"]
    layer = make_layer(tight, group, fields=[("s", "STRING")])
    fid = new_feature(tight, layer)
    big = attach(tight, layer, fid, png(1200, 1000), name="big.png")
    ok = attach(tight, layer, fid, png(1000, 1000), name="ok.png")
    photo = attach(tight, layer, fid, jpeg(1200, 1000), name="photo.jpg")

    def thumb(aid, size):
        return tight.get(att_url(layer, fid, aid, "/image"), params={"size": size})

    resp = thumb(big, "64x64")
    assert resp.status_code == 422 and "1200x1000 = 1200000 pixels" in error(resp)["message"]
    assert thumb(ok, "64x64").status_code == 200
    resp = thumb(photo, "64x64")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/jpeg"
    resp = thumb(photo, "1000x1000")
    assert resp.status_code == 422 and "1200000 pixels" in error(resp)["message"]
