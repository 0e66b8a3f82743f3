"""The ``resmeta`` section: values keep their JSON type (str, int, float, bool, null)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ..resource.classes import ResourceClass
from ..resource.exceptions import ResourceError
from ..resource.sections import Context
from ..resource.store import Resource
from . import store


def _validate(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ResourceError("Expected an object - at `$.resmeta`.")
    items = data.get("items", {})
    if not isinstance(items, dict):
        raise ResourceError("Expected an object - at `$.resmeta.items`.")
    for key, value in items.items():
        if not 1 <= len(key) <= 255:
            raise ResourceError(f"Key length must be 1..255 - at `$.resmeta.items.{key[:40]}`.")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise ResourceError(
                f"Value must be a string, number, boolean or null - at `$.resmeta.items.{key}`.")
    return items


class ResmetaSection:
    identity = "resmeta"

    def applies(self, rcls: ResourceClass) -> bool:
        return True

    def read(self, ctx: Context, resources: list[Resource]) -> dict[int, Any]:
        items = store.items(ctx.conn, [r.id for r in resources])
        return {r.id: {"items": items.get(r.id, {})} for r in resources}

    def write(self, ctx: Context, resource: Resource, data: Any, *, creating: bool) -> None:
        if data is None:
            return
        items = _validate(data)
        if "items" not in data:
            return
        if not (creating and not items):
            ctx.require_attr(resource, "resmeta", "items", "resource.update")
        store.replace(ctx.conn, resource.id, items)

    def delete(self, conn: Connection, resources: list[Resource]) -> None:
        """Rows go with the resource (ON DELETE CASCADE)."""
