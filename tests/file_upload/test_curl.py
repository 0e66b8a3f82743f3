"""Uploads with curl, typed the way users type them."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from ..conftest import ADMIN_PASSWORD
from .helpers import bucket_file, create_bucket

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 50


def curl(*args: str) -> dict:
    out = subprocess.run(["curl", "-sS", "--fail-with-body", "-u",
                          f"administrator:{ADMIN_PASSWORD}", *args],
                         capture_output=True, check=True, timeout=60)
    return json.loads(out.stdout)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(JPEG)
    return path


def test_curl_multipart(server, photo):
    meta = curl("-F", f"file=@{photo}", f"{server.url}/api/component/file_upload/")
    [item] = meta["upload_meta"]
    assert item["name"] == "photo.jpg" and item["size"] == len(JPEG)
    assert item["mime_type"] == "image/jpeg"


def test_curl_put_and_bucket_round_trip(server, photo, admin, group):
    """``curl -T`` appends the file name to a URL ending in '/': that is a named raw PUT."""
    meta = curl("-T", str(photo), f"{server.url}/api/component/file_upload/")
    assert meta["name"] == "photo.jpg" and meta["mime_type"] == "image/jpeg"
    alias = curl("-T", str(photo), f"{server.url}/api/component/file_upload/upload")
    assert alias["size"] == len(JPEG) and "name" not in alias

    rid = create_bucket(admin, group, {"files": [meta]})["id"]
    out = subprocess.run(["curl", "-sS", "--fail", "-u", f"administrator:{ADMIN_PASSWORD}",
                          f"{server.url}/api/resource/{rid}/file/photo.jpg"],
                         capture_output=True, check=True, timeout=60).stdout
    assert hashlib.sha256(out).digest() == hashlib.sha256(JPEG).digest()
    assert bucket_file(admin, rid, "photo.jpg").headers["Content-Type"] == "image/jpeg"
