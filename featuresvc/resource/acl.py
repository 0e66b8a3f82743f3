"""ACL evaluation (spec section 9), pure and independent of Flask and SQL.

Rules apply from the root down to the resource. A rule counts if it propagates or sits on the
resource itself, its identity is "" or the resource's class, and its principal matches the
caller. Empty scope/permission mean all. Deny wins over allow. Masks: everything needs
``resource.read``, ``data.write`` needs ``data.read``, and ``resource.read`` needs read on the
parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import classes

READ = "resource.read"


@dataclass(frozen=True)
class Rule:
    action: str
    principal_id: int
    identity: str = ""
    scope: str = ""
    permission: str = ""
    propagate: bool = True

    def covers(self, perms: frozenset[str]) -> frozenset[str]:
        if not self.scope:
            return perms
        if not self.permission:
            return frozenset(p for p in perms if p.startswith(self.scope + "."))
        wanted = f"{self.scope}.{self.permission}"
        return frozenset({wanted}) & perms


@dataclass(frozen=True)
class Node:
    id: int
    cls: str
    parent_id: int | None
    owner_user_id: int


@dataclass(frozen=True)
class Caller:
    id: int
    principals: frozenset[int]
    superuser: bool
    is_guest: bool
    owner_principal: int


@dataclass
class Explanation:
    """Why each permission is granted or not: the rules that matched."""

    allowed: dict[str, list[tuple[int, Rule]]] = field(default_factory=dict)
    denied: dict[str, list[tuple[int, Rule]]] = field(default_factory=dict)


def _matches(rule: Rule, caller: Caller, target: Node) -> bool:
    if rule.principal_id in caller.principals:
        return True
    return (rule.principal_id == caller.owner_principal and not caller.is_guest
            and caller.id == target.owner_user_id)


def evaluate(
    chain: Sequence[Node],
    rules: dict[int, Sequence[Rule]],
    caller: Caller,
    parent_permissions: frozenset[str] | None,
    explain: Explanation | None = None,
) -> frozenset[str]:
    """Permissions of ``caller`` on ``chain[-1]``; ``chain`` runs root first.

    ``parent_permissions`` are the caller's permissions on the parent (None for the root).
    """
    target = chain[-1]
    cls = classes.get(target.cls)
    perms = cls.permissions if cls else frozenset({READ})
    if caller.superuser:
        return perms
    allowed: set[str] = set()
    denied: set[str] = set()
    for node in chain:
        for rule in rules.get(node.id, ()):
            if not (rule.propagate or node is target):
                continue
            if rule.identity not in ("", target.cls) or not _matches(rule, caller, target):
                continue
            covered = rule.covers(perms)
            (allowed if rule.action == "allow" else denied).update(covered)
            if explain is not None:
                bucket = explain.allowed if rule.action == "allow" else explain.denied
                for perm in covered:
                    bucket.setdefault(perm, []).append((node.id, rule))
    result = allowed - denied
    if parent_permissions is not None and READ not in parent_permissions:
        result.discard(READ)
    if READ not in result:
        return frozenset()
    if "data.read" not in result:
        result.discard("data.write")
    return frozenset(result)
