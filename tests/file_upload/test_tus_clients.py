"""tus with real clients: tuspy (resume after an interrupted transfer) and the NextGIS
Mobile flow (Upload-Metadata ``filename``, chunked PATCH with ``Expect: 100-continue``)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import time
from urllib.parse import urlsplit

from tusclient import client as tus

from ..conftest import ADMIN_PASSWORD
from .helpers import BASE, bucket_file, create_bucket

AUTH = "Basic " + base64.b64encode(f"administrator:{ADMIN_PASSWORD}".encode()).decode()


def tus_client(server) -> tus.TusClient:
    return tus.TusClient(server.url + BASE, headers={"Authorization": AUTH})


def head_offset(admin, url: str) -> int:
    resp = admin.session.head(url, headers={"Tus-Resumable": "1.0.0"})
    assert resp.status_code == 200, resp.status_code
    return int(resp.headers["Upload-Offset"])


def wait_writable(admin, url: str, offset: int, timeout: float = 10) -> None:
    """Until the server has the bytes and no request holds the upload (a 0-byte PATCH)."""
    deadline = time.monotonic() + timeout
    while True:
        resp = admin.session.patch(url, data=b"", headers={
            "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream"})
        if resp.status_code == 204:
            return
        assert time.monotonic() < deadline, (resp.status_code, resp.text)
        time.sleep(0.1)


def raw_request(server, head: str, body_parts=(), read_interim: bool = False,
                close_early: bool = False) -> bytes:
    """Send a request byte by byte as given; returns what the server answered."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        sock.sendall(head.encode())
        if read_interim:
            interim = sock.recv(1024)
            assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        for part in body_parts:
            sock.sendall(part)
        if close_early:
            return b""
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer
    finally:
        sock.close()


def assert_stored_identical(admin, group, upload_id: str, data: bytes) -> None:
    rid = create_bucket(admin, group, {"files": [{"name": "f.bin", "id": upload_id}]})["id"]
    got = bucket_file(admin, rid, "f.bin").content
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()


def test_tuspy_resumes_after_interruption(server, admin, group):
    data = os.urandom(3 * 1024 * 1024 + 123)
    first = tus_client(server).uploader(file_stream=io.BytesIO(data), chunk_size=512 * 1024,
                                        metadata={"name": "survey.bin"})
    first.upload(stop_at=1024 * 1024)
    url = first.url
    assert head_offset(admin, url) == 1024 * 1024
    del first  # the client goes away; only the URL is kept

    # A transfer broken mid-body: the server keeps what arrived.
    path = urlsplit(url).path
    sent = 700_000
    raw_request(server, (
        f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: {AUTH}\r\n"
        f"Tus-Resumable: 1.0.0\r\nUpload-Offset: {1024 * 1024}\r\n"
        f"Content-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(data) - 1024 * 1024}\r\n\r\n"),
        [data[1024 * 1024:1024 * 1024 + sent]], close_early=True)
    # What arrived before the break is kept (the tail of a read buffer may be lost when the
    # peer vanishes, so the offset can stop short of what the client sent).
    deadline = time.monotonic() + 10
    while True:
        kept = head_offset(admin, url)
        if kept == 1024 * 1024 + sent or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert 1024 * 1024 < kept <= 1024 * 1024 + sent
    wait_writable(admin, url, kept)

    second = tus_client(server).uploader(file_stream=io.BytesIO(data), url=url,
                                         chunk_size=1024 * 1024)
    assert second.offset == kept
    second.upload()
    meta = admin.session.get(url).json()
    assert meta["size"] == len(data) and meta["name"] == "survey.bin"
    assert_stored_identical(admin, group, meta["id"], data)


def test_mobile_tus_flow(server, admin, group):
    data = b"\xff\xd8\xff\xe1" + os.urandom(200_000)
    name = "Фото 1.jpg"
    b64name = base64.b64encode(name.encode()).decode()
    answer = raw_request(server, (
        f"POST {BASE} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: {AUTH}\r\n"
        f"Tus-Resumable: 1.0.0\r\nUpload-Length: {len(data)}\r\n"
        f"Upload-Metadata: filename {b64name}\r\nContent-Length: 0\r\n\r\n"))
    assert answer.startswith(b"HTTP/1.1 201"), answer
    location = next(line.split(b": ", 1)[1].decode() for line in answer.split(b"\r\n")
                    if line.lower().startswith(b"location:"))

    chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)]
    body = [f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks] + [b"0\r\n\r\n"]
    answer = raw_request(server, (
        f"PATCH {urlsplit(location).path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: {AUTH}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
        f"Content-Type: application/offset+octet-stream\r\nExpect: 100-continue\r\n"
        f"Transfer-Encoding: chunked\r\n\r\n"), body, read_interim=True)
    assert answer.startswith(b"HTTP/1.1 204"), answer
    assert f"Upload-Offset: {len(data)}".encode() in answer

    meta = admin.session.get(location).json()
    assert meta == {"id": urlsplit(location).path.rsplit("/", 1)[1], "size": len(data),
                    "name": name, "mime_type": "image/jpeg"}
    assert_stored_identical(admin, group, meta["id"], data)
