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

import importlib
import pkgutil
from pathlib import Path

import pytest

from featuresvc.app import DOCS_BLUEPRINT, create_app

from ..principals import error
from .matrix import CALLERS, ROWS, Row

for _module in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if _module.name.startswith("rows_"):
        importlib.import_module(f"{__package__}.{_module.name}")


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
        if r.content_type is None:
            assert not resp.content and "Content-Type" not in resp.headers
        else:
            assert resp.headers["Content-Type"] == r.content_type
            if r.content_type == "application/json":
                resp.json()
        return
    if who == "badcreds":
        error(resp, 401, "InvalidCredentialsException")
    elif who == "malformed":
        error(resp, 400)
    elif status == 404:
        error(resp, 404, r.not_found)
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
