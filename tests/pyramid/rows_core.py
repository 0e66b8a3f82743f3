"""Access-matrix rows for the foundation: pyramid, auth, resource, spatial_ref_sys."""

from __future__ import annotations

from collections.abc import Callable

import requests

from ..principals import allow
from ..util import Client, unique
from .matrix import MISSING, World, row, same

A = "AttributeUpdateForbidden"

# -- pyramid ------------------------------------------------------------------------------------
for path, name in (("pkg_version", "pkg_version"), ("route", "route"), ("ping", "ping"),
                   ("healthcheck", "healthcheck"), ("settings", "settings")):
    row("GET", f"/api/component/pyramid/{path}", name,
        lambda c, w, who, p=path: c.get(f"/api/component/pyramid/{p}?component=resource"),
        *same(200))

# -- auth ---------------------------------------------------------------------------------------
AUTH = "/api/component/auth"


def _login(c: Client, w: World, who: str) -> requests.Response:
    login, password = c.session.auth or ("nobody", "nothing")
    return c.post(f"{AUTH}/login", json={"login": login, "password": password})


def _own_token(c: Client, w: World, who: str) -> int:
    owner = w.admin if who in ("anon", "badcreds", "malformed") else c
    return owner.ok("POST", f"{AUTH}/token/", 201, json={})["id"]


row("POST", f"{AUTH}/login", "own credentials", _login, 401, 200, 200, 200, 200, 200,
    forbidden="InvalidCredentialsException")
row("POST", f"{AUTH}/logout", "", lambda c, w, who: c.post(f"{AUTH}/logout"), *same(200))
row("GET", f"{AUTH}/current_user", "", lambda c, w, who: c.get(f"{AUTH}/current_user"),
    *same(200))
for kind, factory in (("user", World.user), ("group", World.group)):
    row("GET", f"{AUTH}/{kind}/", "", lambda c, w, who, k=kind: c.get(f"{AUTH}/{k}/"),
        401, 403, 403, 403, 403, 200, forbidden="ForbiddenError")
    row("POST", f"{AUTH}/{kind}/", "",
        lambda c, w, who, k=kind: c.post(f"{AUTH}/{k}/", json={"keyname": unique(k)}),
        401, 403, 403, 403, 403, 201, forbidden="ForbiddenError")
    row("GET", f"{AUTH}/{kind}/<int:id>", "",
        lambda c, w, who, k=kind, f=factory: c.get(f"{AUTH}/{k}/{f(w)}"),
        401, 403, 403, 403, 403, 200, forbidden="ForbiddenError")
    row("PUT", f"{AUTH}/{kind}/<int:id>", "",
        lambda c, w, who, k=kind, f=factory: c.put(f"{AUTH}/{k}/{f(w)}",
                                                   json={"description": "changed"}),
        401, 403, 403, 403, 403, 200, forbidden="ForbiddenError")
    row("DELETE", f"{AUTH}/{kind}/<int:id>", "",
        lambda c, w, who, k=kind, f=factory: c.delete(f"{AUTH}/{k}/{f(w)}"),
        401, 403, 403, 403, 403, 200, forbidden="ForbiddenError")
row("GET", f"{AUTH}/token/", "", lambda c, w, who: c.get(f"{AUTH}/token/"),
    401, 200, 200, 200, 200, 200)
row("POST", f"{AUTH}/token/", "", lambda c, w, who: c.post(f"{AUTH}/token/", json={}),
    401, 201, 201, 201, 201, 201)
row("DELETE", f"{AUTH}/token/<int:id>", "own token",
    lambda c, w, who: c.delete(f"{AUTH}/token/{_own_token(c, w, who)}"),
    401, 200, 200, 200, 200, 200)

# -- resource: reads ----------------------------------------------------------------------------
RES = "/api/resource"
TARGETS: dict[str, Callable[[World], int]] = {
    "PUB": lambda w: w.pub, "G": lambda w: w.g, "W": lambda w: w.w, "H": lambda w: w.h,
    "owned": World.owned, "MISSING": lambda w: MISSING,
}
READABLE = {  # GET /api/resource/{id} by target
    "PUB": same(200), "G": (404, 404, 200, 200, 200, 200), "W": (404, 404, 200, 200, 404, 200),
    "owned": (404, 404, 200, 404, 200, 200), "H": (404, 404, 404, 404, 404, 200),
    "MISSING": same(404),
}
row("GET", f"{RES}/", "root", lambda c, w, who: c.get(f"{RES}/"), *same(200))
for target, statuses in READABLE.items():
    t = TARGETS[target]
    row("GET", f"{RES}/", f"parent={target}",
        lambda c, w, who, t=t: c.get(f"{RES}/?parent={t(w)}"), *statuses)
    row("GET", f"{RES}/<int:id>", target, lambda c, w, who, t=t: c.get(f"{RES}/{t(w)}"),
        *statuses)
    row("GET", f"{RES}/<int:id>/permission", target,
        lambda c, w, who, t=t: c.get(f"{RES}/{t(w)}/permission"), *statuses)
    row("GET", f"{RES}/<int:id>/permission/explain", target,
        lambda c, w, who, t=t: c.get(f"{RES}/{t(w)}/permission/explain"), *statuses)
    row("GET", f"{RES}/<int:id>/volume", target,
        lambda c, w, who, t=t: c.get(f"{RES}/{t(w)}/volume"), *statuses)
for suffix in ("permission", "permission/explain"):
    row("GET", f"{RES}/<int:id>/{suffix}", "PUB ?user=reader",
        lambda c, w, who, s=suffix: c.get(f"{RES}/{w.pub}/{s}?user={w.users['reader'].id}"),
        401, 403, 403, 403, 403, 200, forbidden="ForbiddenError")
