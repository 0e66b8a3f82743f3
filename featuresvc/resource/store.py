"""All SQL of the resource component."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError

from .acl import Node, Rule
from .exceptions import DisplayNameNotUnique, ResourceError, ResourceNotFound


@dataclass(frozen=True)
class Resource:
    id: int
    cls: str
    parent_id: int | None
    keyname: str | None
    display_name: str
    description: str | None
    owner_user_id: int
    creation_date: datetime

    @property
    def node(self) -> Node:
        return Node(self.id, self.cls, self.parent_id, self.owner_user_id)


_COLUMNS = ("id, cls, parent_id, keyname, display_name, description, owner_user_id, "
            "creation_date")


def _resources(rows: Iterable[Any]) -> list[Resource]:
    return [Resource(*row) for row in rows]


def get(conn: Connection, resource_id: int) -> Resource | None:
    rows = conn.execute(text(f"SELECT {_COLUMNS} FROM resource WHERE id = :id"),
                        {"id": resource_id})
    found = _resources(rows)
    return found[0] if found else None


def get_many(conn: Connection, ids: list[int]) -> list[Resource]:
    return _resources(conn.execute(
        text(f"SELECT {_COLUMNS} FROM resource WHERE id = ANY(:ids) ORDER BY id"), {"ids": ids}
    ))


def children(conn: Connection, parent_id: int) -> list[Resource]:
    return _resources(conn.execute(
        text(f"SELECT {_COLUMNS} FROM resource WHERE parent_id = :p ORDER BY display_name, id"),
        {"p": parent_id},
    ))


def child_nodes(conn: Connection, parent_ids: list[int]) -> list[Node]:
    rows = conn.execute(
        text("SELECT id, cls, parent_id, owner_user_id FROM resource "
             "WHERE parent_id = ANY(:ids)"), {"ids": parent_ids})
    return [Node(*r) for r in rows]


def ancestry_with_rules(conn: Connection, ids: list[int]
                        ) -> tuple[list[Node], dict[int, list[Rule]]]:
    """The given resources, all their ancestors and their ACL rules, in one round trip
    (every permission check starts here)."""
    rows = conn.execute(text("""
        WITH RECURSIVE up AS (
            SELECT id, cls, parent_id, owner_user_id FROM resource WHERE id = ANY(:ids)
            UNION
            SELECT r.id, r.cls, r.parent_id, r.owner_user_id
            FROM resource r JOIN up ON r.id = up.parent_id
        )
        SELECT u.id, u.cls, u.parent_id, u.owner_user_id, a.action, a.principal_id,
               a.identity, a.scope, a.permission, a.propagate
        FROM up u LEFT JOIN resource_acl a ON a.resource_id = u.id
        ORDER BY u.id, a.position
    """), {"ids": ids})
    nodes: dict[int, Node] = {}
    rules: dict[int, list[Rule]] = {}
    for row in rows:
        if row[0] not in nodes:
            nodes[row[0]] = Node(*row[:4])
            rules[row[0]] = []
        if row[4] is not None:
            rules[row[0]].append(Rule(*row[4:]))
    return list(nodes.values()), rules


def subtree(conn: Connection, resource_id: int) -> list[Node]:
    """The resource and every descendant, parents before children."""
    rows = conn.execute(text("""
        WITH RECURSIVE down AS (
            SELECT id, cls, parent_id, owner_user_id, 0 AS depth FROM resource WHERE id = :id
            UNION ALL
            SELECT r.id, r.cls, r.parent_id, r.owner_user_id, down.depth + 1
            FROM resource r JOIN down ON r.parent_id = down.id
        ) SELECT id, cls, parent_id, owner_user_id FROM down ORDER BY depth, id
    """), {"id": resource_id})
    return [Node(*r) for r in rows]


def lock_subtrees(conn: Connection, roots: list[int]) -> None:
    """Lock every row of the subtrees until commit, for a delete.

    Inserting or moving a resource under a locked row waits (its foreign key check needs a
    share lock), so no child appears between the permission check and the DELETE; children
    committed while we waited are picked up by the next round. Each round locks in id order
    in one statement, so concurrent deletes of overlapping sets do not deadlock.
    """
    locked: set[int] = set()
    while True:
        rows = conn.execute(text("""
            WITH RECURSIVE down AS (
                SELECT id FROM resource WHERE id = ANY(:ids)
                UNION
                SELECT r.id FROM resource r JOIN down ON r.parent_id = down.id
            ) SELECT id FROM down
        """), {"ids": roots})
        fresh = sorted({r.id for r in rows} - locked)
        if not fresh:
            return
        conn.execute(text("SELECT id FROM resource WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"),
                     {"ids": fresh})
        locked.update(fresh)


def rules(conn: Connection, ids: list[int]) -> dict[int, list[Rule]]:
    rows = conn.execute(text(
        "SELECT resource_id, action, principal_id, identity, scope, permission, propagate "
        "FROM resource_acl WHERE resource_id = ANY(:ids) ORDER BY resource_id, position"
    ), {"ids": ids})
    result: dict[int, list[Rule]] = {}
    for row in rows:
        result.setdefault(row[0], []).append(Rule(*row[1:]))
    return result


def set_rules(conn: Connection, resource_id: int, acl: list[Rule]) -> None:
    conn.execute(text("DELETE FROM resource_acl WHERE resource_id = :id"), {"id": resource_id})
    if acl:
        conn.execute(text(
            "INSERT INTO resource_acl (resource_id, position, action, principal_id, identity, "
            "scope, permission, propagate) VALUES (:rid, :pos, :action, :principal_id, "
            ":identity, :scope, :permission, :propagate)"
        ), [{"rid": resource_id, "pos": i, **rule.__dict__} for i, rule in enumerate(acl)])


def _guard(conn: Connection, statement, params: dict[str, Any], parent_id: int | None,
           display_name: str | None) -> Any:
    """Run a write and turn unique violations into the NGW errors (holds under races)."""
    try:
        with conn.begin_nested():
            return conn.execute(statement, params)
    except IntegrityError as exc:
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if name == "resource_display_name_key":
            other = conn.execute(
                text("SELECT id FROM resource WHERE parent_id = :p AND display_name = :d"),
                {"p": parent_id, "d": display_name},
            ).scalar()
            raise DisplayNameNotUnique(other) from None
        if name == "resource_keyname_key":
            raise ResourceError("Resource keyname is not unique.") from None
        if name == "resource_parent_id_fkey":  # the parent was deleted meanwhile
            raise ResourceNotFound(parent_id) from None
        raise


def insert(conn: Connection, values: dict[str, Any]) -> int:
    result = _guard(conn, text(
        "INSERT INTO resource (cls, parent_id, keyname, display_name, description, owner_user_id)"
        " VALUES (:cls, :parent_id, :keyname, :display_name, :description, :owner_user_id)"
        " RETURNING id"), values, values["parent_id"], values["display_name"])
    return result.scalar_one()


UPDATABLE = ("parent_id", "keyname", "display_name", "description", "owner_user_id")


def update(conn: Connection, resource: Resource, values: dict[str, Any]) -> None:
    values = {k: v for k, v in values.items() if k in UPDATABLE}
    if not values:
        return
    assignments = ", ".join(f"{k} = :{k}" for k in values)
    _guard(conn, text(f"UPDATE resource SET {assignments} WHERE id = :_id"),
           {**values, "_id": resource.id}, values.get("parent_id", resource.parent_id),
           values.get("display_name", resource.display_name))


def delete(conn: Connection, ids: list[int]) -> None:
    """Delete a whole subtree in one statement (foreign keys are checked at its end)."""
    conn.execute(text("DELETE FROM resource WHERE id = ANY(:ids)"), {"ids": ids})


def lock(conn: Connection, resource_id: int) -> None:
    """Serialise structural changes (moves) so two concurrent moves cannot make a cycle."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('resource_tree'))"))


