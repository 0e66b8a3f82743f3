"""Mime type of stored bytes: magic numbers for common binary formats, then the file name,
then a text check (like NGW's libmagic use, without the native dependency)."""

from __future__ import annotations

import mimetypes

OCTET_STREAM = "application/octet-stream"

_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"PK\x05\x06", 0, "application/zip"),
    (b"BM", 0, "image/bmp"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"SQLite format 3\x00", 0, "application/vnd.sqlite3"),
]
#: Container formats whose real type the name tells better (docx, xlsx, odt, kmz are zips).
_CONTAINERS = {"application/zip", "application/gzip"}


def _signature(head: bytes) -> str | None:
    for magic, offset, mime in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return mime
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heis", b"hevc"):
            return "image/heic"
        return "video/mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def _texty(mime: str) -> bool:
    return (mime.startswith("text/") or mime.endswith(("+xml", "+json", "/json", "/xml"))
            or mime in ("application/javascript", "application/x-sh", "application/sql"))


def sniff(head: bytes, name: str | None = None) -> str:
    """The mime type of a file starting with ``head`` (and named ``name``, if known).

    Content wins where it is conclusive (magic numbers; text vs binary); the name only
    refines it (``.json`` text is application/json, a ``.docx`` zip is a Word file).
    """
    found = _signature(head)
    if found is not None and found not in _CONTAINERS:
        return found
    guessed = mimetypes.guess_type(name, strict=False)[0] if name else None
    if found is not None:
        return guessed or found
    if _is_text(head):
        return guessed if guessed and _texty(guessed) else "text/plain"
    return guessed if guessed and not _texty(guessed) else OCTET_STREAM
