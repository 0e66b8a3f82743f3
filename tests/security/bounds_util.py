"""Helpers of the memory/CPU bound tests: crafted zips and images, a raw HTTP socket, and a
second server with tight limits (so the limits can be crossed with small inputs)."""

from __future__ import annotations

import io
import os
import socket
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from ..conftest import ADMIN_PASSWORD
from ..util import Client, running_server

#: Limits of the tight server.
TIGHT = {"ARCHIVE_MAX_SIZE": str(1024 * 1024), "ARCHIVE_MAX_MEMBERS": "10",
         "MAX_JSON_BODY": str(64 * 1024),
         "MAX_IMAGE_PIXELS": str(1_000_000), "UPLOAD_MAX_SIZE": str(8 * 1024 * 1024)}


@contextmanager
def tight_server(server, test_settings, tmp_path_factory) -> Iterator[tuple[Client, int]]:
    """A second ``featuresvc serve`` on the same database with the TIGHT limits; yields
    (administrator client, port)."""
    env = {**os.environ, "FEATURESVC_DATA_DIR": str(test_settings.data_path),
           "FEATURESVC_DATABASE_URL": server.database_url,
           "FEATURESVC_ADMIN_PASSWORD": ADMIN_PASSWORD, "FEATURESVC_WORKERS": "1",
           "FEATURESVC_THREADS": "4", **{f"FEATURESVC_{k}": v for k, v in TIGHT.items()}}
    env.pop("FEATURESVC_CONFIG", None)
    log = tmp_path_factory.mktemp("tight") / "server.log"
    with running_server(env, log) as (url, port, _proc):
        yield Client(url, auth=("administrator", ADMIN_PASSWORD)), port


def zip_of(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def encrypted(data: bytes) -> bytes:
    """The zip with every member flagged as encrypted (traditional PKWARE encryption)."""
    raw = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = raw.find(sig)
        while pos != -1:
            raw[pos + offset] |= 0x1
            pos = raw.find(sig, pos + 4)
    return bytes(raw)


def lying(data: bytes, claimed: int) -> bytes:
    """The zip with every member's uncompressed size (local and central) set to ``claimed``."""
    raw = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = raw.find(sig)
        while pos != -1:
            raw[pos + offset:pos + offset + 4] = struct.pack("<I", claimed)
            pos = raw.find(sig, pos + 4)
    return bytes(raw)


def zeros_zip(name: str, size: int) -> bytes:
    """A deflated member of ``size`` zero bytes, built from repeated flushed blocks so a
    large member costs little time."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    mib = b"\0" * (1024 * 1024)
    block = comp.compress(mib) + comp.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(size, len(mib))
    body = block * count + comp.compress(b"\0" * rest) + comp.flush()
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(mib, crc)
    crc = zlib.crc32(b"\0" * rest, crc)
    fname = name.encode()
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), size,
                        len(fname), 0) + fname
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(body),
                          size, len(fname), 0, 0, 0, 0, 0, 0) + fname
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(body), 0)
    return local + body + central + end


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height; its pixel data is a few bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">2I5B", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def raw_request(port: int, head: str, body_chunks: Iterator[bytes] | list[bytes] = (),
                *, chunked: bool = False, timeout: float = 20) -> tuple[int, bytes, float]:
    """Send a request over a plain socket; returns (status, response bytes, seconds). With
    ``chunked`` the body goes with Transfer-Encoding: chunked. The server may answer and
    close before the whole body is sent: that is what the limits are for."""
    start = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(head.encode())
        try:
            for piece in body_chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed
        data = b""
        try:
            while b"\r\n\r\n" not in data or not _complete(data):
                got = sock.recv(65536)
                if not got:
                    break
                data += got
        except ConnectionResetError:
            pass
    finally:
        sock.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data, time.monotonic() - start


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False
