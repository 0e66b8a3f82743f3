"""Access-matrix rows for feature attachments and feature descriptions (spec 4.2, Decision 6:
reads need data.read, every change, deletion included, data.write).

Each route is called on a vector layer in ``W`` (reader may read its data, writer may write
it), in ``PUB`` (everyone sees the layer but nobody but the administrator has data
permissions: 401 for anonymous, 403 for the rest) and on a missing layer. Successful file
answers (download, image, export zips) are not JSON: :func:`_bytes` checks them and hands the
matrix a JSON summary with the same status.
"""

from __future__ import annotations

import io
import json
import zipfile

import requests

from ..feature_attachment.helpers import jpeg, upload
from ..feature_layer.helpers import make_layer
from ..util import Client
from .matrix import MISSING, World, row, same

RES = "/api/resource"
ATT = f"{RES}/<int:id>/feature/<int:fid>/attachment/"
ITEM = f"{RES}/<int:id>/feature/<int:fid>/attachment/<int:aid>"
STATUSES = {
    "W": {"read": (404, 404, 200, 200, 404, 200), "write": (404, 404, 403, 200, 404, 200)},
    "PUB": {"read": (401, 403, 403, 403, 403, 200), "write": (401, 403, 403, 403, 403, 200)},
    "MISSING": {"read": same(404), "write": same(404)},
}
_layers: dict[tuple[int, str], int] = {}


def _layer(w: World, target: str) -> int:
    if target == "MISSING":
        return MISSING
    key = (id(w), target)
    if key not in _layers:
        parent = w.w if target == "W" else w.pub
        _layers[key] = make_layer(w.admin, parent, fields=[("s", "STRING")])
    return _layers[key]


def _feature(w: World, layer: int) -> int:
    if layer == MISSING:
        return 1
    return w.admin.ok("POST", f"{RES}/{layer}/feature/", json={"fields": {"s": "x"}})["id"]


def _uploader(c: Client, w: World, who: str) -> Client:
    """The caller (an upload is only its owner's to use), or the administrator for callers
    that cannot upload (they are refused before the upload matters)."""
    return w.admin if who in ("anon", "badcreds", "malformed") else c


def _attached(w: World, target: str) -> tuple[int, int, int]:
    """(layer, feature, attachment): a fresh photo attached to a fresh feature."""
    layer = _layer(w, target)
    fid = _feature(w, layer)
    if layer == MISSING:
        return layer, fid, 1
    meta = upload(w.admin, "photo.jpg", jpeg())
    aid = w.admin.ok("POST", f"{RES}/{layer}/feature/{fid}/attachment/",
                     json={"file_upload": meta})["id"]
    return layer, fid, aid


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _bytes(resp: requests.Response) -> requests.Response:
    """A successful file answer, checked, as a JSON summary for the matrix."""
    if resp.status_code >= 400:
        return resp
    kind = resp.headers["Content-Type"]
    assert kind in ("image/jpeg", "application/zip"), kind
    if kind == "application/zip":
        zipfile.ZipFile(io.BytesIO(resp.content)).testzip()
    summary = requests.Response()
    summary.status_code = resp.status_code
    summary.headers["Content-Type"] = "application/json"
    summary._content = json.dumps({"content_type": kind, "size": len(resp.content)}).encode()
    return summary


def _calls(target: str):
    def get_list(c: Client, w: World, who: str):
        layer, fid, _aid = _attached(w, target)
        return c.get(f"{RES}/{layer}/feature/{fid}/attachment/")

    def post(c: Client, w: World, who: str):
        layer = _layer(w, target)
        fid = _feature(w, layer)
        return c.post(f"{RES}/{layer}/feature/{fid}/attachment/",
                      json={"file_upload": upload(_uploader(c, w, who), "n.txt", b"note")})

    def item(method: str, tail: str = "", **kw):
        def call(c: Client, w: World, who: str):
            layer, fid, aid = _attached(w, target)
            resp = c.request(method, f"{RES}/{layer}/feature/{fid}/attachment/{aid}{tail}",
                             **kw)
            return _bytes(resp) if tail else resp
        return call

    def bulk(component: str, method: str):
        def call(c: Client, w: World, who: str):
            layer = _layer(w, target)
            url = f"{RES}/{layer}/{component}/{method}"
            if method == "export":
                return _bytes(c.get(url))
            if component == "feature_attachment":
                data = _zip({f"{_feature(w, layer)}/imported.txt": b"imported"})
            else:
                data = _zip({f"{_feature(w, layer)}.html": b"<p>imported</p>"})
            meta = upload(_uploader(c, w, who), "import.zip", data)
            return c.put(url, json={"source": meta})
        return call

    read, write = STATUSES[target]["read"], STATUSES[target]["write"]
    row("GET", ATT, target, get_list, *read)
    row("POST", ATT, target, post, *write)
    row("GET", ITEM, target, item("GET"), *read)
    row("PUT", ITEM, target, item("PUT", json={"description": "changed"}), *write)
    row("DELETE", ITEM, target, item("DELETE"), *write)
    row("GET", ITEM + "/download", target, item("GET", "/download"), *read)
    row("GET", ITEM + "/image", target, item("GET", "/image", params={"size": "16x16"}),
        *read)
    for component in ("feature_attachment", "feature_description"):
        row("GET", f"{RES}/<int:id>/{component}/export", target, bulk(component, "export"),
            *read)
        row("PUT", f"{RES}/<int:id>/{component}/import", target, bulk(component, "import"),
            *write)


for _target in STATUSES:
    _calls(_target)
