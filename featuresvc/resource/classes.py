"""Resource classes and the permission catalogue (spec sections 1.1 and 9). Components add
their classes to the registry in their ``setup``."""

from __future__ import annotations

from dataclasses import dataclass

from .. import registry

#: Permissions by scope; a class exposes the scopes it lists.
SCOPES: dict[str, dict[str, str]] = {
    "resource": {
        "read": "Read", "create": "Create", "update": "Update", "delete": "Delete",
        "manage_children": "Manage children", "change_permissions": "Change permissions",
    },
    "data": {"read": "Read", "write": "Write"},
}
SCOPE_LABELS = {"resource": "Resource", "data": "Data"}


@dataclass(frozen=True)
class ResourceClass:
    identity: str
    label: str
    scopes: tuple[str, ...] = ("resource",)
    interfaces: tuple[str, ...] = ()
    order: int = 100
    category: str = "data"
    is_group: bool = False
    #: Classes a resource of this class may be a child of.
    parent_classes: tuple[str, ...] = ("resource_group",)
    base_classes: tuple[str, ...] = ("resource",)

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(f"{s}.{p}" for s in self.scopes for p in SCOPES[s])


def get(identity: str) -> ResourceClass | None:
    return registry.current.resource_classes.get(identity)


def all_classes() -> list[ResourceClass]:
    return sorted(registry.current.resource_classes.values(),
                  key=lambda c: (c.order, c.identity))


RESOURCE_GROUP = ResourceClass(
    identity="resource_group", label="Resource group", order=0, category="resource_group",
    is_group=True,
)
