"""Access-matrix rows for file uploads, file buckets and ``GET /api/resource/{id}/export``.

Uploads (spec 4.1) need an authenticated user (anonymous: 401); an upload belongs to its
creator, so another user's upload answers exactly like a missing one (404
FileUploadNotFound), the administrator excepted. tus PATCH/DELETE answer 204 without a body.

File buckets (spec 5) are placed like the layers of rows_features.py (under PUB, G, W, H and
an owned one under G); downloads and the zip export need data.read, ``files`` on write
data.write, ``archive`` resource.update. The statuses come from the ACL of matrix.py.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

from ..util import Client, unique
from .matrix import CALLERS, MISSING, World, row, same
from .rows_features import DATA_READ, PARENTS, READ, WRITE, Statuses

RES = "/api/resource"
UP = "/api/component/file_upload"
A = "AttributeUpdateForbidden"
UPLOAD_NOT_FOUND = "FileUploadNotFound"
NO_UPLOAD = "0123456789abcdef0123456789abcdef"
JSON_FILE = ("a.json", b'{"a": 1}')
TUS = {"Tus-Resumable": "1.0.0"}
AUTHENTICATED_ONLY = (401, 200, 200, 200, 200, 200)


def _uploader(c: Client, w: World, who: str) -> Client:
    """The caller, or the administrator for callers that cannot upload."""
    return c if who in CALLERS[1:] else w.admin


def _upload(client: Client, name: str = JSON_FILE[0], data: bytes = JSON_FILE[1]) -> dict:
    return client.ok("PUT", f"{UP}/", 201, data=data,
                     headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _tus_upload(client: Client) -> str:
    """An unfinished tus upload of 4 bytes; returns its id."""
    resp = client.post(f"{UP}/", headers={**TUS, "Upload-Length": "4"})
    assert resp.status_code == 201, resp.text
    return resp.headers["Location"].rsplit("/", 1)[1]


def _tus_append(c: Client, upload_id: str) -> requests.Response:
    return c.patch(f"{UP}/{upload_id}", data=b"data", headers={
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})


# -- file_upload --------------------------------------------------------------------------------
for path in ("/", "/upload"):
    row("POST", f"{UP}{path}", "multipart",
        lambda c, w, who, p=path: c.post(f"{UP}{p}", files={"file": JSON_FILE}),
        *AUTHENTICATED_ONLY)
    row("PUT", f"{UP}{path}", "raw body",
        lambda c, w, who, p=path: c.put(f"{UP}{p}", data=b"raw"),
        401, 201, 201, 201, 201, 201)
row("POST", f"{UP}/", "tus creation",
    lambda c, w, who: c.post(f"{UP}/", headers={**TUS, "Upload-Length": "4"}),
    401, 201, 201, 201, 201, 201, content_type=None)
row("PUT", f"{UP}/<id>", "raw body named by the path",
    lambda c, w, who: c.put(f"{UP}/photo.jpg", data=b"raw"), 401, 201, 201, 201, 201, 201)



def _new_upload(client: Client, tus: bool) -> str:
    return _tus_upload(client) if tus else _upload(client)["id"]


ITEM_REQUESTS = [  # method, status of a success, needs an unfinished tus upload, request
    ("GET", 200, False, lambda c, uid: c.get(f"{UP}/{uid}")),
    ("PATCH", 204, True, _tus_append),
    ("DELETE", 204, True, lambda c, uid: c.delete(f"{UP}/{uid}", headers=TUS)),
]
for method, ok, tus, request in ITEM_REQUESTS:
    kw = {"not_found": UPLOAD_NOT_FOUND,
          "content_type": "application/json" if ok == 200 else None}
    row(method, f"{UP}/<id>", "own upload",
        lambda c, w, who, t=tus, r=request: r(c, _new_upload(_uploader(c, w, who), t)),
        401, *(ok,) * 5, **kw)
    row(method, f"{UP}/<id>", "administrator's upload",
        lambda c, w, who, t=tus, r=request: r(c, _new_upload(w.admin, t)),
        401, 404, 404, 404, 404, ok, **kw)
    row(method, f"{UP}/<id>", "missing upload", lambda c, w, who, r=request: r(c, NO_UPLOAD),
        401, *(404,) * 5, **kw)


# -- file buckets ---------------------------------------------------------------------------------
def new_bucket(w: World, where: str) -> int:
    if where == "MISSING":
        return MISSING
    return w.resource(PARENTS[where](w), "file_bucket", owned=where == "owned",
                      file_bucket={"files": [_upload(w.admin)]})


def shared_bucket(w: World, where: str) -> int:
    if where == "MISSING":
        return MISSING
    return w.once(f"bucket {where}", lambda: new_bucket(w, where))


def _doc(c: Client, w: World, who: str, where: str) -> requests.Response:
    """The document lists ``files`` only to callers with data.read."""
    resp = c.get(f"{RES}/{shared_bucket(w, where)}")
    if resp.status_code == 200 and who in CALLERS:
        has_data = DATA_READ[where][CALLERS.index(who)] == 200
        assert ("files" in resp.json()["file_bucket"]) == has_data, (who, resp.text)
    return resp


for where, statuses in DATA_READ.items():
    row("GET", f"{RES}/<int:id>/file/<path:name>", f"bucket {where}",
        lambda c, w, who, where=where: c.get(f"{RES}/{shared_bucket(w, where)}/file/a.json"),
        *statuses)
    row("GET", f"{RES}/<int:id>/export", f"bucket {where}",
        lambda c, w, who, where=where: c.get(f"{RES}/{shared_bucket(w, where)}/export"),
        *statuses, content_type="application/zip")
    row("GET", f"{RES}/<int:id>", f"bucket {where}",
        lambda c, w, who, where=where: _doc(c, w, who, where), *READ[where])
# The permission comes before the file's existence; a class without an export is a 404.
row("GET", f"{RES}/<int:id>/file/<path:name>", "missing file of bucket PUB",
    lambda c, w, who: c.get(f"{RES}/{shared_bucket(w, 'PUB')}/file/missing.txt"),
    *DATA_READ["PUB"][:-1], 404, not_found="PyramidHTTPError")
row("GET", f"{RES}/<int:id>/export", "PUB group (no export)",
    lambda c, w, who: c.get(f"{RES}/{w.pub}/export"), *same(404), not_found="PyramidHTTPError")

CREATE_UNDER: dict[str, tuple[Callable[[World], int], Statuses]] = {
    "PUB child": (lambda w: w.child(w.pub), (401, 403, 403, 403, 403, 201)),
    "W child": (lambda w: w.child(w.w), (404, 404, 403, 201, 404, 201)),
    "owned": (World.owned, (404, 404, 403, 404, 201, 201)),
    "H child": (lambda w: w.child(w.h), (404, 404, 404, 404, 404, 201)),
    "MISSING": (lambda w: MISSING, same(404)),
}
for where, (parent, statuses) in CREATE_UNDER.items():
    row("POST", f"{RES}/", f"file_bucket with files under {where}",
        lambda c, w, who, p=parent: c.post(f"{RES}/", json={
            "resource": {"cls": "file_bucket", "parent": {"id": p(w)},
                         "display_name": unique("bucket")},
            "file_bucket": {"files": [_upload(_uploader(c, w, who))]}}),
        *statuses)


def _put_files(c: Client, w: World, who: str, where: str) -> requests.Response:
    meta = _upload(_uploader(c, w, who), "b.txt", b"b")
    return c.put(f"{RES}/{new_bucket(w, where)}", json={"file_bucket": {"files": [meta]}})


for where, statuses in WRITE.items():
    row("PUT", f"{RES}/<int:id>", f"file_bucket.files of bucket {where}",
        lambda c, w, who, where=where: _put_files(c, w, who, where), *statuses, forbidden=A)
    row("DELETE", f"{RES}/<int:id>", f"bucket {where}",
        lambda c, w, who, where=where: c.delete(f"{RES}/{new_bucket(w, where)}"), *statuses)
