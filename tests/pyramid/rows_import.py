"""Access-matrix rows for layer_import: inspect and import sessions.

Sessions need ``data.write`` on their layer (here a layer in W: only ``writer`` and the
administrator have it) and belong to their user; each caller that can works on a session
of its own, the others meet the administrator's, which answers as a missing session
whatever they may do on the layer.
"""

from __future__ import annotations

from ..feature_layer.helpers import make_layer
from ..file_upload.helpers import upload
from ..util import Client
from .matrix import World, row

BASE = "/api/component/vector_layer"
CSV = b"name,lon,lat\na,30,50\nb,31,51\n"
NO_UPLOADS = ("anon", "badcreds", "malformed")
WRITERS = ("writer", "admin")
SESSION_OK = (401, 404, 404, 200, 404, 200)


def _layer(w: World) -> int:
    if not hasattr(w, "import_layer"):
        w.import_layer = make_layer(w.admin, w.w, fields=[("name", "STRING")], srs=4326)
    return w.import_layer


def _upload(c: Client, w: World, who: str) -> dict:
    return upload(w.admin if who in NO_UPLOADS else c, "points.csv", CSV)


def _session(c: Client, w: World, who: str) -> str:
    owner = c if who in WRITERS else w.admin
    return owner.ok("POST", f"{BASE}/import/", 201, json={
        "resource": {"id": _layer(w)}, "source": _upload(owner, w, "admin")})["id"]


row("POST", f"{BASE}/inspect", "own upload",
    lambda c, w, who: c.post(f"{BASE}/inspect", json=_upload(c, w, who)),
    401, 200, 200, 200, 200, 200)
row("POST", f"{BASE}/import/", "layer in W",
    lambda c, w, who: c.post(f"{BASE}/import/", json={
        "resource": {"id": _layer(w)}, "source": _upload(c, w, who)}),
    401, 404, 403, 201, 404, 201)


def session_row(method: str, tail: str, **kw) -> None:
    """A session route; callers without a session of their own meet the administrator's."""
    row(method, f"{BASE}/import/<id>{tail}", "session on W",
        lambda c, w, who: c.request(method, f"{BASE}/import/{_session(c, w, who)}{tail}", **kw),
        *SESSION_OK, not_found="ImportSessionNotFound")


session_row("GET", "")
session_row("PUT", "", json={"mapping": {"fields": {"name": "name"}}})
session_row("DELETE", "")
session_row("GET", "/validation")
session_row("POST", "/apply", json={"mode": "skip_invalid"})
