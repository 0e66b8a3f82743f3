"""Effective permissions of a caller, loaded in batches and memoised (one resolver per request,
kept by :mod:`featuresvc.resource.api_access`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from ..auth.identity import Identity, system_principals
from . import store
from .acl import READ, Caller, Explanation, Node, Rule, evaluate

VIRTUAL_ID = -1


class PermissionResolver:
    def __init__(self, conn: Connection, identity: Identity):
        self.conn = conn
        self.caller = Caller(
            id=identity.id, principals=identity.principals, superuser=identity.superuser,
            is_guest=identity.is_guest, owner_principal=system_principals(conn)["owner"],
        )
        self.nodes: dict[int, Node] = {}
        self.rules: dict[int, list[Rule]] = {}
        self._memo: dict[int, frozenset[str]] = {}
        #: Set by :func:`require`: the route wrapper refuses a view that checked nothing.
        self.checked = False

    def load(self, ids: Iterable[int]) -> None:
        missing = [i for i in set(ids) if i not in self.nodes]
        if not missing:
            return
        nodes, rules = store.ancestry_with_rules(self.conn, missing)
        for node in nodes:
            if node.id not in self.nodes:
                self.nodes[node.id] = node
                self.rules[node.id] = rules[node.id]

    def add_nodes(self, nodes: Sequence[Node]) -> None:
        fresh = [n for n in nodes if n.id not in self.nodes]
        for node in fresh:
            self.nodes[node.id] = node
        if fresh:
            loaded = store.rules(self.conn, [n.id for n in fresh])
            for node in fresh:
                self.rules[node.id] = loaded.get(node.id, [])

    def invalidate(self) -> None:
        self.nodes.clear()
        self.rules.clear()
        self._memo.clear()

    def chain(self, node: Node) -> list[Node]:
        chain = [node]
        while chain[-1].parent_id is not None:
            chain.append(self.nodes[chain[-1].parent_id])
        chain.reverse()
        return chain

    def _evaluate(self, node: Node, explain: Explanation | None = None) -> frozenset[str]:
        parent = None
        if node.parent_id is not None:
            parent = self._permissions_of(self.nodes[node.parent_id])
        return evaluate(self.chain(node), self.rules, self.caller, parent, explain)

    def _permissions_of(self, node: Node) -> frozenset[str]:
        perms = self._memo.get(node.id)
        if perms is None:
            perms = self._memo[node.id] = self._evaluate(node)
        return perms

    def permissions(self, resource_id: int) -> frozenset[str] | None:
        """Caller's permissions, or None when the resource does not exist."""
        self.load([resource_id])
        node = self.nodes.get(resource_id)
        return None if node is None else self._permissions_of(node)

    def permissions_many(self, ids: Iterable[int]) -> dict[int, frozenset[str]]:
        ids = list(ids)
        self.load(ids)
        return {i: self._permissions_of(self.nodes[i]) for i in ids if i in self.nodes}

    def readable(self, ids: Iterable[int]) -> set[int]:
        return {i for i, p in self.permissions_many(ids).items() if READ in p}

    def explain(self, resource_id: int) -> Explanation:
        self.load([resource_id])
        explanation = Explanation()
        self._evaluate(self.nodes[resource_id], explanation)
        return explanation

    def would_have(self, parent_id: int, cls: str, owner_user_id: int,
                   own_rules: Sequence[Rule] = ()) -> frozenset[str]:
        """Permissions on a resource that does not exist yet (create) or is moved (move)."""
        self.load([parent_id])
        node = Node(VIRTUAL_ID, cls, parent_id, owner_user_id)
        rules = {**self.rules, VIRTUAL_ID: list(own_rules)}
        parent = self._permissions_of(self.nodes[parent_id])
        chain = [*self.chain(self.nodes[parent_id]), node]
        return evaluate(chain, rules, self.caller, parent)
