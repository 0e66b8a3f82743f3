"""Access-matrix rows for vector layers and the feature API (spec 2, 3, 3.4; Decision 1).

The administrator places POINT layers in the world: one under PUB, G, W and H, and an
"owned" one under G (owner_user ``owner``, owner-principal rule). What each caller gets
follows from the ACL documented in matrix.py, not from what the server answers:

* resource.read: everyone under PUB; ``reader`` the whole G subtree except H; ``writer``
  W's subtree; ``owner`` the owned layer (staff may read G itself, not its children).
* data.read: ``reader`` on G's subtree, ``writer`` on W's, ``owner`` on owned layers; nobody
  but the administrator under PUB (so anonymous gets 401 there, the others 403).
* data.write and resource.update/delete: ``writer`` under W, ``owner`` on owned layers.

A layer the caller cannot read, a missing id and a resource that is no feature layer all
answer 404 ResourceNotFound.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

from ..util import Client, unique
from .matrix import CALLERS, MISSING, World, row, same

RES = "/api/resource"
COLLECTION = f"{RES}/<int:id>/feature/"
ITEM = f"{RES}/<int:id>/feature/<int:fid>"
A = "AttributeUpdateForbidden"
FIELDS = [{"keyname": "name", "datatype": "STRING"}, {"keyname": "n", "datatype": "INTEGER"}]
FEATURE = {"geom": "POINT (10 20)", "fields": {"name": "a", "n": 1}}

Statuses = tuple[int, ...]
# By where the layer is: resource.read, data.read, and data.write (= resource.update/delete).
READ: dict[str, Statuses] = {
    "PUB": same(200), "G": (404, 404, 200, 404, 404, 200), "W": (404, 404, 200, 200, 404, 200),
    "owned": (404, 404, 200, 404, 200, 200), "H": (404, 404, 404, 404, 404, 200),
    "MISSING": same(404),
}
DATA_READ: dict[str, Statuses] = {**READ, "PUB": (401, 403, 403, 403, 403, 200)}
WRITE: dict[str, Statuses] = {
    "PUB": (401, 403, 403, 403, 403, 200), "G": (404, 404, 403, 404, 404, 200),
    "W": (404, 404, 403, 200, 404, 200), "owned": (404, 404, 403, 404, 200, 200),
    "H": (404, 404, 404, 404, 404, 200), "MISSING": same(404),
}
PARENTS: dict[str, Callable[[World], int]] = {
    "PUB": lambda w: w.pub, "G": lambda w: w.g, "W": lambda w: w.w, "owned": lambda w: w.g,
    "H": lambda w: w.h,
}


def new_layer(w: World, where: str) -> int:
    if where == "MISSING":
        return MISSING
    return w.resource(PARENTS[where](w), "vector_layer", owned=where == "owned", vector_layer={
        "srs": {"id": 3857}, "geometry_type": "POINT", "fields": FIELDS})


def shared_layer(w: World, where: str) -> int:
    if where == "MISSING":
        return MISSING
    return w.once(f"layer {where}", lambda: new_layer(w, where))


def new_feature(w: World, layer: int) -> int:
    """A fresh feature (so reads find one and deletes have one); fid 1 of a missing layer."""
    if layer == MISSING:
        return 1
    return w.admin.ok("POST", f"{RES}/{layer}/feature/", json=FEATURE)["id"]


Request = Callable[[Client, int, int], requests.Response]  # (client, layer id, feature id)


def _on_layers(method: str, rule: str, label: str, request: Request, table: dict,
               needs_fid: bool) -> None:
    for where, statuses in table.items():
        def call(c, w, who, where=where):
            layer = shared_layer(w, where)
            return request(c, layer, new_feature(w, layer) if needs_fid else 0)
        row(method, rule, f"{label} layer {where}".strip(), call, *statuses)


def _f(lid: int, fid: int | None = None, suffix: str = "") -> str:
    return f"{RES}/{lid}/feature/" + ("" if fid is None else str(fid)) + suffix


# -- reads: data.read ---------------------------------------------------------------------------
READS: list[tuple[str, Request, bool]] = [
    (COLLECTION, lambda c, lid, fid: c.get(_f(lid), params={"limit": 5}), False),
    (ITEM, lambda c, lid, fid: c.get(_f(lid, fid)), True),
    (f"{RES}/<int:id>/feature_count", lambda c, lid, fid: c.get(f"{RES}/{lid}/feature_count"),
     False),
    (f"{RES}/<int:id>/feature_extent",
     lambda c, lid, fid: c.get(f"{RES}/{lid}/feature_extent"), False),
    (f"{RES}/<int:id>/extent", lambda c, lid, fid: c.get(f"{RES}/{lid}/extent"), False),
    (f"{ITEM}/extent", lambda c, lid, fid: c.get(_f(lid, fid, "/extent")), True),
    (f"{ITEM}/geometry_info", lambda c, lid, fid: c.get(_f(lid, fid, "/geometry_info")), True),
    (f"{RES}/<int:id>/geojson", lambda c, lid, fid: c.get(f"{RES}/{lid}/geojson"), False),
]
for rule, request, needs_fid in READS:
    _on_layers("GET", rule, "", request, DATA_READ, needs_fid)
    # A readable resource that is not a feature layer is as missing as a missing one.
    row("GET", rule, "PUB group", lambda c, w, who, r=request: r(c, w.pub, 1), *same(404))

# -- writes: data.write -------------------------------------------------------------------------
WRITES: list[tuple[str, str, str, Request, bool]] = [
    ("POST", COLLECTION, "", lambda c, lid, fid: c.post(_f(lid), json=FEATURE), False),
    ("PATCH", COLLECTION, "create", lambda c, lid, fid: c.patch(_f(lid), json=[FEATURE]), False),
    ("PATCH", COLLECTION, "update",
     lambda c, lid, fid: c.patch(_f(lid), json=[{"id": fid, "fields": {"n": 2}}]), True),
    ("PATCH", COLLECTION, "delete",
     lambda c, lid, fid: c.patch(_f(lid), json=[{"id": fid, "delete": True}]), True),
    ("PATCH", COLLECTION, "patch-all",
     lambda c, lid, fid: c.patch(_f(lid), params={"patch-all": "true", "fld_n": 7},
                                 json={"fields": {"name": "seven"}}), False),
    ("DELETE", COLLECTION, "listed", lambda c, lid, fid: c.delete(_f(lid), json=[{"id": fid}]),
     True),
    ("DELETE", COLLECTION, "all (empty body)", lambda c, lid, fid: c.delete(_f(lid)), False),
    ("PUT", ITEM, "", lambda c, lid, fid: c.put(_f(lid, fid), json={"fields": {"n": 5}}), True),
    ("DELETE", ITEM, "", lambda c, lid, fid: c.delete(_f(lid, fid)), True),
]
for method, rule, label, request, needs_fid in WRITES:
    _on_layers(method, rule, label, request, WRITE, needs_fid)
    row(method, rule, f"{label} PUB group".strip(),
        lambda c, w, who, r=request: r(c, w.pub, 1), *same(404))

# -- a missing feature: the permission is checked first (no probing of fids) -------------------
MISSING_FEATURE: list[tuple[str, str, str, Request]] = [
    ("GET", ITEM, "", lambda c, lid, fid: c.get(_f(lid, fid))),
    ("GET", f"{ITEM}/extent", "", lambda c, lid, fid: c.get(_f(lid, fid, "/extent"))),
    ("GET", f"{ITEM}/geometry_info", "",
     lambda c, lid, fid: c.get(_f(lid, fid, "/geometry_info"))),
    ("PUT", ITEM, "", lambda c, lid, fid: c.put(_f(lid, fid), json={"fields": {"n": 5}})),
    ("DELETE", ITEM, "", lambda c, lid, fid: c.delete(_f(lid, fid))),
    ("PATCH", COLLECTION, "update", lambda c, lid, fid: c.patch(_f(lid), json=[{"id": fid}])),
    ("DELETE", COLLECTION, "listed", lambda c, lid, fid: c.delete(_f(lid), json=[{"id": fid}])),
]
for method, rule, label, request in MISSING_FEATURE:
    row(method, rule, f"{label} missing feature of layer PUB".strip(),
        lambda c, w, who, r=request: r(c, shared_layer(w, "PUB"), MISSING),
        *DATA_READ["PUB"][:-1], 404, not_found="FeatureNotFound")


# -- identify: 200 for everyone; layers the caller cannot read are left out --------------------
def _identify(c: Client, w: World, who: str) -> requests.Response:
    ids = {where: shared_layer(w, where) for where in READ}
    resp = c.post("/api/feature_layer/identify", json={
        "geom": "POLYGON ((0 0, 0 100, 100 100, 100 0, 0 0))", "srs": 3857,
        "layers": list(ids.values())})
    if resp.status_code == 200 and who in CALLERS:
        body = resp.json()
        col = CALLERS.index(who)
        for where, lid in ids.items():
            visible, has_data = READ[where][col] == 200, DATA_READ[where][col] == 200
            assert (str(lid) in body) == visible, (who, where, body)
            if visible:
                assert ("error" in body[str(lid)]) != has_data, (who, where, body)
    return resp


row("POST", "/api/feature_layer/identify", "every layer", _identify, *same(200))

# -- vector layers through the resource API (resource.* and data.write attributes) --------------
for where, statuses in READ.items():
    def _get(path: str, where: str = where) -> Callable:
        return lambda c, w, who: c.get(f"{RES}/{shared_layer(w, where)}{path}")
    row("GET", f"{RES}/<int:id>", f"layer {where}", _get(""), *statuses)
    row("GET", f"{RES}/<int:id>/permission", f"layer {where}", _get("/permission"), *statuses)
    row("GET", f"{RES}/<int:id>/volume", f"layer {where}", _get("/volume"), *statuses)

CREATE_UNDER: dict[str, tuple[Callable[[World], int], Statuses]] = {
    # parent, statuses: resource.manage_children on the parent and resource.create
    "PUB child": (lambda w: w.child(w.pub), (401, 403, 403, 403, 403, 201)),
    "W child": (lambda w: w.child(w.w), (404, 404, 403, 201, 404, 201)),
    "owned": (World.owned, (404, 404, 403, 404, 201, 201)),
    "H child": (lambda w: w.child(w.h), (404, 404, 404, 404, 404, 201)),
    "MISSING": (lambda w: MISSING, same(404)),
}
for where, (parent, statuses) in CREATE_UNDER.items():
    row("POST", f"{RES}/", f"vector_layer under {where}",
        lambda c, w, who, p=parent: c.post(f"{RES}/", json={
            "resource": {"cls": "vector_layer", "parent": {"id": p(w)},
                         "display_name": unique("layer")},
            "vector_layer": {"srs": {"id": 3857}, "geometry_type": "POINT", "fields": FIELDS}}),
        *statuses)

LAYER_PUTS: list[tuple[str, Callable[[], dict]]] = [
    ("feature_layer.fields", lambda: {"feature_layer": {"fields": [
        {"keyname": unique("f"), "datatype": "REAL"}]}}),
    ("vector_layer.fields", lambda: {"vector_layer": {"fields": [
        {"keyname": unique("f"), "datatype": "STRING"}]}}),
    ("vector_layer.geometry_type", lambda: {"vector_layer": {"geometry_type": "MULTIPOINT"}}),
    ("vector_layer.delete_all_features", lambda: {"vector_layer": {
        "delete_all_features": True}}),
]
for where, statuses in WRITE.items():
    for label, body in LAYER_PUTS:
        row("PUT", f"{RES}/<int:id>", f"{label} of layer {where}",
            lambda c, w, who, where=where, b=body: c.put(f"{RES}/{new_layer(w, where)}",
                                                         json=b()),
            *statuses, forbidden=A)
    row("DELETE", f"{RES}/<int:id>", f"layer {where}",
        lambda c, w, who, where=where: c.delete(f"{RES}/{new_layer(w, where)}"), *statuses)
