"""Who may call what: every registered route × every kind of caller (spec Decision 1).

The world: the root is made readable by everyone for this module (so anonymous callers can
meet readable resources they lack permissions on), then

* ``PUB``: everyone may read it and its subtree;
* ``G``: the staff group (reader, writer, owner) may read G itself; ``reader`` may read
  (resource.read, data.read) the whole subtree;
* ``W`` under G: ``writer`` has every resource permission but change_permissions, and data.*;
* "owned" resources under G: owner_user is ``owner``, with an ACL rule for the ``owner``
  principal allowing everything;
* ``H`` under G: denies ``reader`` resource.read, so only the administrator sees it.

Each ROW names the route it exercises (method, Flask rule) and the status expected for each
caller. A new route that no row covers fails ``test_matrix_covers_every_route``: add rows for
it here when you add a route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import requests

from featuresvc.app import DOCS_BLUEPRINT, create_app

from ..principals import User, allow, create_group, create_user, deny, error, system_ids
from ..util import Client, make_group, unique

CALLERS = ("anon", "plain", "reader", "writer", "owner", "admin")
MISSING = 2_000_000_000
RESOURCE_WRITE = ("resource.read", "resource.create", "resource.update", "resource.delete",
                  "resource.manage_children", "data.read", "data.write")


@dataclass
class World:
    admin: Client
    users: dict[str, User]
    sys: dict[str, int]
    pub: int = 0
    g: int = 0
    w: int = 0
    h: int = 0
    tokens: dict[str, int] = field(default_factory=dict)

    def child(self, parent: int) -> int:
        return make_group(self.admin, parent)

    def owned(self) -> int:
        return make_group(self.admin, self.g, owner_user={"id": self.users["owner"].id},
                          permissions=allow(self.sys["owner"]))

    def user(self) -> int:
        """A user without a password (hashing one costs ~0.1 s)."""
        return self.admin.ok("POST", "/api/component/auth/user/", 201,
                             json={"keyname": unique("target")})["id"]

    def group(self) -> int:
        return create_group(self.admin)


@pytest.fixture(scope="module")
def world(admin, server):
    sys = system_ids(admin)
    users = {name: create_user(admin) for name in ("plain", "reader", "writer", "owner")}
    staff = create_group(admin, [users[n].id for n in ("reader", "writer", "owner")])
    root_acl = admin.ok("GET", "/api/resource/0")["resource"]["permissions"]
    admin.ok("PUT", "/api/resource/0", json={"resource": {"permissions": [
        *root_acl, *allow(sys["everyone"], "resource.read", propagate=False)]}})
    w = World(admin=admin, users=users, sys=sys)
    w.pub = make_group(admin, 0, permissions=allow(sys["everyone"], "resource.read"))
    w.g = make_group(admin, 0, permissions=[
        *allow(staff, "resource.read", propagate=False),
        *allow(users["reader"].id, "resource.read", "data.read")])
    w.w = make_group(admin, w.g, permissions=allow(users["writer"].id, *RESOURCE_WRITE))
    w.h = make_group(admin, w.g, permissions=deny(users["reader"].id, "resource.read"))
    make_group(admin, w.h)
    yield w
    admin.ok("PUT", "/api/resource/0", json={"resource": {"permissions": root_acl}})


@pytest.fixture(scope="module")
def clients(world: World, server) -> dict[str, Client]:
    result = {name: u.client for name, u in world.users.items()}
    result.update(anon=Client(server.url), admin=world.admin,
                  # An unknown login keeps the matrix fast: a wrong password costs an Argon2 check.
                  badcreds=Client(server.url, auth=("no_such_user", "wrong-password")),
                  malformed=Client(server.url, headers={"Authorization": "Basic !!not-b64"}))
    return result


Call = Callable[[Client, World, str], requests.Response]


@dataclass
class Row:
    method: str
    rule: str
    label: str
    call: Call
    statuses: tuple[int, ...]  # in CALLERS order
    forbidden: str = "InsufficientPermissions"  # the exception of a 403 in this row

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule} [{self.label}]"


ROWS: list[Row] = []


def row(method: str, rule: str, label: str, call: Call, *statuses: int, **kw) -> None:
    assert len(statuses) == len(CALLERS)
    ROWS.append(Row(method, rule, label, call, statuses, **kw))


def same(status: int) -> tuple[int, ...]:
    return (status,) * len(CALLERS)


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


# -- the tests ----------------------------------------------------------------------------------

def _expectations():
    for r in ROWS:
        for who, status in zip(CALLERS, r.statuses, strict=True):
            yield pytest.param(r, who, status, id=f"{r.id}-{who}")
        for who, status in (("badcreds", 401), ("malformed", 400)):
            yield pytest.param(r, who, status, id=f"{r.id}-{who}")


@pytest.mark.parametrize(("r", "who", "status"), list(_expectations()))
def test_matrix(world, clients, r: Row, who: str, status: int):
    resp = r.call(clients[who], world, who)
    if status < 400:
        assert resp.status_code == status, f"{r.id} as {who}: {resp.status_code} {resp.text}"
        assert resp.headers["Content-Type"] == "application/json"
        resp.json()
        return
    if who == "badcreds":
        error(resp, 401, "InvalidCredentialsException")
    elif who == "malformed":
        error(resp, 400)
    elif status == 404:
        error(resp, 404, "ResourceNotFound")
    elif status == 403:
        error(resp, 403, r.forbidden)
    elif status == 401 and r.forbidden == "InvalidCredentialsException":
        error(resp, 401, "InvalidCredentialsException")
    else:
        error(resp, status)


def _app_routes(database_url: str) -> dict[tuple[str, str], object]:
    app = create_app(config={"database_url": database_url})
    result = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(DOCS_BLUEPRINT + "."):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            result[(method, rule.rule)] = app.view_functions[rule.endpoint]
    return result


def test_matrix_covers_every_route(server, admin):
    routes = _app_routes(server.database_url)
    covered = {(r.method, r.rule) for r in ROWS}
    assert set(routes) - covered == set(), "routes without rows in the access matrix"
    assert covered - set(routes) == set(), "matrix rows for routes that do not exist"
    # Every name the route table publishes belongs to a covered route, and vice versa.
    table = admin.ok("GET", "/api/component/pyramid/route")
    names = {getattr(view, "ngw_route_name", None) for view in routes.values()}
    assert set(table) == names - {None}
    for (method, rule), view in routes.items():
        assert view.ngw_route_name, f"{method} {rule} has no NGW route name"


def test_every_api_endpoint_declares_access(server):
    app = create_app(config={"database_url": server.database_url})
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(DOCS_BLUEPRINT + "."):
            continue
        assert rule.rule.startswith("/api/"), rule.rule
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "access", None) is not None, f"{rule.rule} declares no access"
