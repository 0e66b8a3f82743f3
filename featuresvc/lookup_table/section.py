"""The ``lookup_table`` resource class and section (spec section 6, NGW's lookup_table).

Items are strings only and are stored sorted by ``sort``; with ``CUSTOM`` the write-only
``order`` (a list of keys) gives the order, else the order the items were sent in. Changing
only ``sort`` re-sorts the stored items. Every attribute needs ``resource.update`` to write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ..errors import ValidationError
from ..resource.classes import ResourceClass
from ..resource.sections import Context
from ..resource.store import Resource
from . import store
from .store import Pairs

SORTS = ("KEY_ASC", "KEY_DESC", "VALUE_ASC", "VALUE_DESC", "CUSTOM")

LOOKUP_TABLE = ResourceClass(
    identity="lookup_table", label="Lookup table", category="miscellaneous",
)


def _bad(message: str, *path: str) -> ValidationError:
    where = "".join(f".{p}" for p in path)
    return ValidationError(f"{message} - at `$.lookup_table{where}`.",
                           data={"location": ["body", "lookup_table", *path]})


def sort_items(pairs: Pairs, sort: str, order: list[str] | None) -> Pairs:
    if sort == "CUSTOM":
        if order is None:
            return pairs
        position = {key: i for i, key in enumerate(order)}
        if any(key not in position for key, _ in pairs):
            raise _bad("Invalid items order: every key must be listed", "order")
        return sorted(pairs, key=lambda p: position[p[0]])
    index = 0 if sort.startswith("KEY") else 1
    return sorted(pairs, key=lambda p: p[index], reverse=sort.endswith("DESC"))


def _parse(data: Any) -> tuple[str | None, Pairs | None, list[str] | None]:
    if not isinstance(data, dict):
        raise ValidationError("Expected an object - at `$.lookup_table`.")
    sort, items, order = data.get("sort"), data.get("items"), data.get("order")
    if sort is not None and sort not in SORTS:
        raise _bad(f"Expected one of {', '.join(SORTS)}", "sort")
    if items is not None:
        if not isinstance(items, dict):
            raise _bad("Expected an object", "items")
        for key, value in items.items():
            if not isinstance(value, str):
                raise _bad("Expected a string", "items", key)
    if order is not None and (not isinstance(order, list)
                              or not all(isinstance(k, str) for k in order)):
        raise _bad("Expected an array of strings", "order")
    return sort, (list(items.items()) if items is not None else None), order


class LookupTableSection:
    identity = "lookup_table"

    def applies(self, rcls: ResourceClass) -> bool:
        return rcls.identity == LOOKUP_TABLE.identity

    def read(self, ctx: Context, resources: list[Resource]) -> dict[int, Any]:
        tables = store.get_many(ctx.conn, [r.id for r in resources])
        result = {}
        for res in resources:
            sort, pairs = tables.get(res.id, ("KEY_ASC", []))
            result[res.id] = {"sort": sort, "items": dict(pairs),
                              "order": [key for key, _ in pairs]}
        return result

    def write(self, ctx: Context, resource: Resource, data: Any, *, creating: bool) -> None:
        if creating:
            store.create(ctx.conn, resource.id)
        if data is None:
            return
        sort, items, order = _parse(data)
        for attr in ("sort", "items", "order"):
            if attr in data:
                ctx.require_attr(resource, "lookup_table", attr, "resource.update")
        if sort is None and items is None:
            return  # ``order`` alone changes nothing (NGW)
        current_sort, current = store.get_many(ctx.conn, [resource.id])[resource.id]
        new_sort = sort or current_sort
        pairs = sort_items(items if items is not None else current, new_sort, order)
        store.save(ctx.conn, resource.id, new_sort, pairs)

    def delete(self, conn: Connection, resources: list[Resource]) -> None:
        """Rows go with the resource (ON DELETE CASCADE)."""
