"""Structure changes shared by the feature_layer and vector_layer sections: field lists."""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..resource import classes
from ..resource import store as resource_store
from ..resource.require import readable_permissions
from ..resource.sections import Context
from ..resource.store import Resource
from . import fields as field_plan
from . import layers

LOOKUP_TABLE_CLS = "lookup_table"


def lookup_checker(ctx: Context):
    """Validates a field's ``lookup_table`` link: a readable resource of class lookup_table."""

    def check(resource_id: int) -> None:
        if classes.get(LOOKUP_TABLE_CLS) is None:
            raise ValidationError("Lookup tables are not supported by this server.")
        res = resource_store.get(ctx.conn, resource_id)
        if res is None or res.cls != LOOKUP_TABLE_CLS \
                or readable_permissions(ctx.resolver, resource_id) is None:
            raise ValidationError(f"Lookup table with id = {resource_id} was not found.",
                                  data={"lookup_table": {"id": resource_id}})

    return check


def change_fields(ctx: Context, resource: Resource, items: Any, *, location: str,
                  by_keyname: bool = False) -> None:
    """Apply a field change list to a layer (either request form)."""
    layers.provider(resource.cls).lock_structure(ctx.conn, resource.id)
    layer = layers.load(ctx.conn, resource.id, resource.cls)
    planner = field_plan.plan_by_keyname if by_keyname else field_plan.plan
    new = planner(list(layer.fields), items, location=location,
                  check_lookup=lookup_checker(ctx))
    if new.fields == list(layer.fields) and not new.deleted:
        return
    layers.provider(resource.cls).apply_fields(ctx.conn, layer, new)
