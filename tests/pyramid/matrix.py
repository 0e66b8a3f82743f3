"""The access matrix's machinery: callers, the world of resources, rows.

Rows live in ``rows_<component>.py`` modules beside this file (each component adds its own);
``test_access_matrix.py`` collects them all and checks that together they cover every route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import requests

from ..principals import User, allow, create_group, create_user, deny, system_ids
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
    shared: dict[str, int] = field(default_factory=dict)

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

    def resource(self, parent: int, cls: str, *, owned: bool = False, **sections) -> int:
        """A resource of any class created by the administrator; ``owned`` makes ``owner``
        its owner_user with the ``owner`` principal rule (as :meth:`owned` does)."""
        resource = {"cls": cls, "parent": {"id": parent}, "display_name": unique(cls)}
        if owned:
            resource.update(owner_user={"id": self.users["owner"].id},
                            permissions=allow(self.sys["owner"]))
        return self.admin.ok("POST", "/api/resource/", 201,
                             json={"resource": resource, **sections})["id"]

    def once(self, key: str, factory: Callable[[], int]) -> int:
        """A resource shared by the rows of this module's world, created on first use."""
        if key not in self.shared:
            self.shared[key] = factory()
        return self.shared[key]


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
    not_found: str = "ResourceNotFound"  # the exception of a 404 in this row
    content_type: str | None = "application/json"  # of a success; None: no body (tus 204)

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule} [{self.label}]"


ROWS: list[Row] = []


def row(method: str, rule: str, label: str, call: Call, *statuses: int, **kw) -> None:
    assert len(statuses) == len(CALLERS)
    ROWS.append(Row(method, rule, label, call, statuses, **kw))


def same(status: int) -> tuple[int, ...]:
    return (status,) * len(CALLERS)