row("GET", f"{RES}/search/", "", lambda c, w, who: c.get(f"{RES}/search/?root={w.g}"),
    *same(200))
row("GET", f"{RES}/delete", "dry run",
    lambda c, w, who: c.get(f"{RES}/delete?resources={w.w},{w.h},{MISSING}"), *same(200))
row("GET", f"{RES}/quota", "", lambda c, w, who: c.get(f"{RES}/quota"), *same(200))
row("POST", "/api/component/resource/check_quota", "",
    lambda c, w, who: c.post("/api/component/resource/check_quota",
                             json={"resource_group": 1}), *same(200))
row("GET", "/api/component/resource/blueprint", "",
    lambda c, w, who: c.get("/api/component/resource/blueprint"), *same(200))

# -- resource: writes (fresh targets, created by the administrator) -----------------------------
FRESH: dict[str, Callable[[World], int]] = {
    "PUB child": lambda w: w.child(w.pub), "W child": lambda w: w.child(w.w),
    "owned": World.owned, "H child": lambda w: w.child(w.h), "MISSING": lambda w: MISSING,
}
WRITABLE = {  # callers with resource.update / delete / manage_children there
    "PUB child": (401, 403, 403, 403, 403, 200), "W child": (404, 404, 403, 200, 404, 200),
    "owned": (404, 404, 403, 404, 200, 200), "H child": (404, 404, 404, 404, 404, 200),
    "MISSING": same(404),
}
for target, statuses in WRITABLE.items():
    t = FRESH[target]
    created = tuple(201 if s == 200 else s for s in statuses)
    row("POST", f"{RES}/", f"under {target}",
        lambda c, w, who, t=t: c.post(f"{RES}/", json={"resource": {
            "cls": "resource_group", "parent": {"id": t(w)}, "display_name": unique()}}),
        *created)
    row("PUT", f"{RES}/<int:id>", f"display_name of {target}",
        lambda c, w, who, t=t: c.put(f"{RES}/{t(w)}",
                                     json={"resource": {"display_name": unique()}}),
        *statuses, forbidden=A)
    row("PUT", f"{RES}/<int:id>", f"resmeta of {target}",
        lambda c, w, who, t=t: c.put(f"{RES}/{t(w)}", json={"resmeta": {"items": {"k": 1}}}),
        *statuses, forbidden=A)
    row("DELETE", f"{RES}/<int:id>", target, lambda c, w, who, t=t: c.delete(f"{RES}/{t(w)}"),
        *statuses)
    row("POST", f"{RES}/delete", target,
        lambda c, w, who, t=t: c.post(f"{RES}/delete?resources={t(w)}"), *statuses)
row("PUT", f"{RES}/<int:id>", "empty body on PUB child",
    lambda c, w, who: c.put(f"{RES}/{w.child(w.pub)}", json={}), *same(200))
row("PUT", f"{RES}/<int:id>", "permissions of W child",
    lambda c, w, who: c.put(f"{RES}/{w.child(w.w)}", json={"resource": {"permissions": []}}),
    404, 404, 403, 403, 404, 200, forbidden=A)
row("PUT", f"{RES}/<int:id>", "permissions of owned",
    lambda c, w, who: c.put(f"{RES}/{w.owned()}", json={"resource": {
        "permissions": allow(w.sys["owner"])}}),
    404, 404, 403, 404, 200, 200, forbidden=A)

# -- spatial_ref_sys ------------------------------------------------------------------------------
SRS = "/api/component/spatial_ref_sys"
UTM = "+proj=utm +zone=37 +datum=WGS84 +units=m +no_defs"


def _custom_srs(w: World) -> int:
    return w.admin.ok("POST", f"{SRS}/", 201,
                      json={"display_name": unique("srs"), "wkt": UTM})["id"]


row("GET", f"{SRS}/", "", lambda c, w, who: c.get(f"{SRS}/"), *same(200))
row("GET", f"{SRS}/<int:id>", "", lambda c, w, who: c.get(f"{SRS}/3857"), *same(200))
row("POST", f"{SRS}/", "", lambda c, w, who: c.post(f"{SRS}/", json={
    "display_name": unique("srs"), "wkt": UTM}), 401, 403, 403, 403, 403, 201,
    forbidden="ForbiddenError")
row("PUT", f"{SRS}/<int:id>", "", lambda c, w, who: c.put(
    f"{SRS}/{_custom_srs(w)}", json={"display_name": unique("srs")}),
    401, 403, 403, 403, 403, 200, forbidden="ForbiddenError")
row("DELETE", f"{SRS}/<int:id>", "", lambda c, w, who: c.delete(f"{SRS}/{_custom_srs(w)}"),
    401, 403, 403, 403, 403, 200, forbidden="ForbiddenError")
row("POST", f"{SRS}/convert", "", lambda c, w, who: c.post(f"{SRS}/convert", json={
    "format": "proj4", "projStr": UTM}), *same(200))
row("POST", f"{SRS}/<int:id>/geom_transform", "", lambda c, w, who: c.post(
    f"{SRS}/3857/geom_transform", json={"srs": 4326, "geom": "POINT (37 55)"}), *same(200))
for measure in ("geom_length", "geom_area"):
    row("POST", f"{SRS}/<int:id>/{measure}", "", lambda c, w, who, m=measure: c.post(
        f"{SRS}/4326/{m}", json={"geom": "POLYGON ((37 55,37 56,38 56,37 55))"}), *same(200))
