"""Access-matrix rows for the feature layer exports and vector tiles (featuresvc/export,
featuresvc/mvt).

These routes answer files, not JSON: :func:`binary` checks the real Content-Type of a
success and hands the matrix a JSON stand-in, so the shared check stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

from ..feature_layer.helpers import make_layer, patch
from ..util import Client
from .matrix import MISSING, World, row, same

ZIP = "application/zip"
MVT = "application/vnd.mapbox-vector-tile"
Call = Callable[[Client, World, str], requests.Response]


def binary(call: Call, mime: str) -> Call:
    def wrapped(c: Client, w: World, who: str) -> requests.Response:
        resp = call(c, w, who)
        if resp.status_code < 400:
            assert resp.status_code == 204 or resp.headers["Content-Type"] == mime, \
                resp.headers
            resp._content = b"{}"
            resp.headers["Content-Type"] = "application/json"
        return resp

    return wrapped


def layer_in(place: str) -> Callable[[World], int]:
    """A point layer with one feature, made once per world under ``place``."""

    def get(w: World) -> int:
        if place == "MISSING":
            return MISSING
        cache = w.__dict__.setdefault("_export_layers", {})
        if place not in cache:
            parent = {"PUB": w.pub, "G": w.g, "W": w.w, "H": w.h}[place]
            lid = make_layer(w.admin, parent, fields=[("name", "STRING")])
            patch(w.admin, lid, [{"geom": "POINT (1000 1000)", "fields": {"name": "x"}}])
            cache[place] = lid
        return cache[place]

    return get


EXPECTED = {  # data.read on a vector layer in each place, by caller (CALLERS order)
    "PUB": (401, 403, 403, 403, 403, 200), "G": (404, 404, 200, 404, 404, 200),
    "W": (404, 404, 200, 200, 404, 200), "H": (404, 404, 404, 404, 404, 200),
    "MISSING": same(404),
}
MULTI = "/api/component/feature_layer/export"

for place, statuses in EXPECTED.items():
    t = layer_in(place)
    label = f"vector layer in {place}"
    row("GET", "/api/resource/<int:id>/export", label, binary(
        lambda c, w, who, t=t: c.get(f"/api/resource/{t(w)}/export?format=GPKG"), ZIP),
        *statuses)
    row("GET", MULTI, label, binary(
        lambda c, w, who, t=t: c.get(f"{MULTI}?resources={t(w)}&format=CSV"), ZIP),
        *statuses)
    row("POST", MULTI, label, binary(
        lambda c, w, who, t=t: c.post(MULTI, json={"format": "GeoJSON",
                                                   "resources": [{"id": t(w)}]}), ZIP),
        *statuses)
    row("GET", "/api/component/feature_layer/mvt", label, binary(
        lambda c, w, who, t=t: c.get(f"/api/component/feature_layer/mvt?resource={t(w)}"
                                     "&z=0&x=0&y=0"), MVT),
        *statuses)
