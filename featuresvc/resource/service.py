"""Resource writes: create, update (attributes, move, ACL, sections) and recursive delete.

Permission rules are those of spec section 1.3; every check goes through
:func:`featuresvc.resource.require.require` or the section context, never around them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import nh3

from ..auth import store as auth_store
from ..auth.identity import identity_for, system_principals
from ..errors import ForbiddenError
from ..http import load
from . import classes, sections, store
from .access import PermissionResolver
from .acl import READ, Node, Rule
from .exceptions import (
    AttributeUpdateForbidden,
    DisplayNameNotUnique,
    HierarchyError,
    InsufficientPermissions,
    ResourceError,
    ResourceNotFound,
    ResourceRootDeleteError,
)
from .require import readable_permissions, require, visible
from .schema import ResourceBody
from .sections import Context
from .store import Resource

_body_schema = ResourceBody()
DATA_READ = "data.read"
ADMIN_REQUIRED = ("resource.read", "resource.update", "resource.change_permissions")


def sanitize_html(value: str | None) -> str | None:
    return None if value is None else nh3.clean(value)


def _resource_section(body: Any, *, creating: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ResourceError("Request body must be a JSON object - at `$`.")
    section = body.get("resource")
    if section is None:
        if creating:
            raise ResourceError("Missing required section - at `$.resource`.")
        return {}
    if not isinstance(section, dict):
        raise ResourceError("Expected an object - at `$.resource`.")
    return load(_body_schema, {"resource": section})["resource"]


def _rules(items: list[dict[str, Any]], ctx: Context) -> list[Rule]:
    rules = [Rule(action=i["action"], principal_id=i["principal"]["id"], identity=i["identity"],
                  scope=i["scope"], permission=i["permission"], propagate=i["propagate"])
             for i in items]
    missing = {r.principal_id for r in rules} - auth_store.principal_ids(
        ctx.conn, [r.principal_id for r in rules])
    if missing:
        raise ResourceError(f"Principal with id = {min(missing)} was not found.")
    for rule in rules:
        if rule.scope and rule.scope not in classes.SCOPES:
            raise ResourceError(f"Unknown permission scope '{rule.scope}'.")
        if rule.permission and rule.permission not in classes.SCOPES.get(rule.scope, {}):
            raise ResourceError(f"Unknown permission '{rule.scope}.{rule.permission}'.")
        if rule.identity and classes.get(rule.identity) is None:
            raise ResourceError(f"Unknown resource class '{rule.identity}'.")
    return rules


def _check_parent_class(parent: Resource, rcls: classes.ResourceClass) -> None:
    if parent.cls not in rcls.parent_classes:
        raise HierarchyError(f"Resource can not be a child of resource id = {parent.id}.")


def _write_sections(ctx: Context, res: Resource, body: dict[str, Any], creating: bool) -> None:
    rcls = classes.get(res.cls)
    for section in sections.sections_for(rcls):
        if section.identity in body or creating:
            section.write(ctx, res, body.get(section.identity), creating=creating)


def _owner_for(ctx: Context, owner_id: int) -> int:
    """Setting anyone but oneself as owner on create, or changing the owner, is for
    administrators only (spec section 1.3): the ``owner`` principal can grant permissions."""
    if not ctx.identity.is_administrator:
        raise ForbiddenError("Only administrators can set the resource owner.")
    row = auth_store.get_principal(ctx.conn, owner_id, "U")
    if row is None or row.system:
        raise ResourceError(f"User with id = {owner_id} was not found.")
    return owner_id


def _check_new_acl(ctx: Context, parent_id: int, cls: str, owner_id: int,
                   acl: list[Rule]) -> None:
    """An ACL sent on create needs change_permissions on the new resource, evaluated before
    that ACL applies (as on PUT), and must leave the administrators their access."""
    if "resource.change_permissions" not in ctx.resolver.would_have(parent_id, cls, owner_id):
        raise AttributeUpdateForbidden("permissions", "resource", "resource.change_permissions")
    _check_administrators_keep_access(
        ctx, _admin_probe(ctx).would_have(parent_id, cls, owner_id, acl))


def create(ctx: Context, body: Any) -> Resource:
    rsec = _resource_section(body, creating=True)
    cls_id = rsec.get("cls")
    rcls = classes.get(cls_id) if cls_id else None
    if rcls is None:
        raise ResourceError(f"Unknown resource class '{cls_id}'." if cls_id else
                            "Missing required field - at `$.resource.cls`.")
    parent_ref = rsec.get("parent")
    if parent_ref is None:
        raise ResourceError("Missing required field - at `$.resource.parent`.")
    if "display_name" not in rsec:
        raise ResourceError("Missing required field - at `$.resource.display_name`.")
    parent_id = parent_ref["id"]
    require(ctx.resolver, parent_id, "resource.manage_children")
    parent = get_readable(ctx, parent_id)  # it may have been deleted since the check
    _check_parent_class(parent, rcls)
    owner = rsec.get("owner_user")
    owner_id = ctx.identity.id if owner is None or owner["id"] == ctx.identity.id \
        else _owner_for(ctx, owner["id"])
    acl = _rules(rsec.get("permissions", []), ctx)
    if "permissions" in rsec:
        _check_new_acl(ctx, parent_id, rcls.identity, owner_id, acl)
    if "resource.create" not in ctx.resolver.would_have(parent_id, rcls.identity, owner_id, acl):
        raise InsufficientPermissions(parent_id, "resource.create",
                                      f"Insufficient permission to create a resource of class "
                                      f"'{rcls.identity}' in resource id = {parent_id}.")
    with _sibling_names(ctx):
        new_id = store.insert(ctx.conn, {
            "cls": rcls.identity, "parent_id": parent_id, "keyname": rsec.get("keyname"),
            "display_name": rsec["display_name"],
            "description": sanitize_html(rsec.get("description")), "owner_user_id": owner_id,
        })
    store.set_rules(ctx.conn, new_id, acl)
    ctx.resolver.invalidate()
    res = store.get(ctx.conn, new_id)
    _write_sections(ctx, res, body, creating=True)
    return res


def update(ctx: Context, res: Resource, body: Any) -> None:
    rsec = _resource_section(body, creating=False)
    values: dict[str, Any] = {}
    for attr in ("display_name", "keyname", "description", "parent"):
        if attr in rsec:
            ctx.require_attr(res, "resource", attr, "resource.update")
    if "permissions" in rsec:
        ctx.require_attr(res, "resource", "permissions", "resource.change_permissions")
    if "owner_user" in rsec and rsec["owner_user"]["id"] != res.owner_user_id:
        values["owner_user_id"] = _owner_for(ctx, rsec["owner_user"]["id"])
    if "display_name" in rsec:
        values["display_name"] = rsec["display_name"]
    if "keyname" in rsec:
        values["keyname"] = rsec["keyname"]
    if "description" in rsec:
        values["description"] = sanitize_html(rsec["description"])
    if "parent" in rsec:
        new_parent = rsec["parent"]
        if new_parent is None:
            raise ForbiddenError("Resource parent can not be null.")
        if res.id == 0:
            raise HierarchyError("Root resource can not be moved.")
        if new_parent["id"] != res.parent_id:
            _check_move(ctx, res, new_parent["id"])
            values["parent_id"] = new_parent["id"]
    with _sibling_names(ctx):
        store.update(ctx.conn, res, values)
    if "permissions" in rsec:
        store.set_rules(ctx.conn, res.id, _rules(rsec["permissions"], ctx))
    if values or "permissions" in rsec:
        ctx.resolver.invalidate()
        _check_administrators_keep_access(ctx, _admin_probe(ctx).permissions(res.id), res.id)
    current = store.get(ctx.conn, res.id)
    if current is None:  # deleted by a concurrent request
        raise ResourceNotFound(res.id)
    _write_sections(ctx, current, body, creating=False)


@contextmanager
def _sibling_names(ctx: Context) -> Iterator[None]:
    """The name stays taken (the constraint holds), but a sibling the caller cannot read is
    not named (spec Decision 1)."""
    try:
        yield
    except DisplayNameNotUnique as exc:
        other = exc.data.get("resource_id")
        if other is None or readable_permissions(ctx.resolver, other) is not None:
            raise
        raise DisplayNameNotUnique(None) from None


def _check_move(ctx: Context, res: Resource, new_parent_id: int) -> None:
    store.lock(ctx.conn, res.id)
    require(ctx.resolver, new_parent_id)
    if new_parent_id in {n.id for n in store.subtree(ctx.conn, res.id)}:
        raise HierarchyError("Resource can not be a parent himself.")
    new_parent = get_readable(ctx, new_parent_id)
    _check_parent_class(new_parent, classes.get(res.cls))
    for parent_id in (res.parent_id, new_parent_id):
        if "resource.manage_children" not in (ctx.resolver.permissions(parent_id) or ()):
            raise ForbiddenError(
                f"Insufficient 'resource.manage_children' permission on resource id = "
                f"{parent_id}." if readable_permissions(ctx.resolver, parent_id) is not None
                else "Insufficient permissions to move the resource.")
    own = ctx.resolver.rules.get(res.id, [])
    if "resource.create" not in ctx.resolver.would_have(new_parent_id, res.cls,
                                                        res.owner_user_id, own):
        raise ForbiddenError(f"Insufficient 'resource.create' permission for resource "
                             f"id = {res.id} in resource id = {new_parent_id}.")


def _admin_probe(ctx: Context) -> PermissionResolver:
    """A resolver for a plain member of ``administrators`` (no superuser flag)."""
    admins = system_principals(ctx.conn)["administrators"]
    return PermissionResolver(ctx.conn, identity_for(ctx.conn, None,
                                                     group_ids=frozenset({admins})))


def _check_administrators_keep_access(ctx: Context, perms: frozenset[str] | None,
                                      resource_id: int | None = None) -> None:
    missing = [p for p in ADMIN_REQUIRED if p not in (perms or ())]
    if missing:
        where = "the new resource" if resource_id is None else f"resource id = {resource_id}"
        raise ResourceError(
            f"Administrators would lose the '{missing[0]}' permission on {where}.")


def lock_for_delete(ctx: Context, resource_ids: list[int]) -> None:
    """Before a real delete, so the subtrees checked are the subtrees deleted."""
    store.lock_subtrees(ctx.conn, [rid for rid in resource_ids if rid != 0])


def deletion_blocker(ctx: Context, resource_id: int) -> str | None:
    """Why the caller may not delete this subtree (None if it may)."""
    if resource_id == 0:
        return "root"
    nodes = store.subtree(ctx.conn, resource_id)
    ctx.resolver.load([resource_id])
    ctx.resolver.add_nodes(nodes)
    for node in nodes:
        perms = ctx.resolver.permissions(node.id) or frozenset()
        if "resource.delete" not in perms or "resource.manage_children" not in perms:
            return "permission"
    return None


def delete(ctx: Context, resource_id: int) -> None:
    lock_for_delete(ctx, [resource_id])
    blocker = deletion_blocker(ctx, resource_id)
    if blocker == "root":
        raise ResourceRootDeleteError()
    if blocker == "permission":
        raise InsufficientPermissions(
            resource_id, "resource.delete",
            f"Insufficient permissions to delete resource id = {resource_id} and all its "
            "descendants.")
    remove_subtree(ctx, resource_id)


def delete_summary(ctx: Context, ids: list[int]) -> tuple[dict, dict]:
    """Dry run of :func:`delete_many`, as NGW counts it: a deletable resource adds its whole
    subtree by class (all of it readable, or it would not be deletable); any other adds 1
    under its class, or under the generic "resource" when the caller cannot read it (missing
    and hidden look alike). Returns the ``affected`` and ``unaffected`` documents."""
    affected: Counter[str] = Counter()
    unaffected: Counter[str] = Counter()
    for rid in dict.fromkeys(ids):
        readable = readable_permissions(ctx.resolver, rid) is not None
        if readable and deletion_blocker(ctx, rid) is None:
            affected.update(node.cls for node in store.subtree(ctx.conn, rid))
        else:
            unaffected[ctx.resolver.nodes[rid].cls if readable else "resource"] += 1
    return ({"count": affected.total(), "resources": dict(affected)},
            {"count": unaffected.total(), "resources": dict(unaffected)})


def delete_many(ctx: Context, ids: list[int], *, partial: bool) -> None:
    """Bulk delete. All or nothing, unless ``partial``: then resources that are missing,
    hidden or not deletable by the caller are skipped."""
    ids = list(dict.fromkeys(ids))
    readable = [rid for rid in ids if readable_permissions(ctx.resolver, rid) is not None]
    if not partial and len(readable) < len(ids):
        raise ResourceNotFound(next(rid for rid in ids if rid not in readable))
    lock_for_delete(ctx, readable)
    removed: set[int] = set()
    for rid in readable:
        if rid in removed:
            continue
        if deletion_blocker(ctx, rid) is not None:
            if partial:
                continue
            delete(ctx, rid)  # raises the precise root or permission error
        removed.update(remove_subtree(ctx, rid))


def remove_subtree(ctx: Context, resource_id: int) -> list[int]:
    """Delete the subtree (section hooks first, e.g. dropping layer tables); returns its ids."""
    nodes = store.subtree(ctx.conn, resource_id)
    resources = store.get_many(ctx.conn, [n.id for n in nodes])
    by_class: dict[str, list[Resource]] = {}
    for r in resources:
        by_class.setdefault(r.cls, []).append(r)
    for cls_id, group in by_class.items():
        for section in sections.sections_for(classes.get(cls_id)):
            section.delete(ctx.conn, group)
    store.delete(ctx.conn, [n.id for n in nodes])
    ctx.resolver.invalidate()
    return [n.id for n in nodes]


def readable_subtree(ctx: Context, resource_id: int) -> list[Node]:
    """The resource and the descendants the caller may read, parents first (a hidden child
    and everything under it is left out, as if it did not exist)."""
    nodes = store.subtree(ctx.conn, resource_id)
    ctx.resolver.load([resource_id])
    ctx.resolver.add_nodes(nodes)
    return [n for n in nodes if READ in (ctx.resolver.permissions(n.id) or ())]


def volume(ctx: Context, resource_id: int) -> int:
    """Bytes stored for the subtree, as reported by the sections that store data; only
    resources the caller may read count, and only those whose data it may read
    (``data.read``): sizes must not reveal hidden resources or unreadable data."""
    nodes = [n for n in readable_subtree(ctx, resource_id)
             if DATA_READ in (ctx.resolver.permissions(n.id) or ())]
    total = 0
    for res in store.get_many(ctx.conn, [n.id for n in nodes]):
        for section in sections.sections_for(classes.get(res.cls)):
            measure = getattr(section, "volume", None)
            if measure is not None:
                total += measure(ctx.conn, res)
    return total


def readable_count(ctx: Context) -> int:
    """How many resources the caller may read (the quota's count: no hidden ones)."""
    return len(readable_subtree(ctx, 0))


def get_readable(ctx: Context, resource_id: int) -> Resource:
    res = store.get(ctx.conn, resource_id)
    if res is None:
        raise ResourceNotFound(resource_id)
    visible(ctx.resolver, resource_id)
    return res
