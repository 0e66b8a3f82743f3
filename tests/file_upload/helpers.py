"""Upload and file bucket helpers shared by the file tests."""

from __future__ import annotations

import io
import zipfile

from ..util import Client, unique

BASE = "/api/component/file_upload/"


def upload(client: Client, name: str, data: bytes, mime: str | None = None) -> dict:
    part = (name, data, mime) if mime else (name, data)
    return client.ok("POST", BASE, files={"file": part})["upload_meta"][0]


def upload_many(client: Client, files: dict[str, bytes]) -> list[dict]:
    return client.ok("POST", BASE, files=[("files[]", (n, d)) for n, d in files.items()]
                     )["upload_meta"]


def make_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def create_bucket(client: Client, parent: int, section: dict, status: int = 201):
    body = {"resource": {"cls": "file_bucket", "parent": {"id": parent},
                         "display_name": unique("bucket")}, "file_bucket": section}
    return client.ok("POST", "/api/resource/", status, json=body)


def bucket_file(client: Client, rid: int, name: str, **kw):
    return client.get(f"/api/resource/{rid}/file/{name}", **kw)
