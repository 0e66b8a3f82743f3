"""One guarded zip reader for file bucket archives, attachment and description imports and
GIS import sources: encrypted, corrupt, too big, too many members, overlapping or lying
archives give one clean 422 (413 for content over the total) and write nothing."""

from __future__ import annotations

import struct
import zipfile

import pytest

from ..feature_attachment.helpers import new_feature, upload
from ..feature_layer.helpers import error, make_layer
from ..util import unique
from .bounds_util import encrypted, lying, tight_server, zeros_zip, zip_of

KINDS = ("file_bucket", "feature_attachment", "feature_description", "vector_layer")


def _send(client, parent, kind, data):
    """Use ``data`` as the zip of ``kind``; returns the response."""
    meta = upload(client, "in.zip", data)
    if kind == "file_bucket":
        body = {"resource": {"cls": "file_bucket", "parent": {"id": parent},
                             "display_name": unique("bucket")},
                "file_bucket": {"archive": meta}}
        return client.post("/api/resource/", json=body)
    if kind == "vector_layer":
        body = {"resource": {"cls": "vector_layer", "parent": {"id": parent},
                             "display_name": unique("vl")},
                "vector_layer": {"source": meta, "srs": {"id": 3857}}}
        return client.post("/api/resource/", json=body)
    layer = make_layer(client, parent, fields=[("s", "STRING")])
    new_feature(client, layer)
    return client.put(f"/api/resource/{layer}/{kind}/import", json={"source": meta})


def _member(kind):
    return {"file_bucket": "a.txt", "feature_attachment": "1/a.txt",
            "feature_description": "1.html", "vector_layer": "a.geojson"}[kind]


def _children(client, parent):
    return client.ok("GET", f"/api/resource/?parent={parent}")


@pytest.mark.parametrize("kind", KINDS)
def test_encrypted_zip_is_422(admin, group, kind):
    resp = _send(admin, group, kind, encrypted(zip_of({_member(kind): b"{}"})))
    assert resp.status_code == 422, resp.text
    assert "encrypted" in error(resp)["message"]
    assert _children(admin, group) == [] or kind in ("feature_attachment",
                                                     "feature_description")


@pytest.mark.parametrize("kind", KINDS)
def test_corrupt_zip_is_422(admin, group, kind):
    good = zip_of({_member(kind): b"x" * 1000})
    resp = _send(admin, group, kind, good[:len(good) // 2] + b"\0" * 10 + good[len(good) // 2:])
    assert resp.status_code == 422, resp.text
    assert error(resp)["message"]


@pytest.mark.parametrize("kind", KINDS)
def test_overlapping_members_are_422(admin, group, kind):
    """A non-recursive zip bomb: many central directory entries share one compressed body."""
    one = zip_of({_member(kind): b"\0" * 100_000})
    cd = one.index(b"PK\x01\x02")
    end = one.index(b"PK\x05\x06")
    entry = one[cd:end]
    copies = 50
    entries = b""
    for i in range(copies):
        name = f"{i}/{_member(kind)}" if kind != "feature_description" else f"{i + 1}.html"
        if kind == "file_bucket":
            name = f"f{i}.txt"
        fname = name.encode()
        head = bytearray(entry[:46])
        head[28:30] = struct.pack("<H", len(fname))
        entries += bytes(head) + fname
    eocd = bytearray(one[end:end + 22])
    eocd[8:10] = eocd[10:12] = struct.pack("<H", copies)
    eocd[12:16] = struct.pack("<I", len(entries))
    resp = _send(admin, group, kind, one[:cd] + entries + bytes(eocd))
    assert resp.status_code == 422, resp.text
    assert "overlap" in error(resp)["message"]


@pytest.mark.parametrize("kind", KINDS)
def test_expansion_ratio_is_422(admin, group, kind):
    """200 MiB of zeros in a ~200 KB zip expands ~1000 times (the limit is 200)."""
    resp = _send(admin, group, kind, zeros_zip(_member(kind), 200 * 1024 * 1024))
    assert resp.status_code == 422, resp.text
    assert "maximum ratio of 200" in error(resp)["message"]


@pytest.fixture(scope="module")
def tight(server, test_settings, tmp_path_factory):
    with tight_server(server, test_settings, tmp_path_factory) as (client, _port):
        yield client


@pytest.mark.parametrize("kind", KINDS)
def test_total_over_the_limit_is_413_before_writing(tight, kind):
    """archive_max_size is 1 MiB on the tight server: 2 MiB of content is refused."""
    parent = tight.ok("POST", "/api/resource/", 201, json={"resource": {
        "cls": "resource_group", "parent": {"id": 0}, "display_name": unique("g")}})["id"]
    resp = _send(tight, parent, kind, zip_of({_member(kind): b"{" + b" " * (2 << 20) + b"}"}))
    assert resp.status_code == 413, resp.text
    body = error(resp)
    assert "maximum of 1048576 bytes" in body["message"]
    assert body["data"]["location"][0] == "body"
    assert _children(tight, parent) == [] or kind in ("feature_attachment",
                                                      "feature_description")


@pytest.mark.parametrize("kind", ["file_bucket", "feature_attachment", "feature_description"])
def test_lying_header_is_caught_while_streaming(tight, kind):
    """The central directory claims 100 bytes; the member holds 2 MiB. The reader stops at
    the claimed size and the CRC check refuses the member: 422, nothing written."""
    parent = tight.ok("POST", "/api/resource/", 201, json={"resource": {
        "cls": "resource_group", "parent": {"id": 0}, "display_name": unique("g")}})["id"]
    data = lying(zip_of({_member(kind): b"<p>" + b"x" * (2 << 20) + b"</p>"}), 100)
    resp = _send(tight, parent, kind, data)
    assert resp.status_code == 422, resp.text
    assert _member(kind) in error(resp)["message"]
    if kind == "file_bucket":
        assert _children(tight, parent) == []


def test_too_many_members_is_422(tight):
    """The member count comes from the end record, before the directory is parsed
    (archive_max_members is 10 on the tight server)."""
    group = tight.ok("POST", "/api/resource/", 201, json={"resource": {
        "cls": "resource_group", "parent": {"id": 0}, "display_name": unique("g")}})["id"]
    data = bytearray(zip_of({"a.txt": b"a"}))
    end = data.index(b"PK\x05\x06")
    data[end + 8:end + 12] = struct.pack("<2H", 65535, 65535)
    resp = _send(tight, group, "file_bucket", bytes(data))
    assert resp.status_code == 422, resp.text
    assert "65535 members, more than the maximum of 10" in error(resp)["message"]
    resp = _send(tight, group, "file_bucket", zip_of({f"{i}.txt": b"x" for i in range(11)}))
    assert resp.status_code == 422, resp.text


def test_long_member_name_is_422(admin, group):
    resp = _send(admin, group, "feature_description", zip_of({"1" * 2000 + ".html": b"x"}))
    assert resp.status_code == 422 and "longer than 1024" in error(resp)["message"]


def test_good_archive_still_works(admin, group):
    resp = _send(admin, group, "file_bucket", zip_of({"a.txt": b"a", "d/b.txt": b"b"},
                                                     zipfile.ZIP_BZIP2))
    assert resp.status_code == 201, resp.text