# -- search ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnFilter:
    """``column`` (a resource column) ``op`` (eq, in, like, ilike) ``value``."""

    column: str
    op: str
    value: Any


@dataclass(frozen=True)
class SubtreeFilter:
    """The resource ``root`` and all its descendants."""

    root: int


@dataclass(frozen=True)
class ResmetaFilter:
    """A metadata item ``key``: ``op`` is has, lacks, json (``value`` is JSON text, compared
    as jsonb), like or ilike (``value`` is a pattern for the item's scalar text)."""

    key: str
    op: str
    value: Any = None


SearchFilter = ColumnFilter | SubtreeFilter | ResmetaFilter

# Columns and values are untyped on purpose: values are bound as the driver types them, with
# no cast, so an id beyond integer range matches nothing instead of failing the query.
_resource = sa.table("resource", *(sa.column(name) for name in _COLUMNS.split(", ")))
_resmeta_item = sa.table("resmeta_item", sa.column("resource_id"), sa.column("key"),
                         sa.column("value"))


def _bound(value: Any) -> sa.BindParameter:
    return sa.bindparam(None, value, type_=sa.types.NullType())


def _column_clause(r: sa.Alias, item: ColumnFilter) -> sa.ColumnElement[bool]:
    column = r.c[item.column]
    if item.op == "in":
        return column == sa.any_(_bound(item.value))
    if item.op == "like":
        return column.like(_bound(item.value))
    if item.op == "ilike":
        return column.ilike(_bound(item.value))
    return column == _bound(item.value)


def _subtree_clause(r: sa.Alias, item: SubtreeFilter) -> sa.ColumnElement[bool]:
    top, child = _resource.alias("t"), _resource.alias("c")
    down = sa.select(top.c.id).where(top.c.id == _bound(item.root)).cte(
        "d", recursive=True, nesting=True)
    down = down.union_all(sa.select(child.c.id).join(down, child.c.parent_id == down.c.id))
    return r.c.id.in_(sa.select(down.c.id))


def _resmeta_clause(r: sa.Alias, item: ResmetaFilter) -> sa.ColumnElement[bool]:
    m = _resmeta_item.alias("m")
    where = [m.c.resource_id == r.c.id, m.c.key == _bound(item.key)]
    if item.op == "json":
        where.append(m.c.value == sa.cast(_bound(item.value), JSONB))
    elif item.op in ("like", "ilike"):
        scalar_text = m.c.value.op("#>>")(sa.literal_column("'{}'"))
        where.append(getattr(scalar_text, item.op)(_bound(item.value)))
    found = sa.exists().where(*where)
    return ~found if item.op == "lacks" else found


def search(conn: Connection, filters: Iterable[SearchFilter]) -> list[Resource]:
    """Resources matching all ``filters`` (whitelisted by :mod:`.search`), by id."""
    r = _resource.alias("r")
    clauses = []
    for item in filters:
        if isinstance(item, ColumnFilter):
            clauses.append(_column_clause(r, item))
        elif isinstance(item, SubtreeFilter):
            clauses.append(_subtree_clause(r, item))
        else:
            clauses.append(_resmeta_clause(r, item))
    return _resources(conn.execute(sa.select(*r.c).where(*clauses).order_by(r.c.id)))
