"""Building resource documents (``GET /api/resource/{id}`` and listings) in batches."""

from __future__ import annotations

from typing import Any

from . import classes, sections, store
from .acl import READ, Rule
from .sections import Context
from .store import Resource


def rule_doc(rule: Rule) -> dict[str, Any]:
    return {"action": rule.action, "principal": {"id": rule.principal_id},
            "identity": rule.identity, "scope": rule.scope, "permission": rule.permission,
            "propagate": rule.propagate}


def _parent_ref(ctx: Context, parent_id: int | None) -> dict[str, Any] | None:
    if parent_id is None:
        return None
    node = ctx.resolver.nodes.get(parent_id)
    grand = node.parent_id if node else None
    return {"id": parent_id, "parent": {"id": grand} if grand is not None else None}


def resource_section(ctx: Context, res: Resource, has_children: bool) -> dict[str, Any]:
    rcls = classes.get(res.cls)
    return {
        "id": res.id,
        "cls": res.cls,
        "creation_date": res.creation_date.isoformat(),
        "parent": _parent_ref(ctx, res.parent_id),
        "owner_user": {"id": res.owner_user_id},
        "permissions": [rule_doc(r) for r in ctx.resolver.rules.get(res.id, [])],
        "keyname": res.keyname,
        "display_name": res.display_name,
        "description": res.description,
        "children": has_children,
        "interfaces": list(rcls.interfaces) if rcls else [],
        "scopes": list(rcls.scopes) if rcls else [],
    }


def readable_children_flags(ctx: Context, ids: list[int]) -> set[int]:
    """Ids among ``ids`` that have at least one child the caller can read."""
    nodes = store.child_nodes(ctx.conn, ids)
    ctx.resolver.add_nodes(nodes)
    readable = ctx.resolver.readable(n.id for n in nodes)
    return {n.parent_id for n in nodes if n.id in readable}


def documents(ctx: Context, resources: list[Resource], *, full: bool = True) -> list[dict]:
    """Documents of readable resources, in the given order (unreadable ones are dropped)."""
    perms = ctx.resolver.permissions_many(r.id for r in resources)
    resources = [r for r in resources if READ in perms.get(r.id, ())]
    with_children = readable_children_flags(ctx, [r.id for r in resources])
    docs = {r.id: {"resource": resource_section(ctx, r, r.id in with_children)}
            for r in resources}
    if full:
        by_class: dict[str, list[Resource]] = {}
        for r in resources:
            by_class.setdefault(r.cls, []).append(r)
        for cls_id, group in by_class.items():
            rcls = classes.get(cls_id)
            if rcls is None:
                continue
            for section in sections.sections_for(rcls):
                for rid, value in section.read(ctx, group).items():
                    docs[rid][section.identity] = value
    return [docs[r.id] for r in resources]


def class_order(res: Resource) -> tuple[int, str, int]:
    rcls = classes.get(res.cls)
    return (rcls.order if rcls else 100, res.display_name, res.id)
