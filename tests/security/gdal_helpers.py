"""Shared pieces of the GDAL confinement tests: hostile files, a loopback HTTP server that
records what reaches it, and the checks every answer must pass."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..file_upload.helpers import upload
from ..util import Client, unique

INSPECT = "/api/component/vector_layer/inspect"
SESSIONS = "/api/component/vector_layer/import/"
#: Lines of /etc/passwd that would show up as field names or values.
PASSWD = re.compile(r"root:x?:?0|/bin/(ba)?sh|nologin|daemon:")
#: A server-side path: the temporary folder, the data directory, the checkout, /vsi chains.
SERVER_PATH = re.compile(r"/tmp/|/work|/vsi\w+/|featuresvc-import|\.testdata")


def vrt(source: str, layer: str = "passwd") -> bytes:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="{layer}"><SrcDataSource>{source}'
            f'</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>').encode()


def gml(schema_location: str, extra: str = "") -> bytes:
    return f"""<?xml version="1.0"?>
<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/"
  xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://ogr.maptools.org/ {schema_location}">
 <gml:featureMember><ogr:pt fid="pt.0">
  <ogr:geometryProperty><gml:Point srsName="EPSG:4326"><gml:coordinates>30,50</gml:coordinates>
  </gml:Point></ogr:geometryProperty><ogr:name>a</ogr:name>{extra}
 </ogr:pt></gml:featureMember>
</ogr:FeatureCollection>""".encode()


class Recorder(BaseHTTPRequestHandler):
    """Answers every GET with a small CSV and records the path."""

    hits: list[str]

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        body = b"a,b\n1,2\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def listening() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server; yields (base url, list of requested paths)."""
    hits: list[str] = []
    handler = type("Handler", (Recorder,), {"hits": hits})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def check_clean(resp) -> None:
    """No line of another file and no server path in an answer; never a 500."""
    assert resp.status_code < 500, resp.text
    assert not PASSWD.search(resp.text), resp.text
    assert not SERVER_PATH.search(resp.text), resp.text


def all_paths(admin: Client, client: Client, group: int, layer: int, name: str,
              data: bytes) -> list:
    """The same file through every HTTP path that hands it to GDAL: inspect (as ``client``),
    layer create from source and an import session (as the administrator)."""
    meta = upload(client, name, data)
    answers = [client.post(INSPECT, json={"id": meta["id"]})]
    body = {"resource": {"cls": "vector_layer", "parent": {"id": group},
                         "display_name": unique("attack")},
            "vector_layer": {"srs": {"id": 3857}, "source": upload(admin, name, data)}}
    answers.append(admin.post("/api/resource/", json=body))
    answers.append(admin.post(SESSIONS, json={"resource": {"id": layer},
                                              "source": upload(admin, name, data)}))
    for resp in answers:
        check_clean(resp)
    return answers
