"""Serializer sections of the resource document ("resource", "resmeta", class sections).

Components add a :class:`Section` to the registry in their ``setup``; the resource API reads
all sections that apply to a class in batches (one query per section for a whole listing)
and writes the ones present.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection

from .. import registry
from ..auth.identity import Identity
from ..config import Settings
from .access import PermissionResolver
from .classes import ResourceClass
from .exceptions import AttributeUpdateForbidden
from .store import Resource


@dataclass
class Context:
    """What a service acts with: the transaction, the caller, its permissions, the settings."""

    conn: Connection
    identity: Identity
    resolver: PermissionResolver
    settings: Settings

    def permissions(self, resource: Resource) -> frozenset[str]:
        return self.resolver.permissions(resource.id) or frozenset()

    def require_attr(self, resource: Resource, serializer: str, attribute: str,
                     permission: str) -> None:
        if permission not in self.permissions(resource):
            raise AttributeUpdateForbidden(attribute, serializer, permission)


class Section(Protocol):
    identity: str

    def applies(self, rcls: ResourceClass) -> bool: ...

    def read(self, ctx: Context, resources: list[Resource]) -> dict[int, Any]: ...

    def write(self, ctx: Context, resource: Resource, data: Any, *, creating: bool) -> None: ...

    def delete(self, conn: Connection, resources: list[Resource]) -> None: ...


def sections_for(rcls: ResourceClass) -> list[Section]:
    return [s for s in registry.current.sections if s.applies(rcls)]


class HooksOnly:
    """Base for components that keep data per resource but show no document section (e.g.
    feature attachments): subclasses give ``identity``, ``applies`` and ``delete`` (and
    optionally ``volume``); nothing is read into or written from the document."""

    identity: str

    def read(self, ctx: Context, resources: list[Resource]) -> dict[int, Any]:
        return {}

    def write(self, ctx: Context, resource: Resource, data: Any, *, creating: bool) -> None:
        """No document keys of its own."""
