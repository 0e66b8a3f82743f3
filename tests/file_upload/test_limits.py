"""The configured maximum upload size gives 413 on every upload path."""

from __future__ import annotations

import base64
import socket

import requests

from ..conftest import ADMIN_PASSWORD
from .conftest import extra_server
from .helpers import BASE


def test_over_the_limit_is_413(server, test_settings, tmp_path):
    with extra_server(test_settings, server, tmp_path / "limits.log", workers="1",
                      upload_max_size="1000", cleanup_interval="0") as url:
        api = requests.Session()
        api.auth = ("administrator", ADMIN_PASSWORD)
        assert api.options(url + BASE).headers["Tus-Max-Size"] == "1000"
        ok = api.post(url + BASE, files={"file": ("a.bin", b"x" * 1000)})
        assert ok.status_code == 200
        for resp in (
            api.post(url + BASE, files={"file": ("a.bin", b"x" * 1001)}),
            api.post(url + BASE, files=[("files[]", ("a", b"x")),
                                        ("files[]", ("b", b"x" * 2000))]),
            api.put(url + BASE, data=b"x" * 1001),
            api.put(url + BASE, data=iter([b"x" * 600, b"x" * 600])),  # chunked, no length
            api.post(url + BASE, headers={"Tus-Resumable": "1.0.0", "Upload-Length": "1001"}),
        ):
            assert resp.status_code == 413, resp.text
            assert resp.json()["exception"].endswith(".UploadedFileTooLarge")

        # A declared length over the limit is refused before any byte is read.
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"PUT " + BASE.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                         b"Authorization: Basic " + base64.b64encode(
                             f"administrator:{ADMIN_PASSWORD}".encode()) +
                         b"\r\nContent-Length: 60000000000\r\n\r\n")
            assert sock.recv(1024).startswith(b"HTTP/1.1 413")
