"""Helpers of the attachment tests: real JPEG/PNG photos made with Pillow, uploads, and
direct looks at the database and the file store (to check what a request left behind)."""

from __future__ import annotations

import io
from pathlib import Path

import psycopg
from PIL import Image

from ..util import Client

UPLOAD = "/api/component/file_upload/"


def jpeg(width: int = 64, height: int = 32, *, orientation: int | None = None,
         taken: str | None = None, color=(200, 30, 30)) -> bytes:
    """A JPEG; ``orientation`` and ``taken`` (EXIF DateTimeOriginal) as a camera writes
    them. The left half is ``color`` and the right half blue, to see rotations."""
    img = Image.new("RGB", (width, height), color)
    img.paste((20, 20, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if taken is not None:
        exif.get_ifd(0x8769)[36867] = taken
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png(width: int = 40, height: int = 30, alpha: bool = True) -> bytes:
    img = Image.new("RGBA" if alpha else "RGB", (width, height),
                    (10, 200, 10, 128) if alpha else (10, 200, 10))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def upload(client: Client, name: str, data: bytes, mime: str | None = None) -> dict:
    part = (name, data, mime) if mime else (name, data)
    return client.ok("POST", UPLOAD, files={"file": part})["upload_meta"][0]


def att_url(layer: int, fid: int, aid: int | None = None, tail: str = "") -> str:
    base = f"/api/resource/{layer}/feature/{fid}/attachment/"
    return base if aid is None else f"{base}{aid}{tail}"


def attach(client: Client, layer: int, fid: int, data: bytes = b"hello", name="a.txt",
           **body) -> int:
    meta = upload(client, name, data)
    return client.ok("POST", att_url(layer, fid), json={"file_upload": meta, **body})["id"]


def new_feature(client: Client, layer: int, **extra) -> int:
    return client.ok("POST", f"/api/resource/{layer}/feature/",
                     json={"geom": "POINT (1 2)", "fields": {"s": "x"}, **extra})["id"]


def query(server, sql: str, *params) -> list[tuple]:
    url = server.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def stored_path(test_settings, key: str) -> Path:
    return test_settings.data_path / "files" / "store" / key[:2] / key[2:4] / key


def attachment_files(server, test_settings, layer: int) -> list[Path]:
    """Paths of the stored files of a layer's attachments (and of their thumbnails)."""
    rows = query(server, "SELECT o.key FROM feature_attachment a JOIN fileobj o "
                 "ON o.id = a.fileobj_id WHERE a.resource_id = %s UNION ALL "
                 "SELECT o.key FROM feature_attachment a JOIN feature_attachment_thumbnail t "
                 "ON t.fileobj_id = a.fileobj_id JOIN fileobj o ON o.id = t.thumb_fileobj_id "
                 "WHERE a.resource_id = %s", layer, layer)
    return [stored_path(test_settings, r[0]) for r in rows]
