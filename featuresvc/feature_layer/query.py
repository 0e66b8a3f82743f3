"""A feature query as plain data: what the filter parser produces and the store reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from .model import Field

#: Operators the store knows (the filter parser maps every request form onto these).
OPS = ("eq", "ne", "gt", "lt", "ge", "le", "like", "ilike", "notlike", "notilike", "in",
       "notin", "isnull", "startswith")


@dataclass(frozen=True)
class Condition:
    """``field`` None means the feature id."""

    field: Field | None
    op: str
    value: Any


@dataclass(frozen=True)
class Logical:
    op: str  # "all" | "any"
    items: tuple[Node, ...]


Node = Union[Condition, Logical]  # noqa: UP007 - a runtime alias used in isinstance checks


@dataclass
class FeatureQuery:
    # which features
    conditions: list[Condition] = field(default_factory=list)
    expression: Node | None = None
    like: str | None = None
    ilike: str | None = None
    intersects: bytes | None = None  # EWKB in the layer SRS
    order_by: list[tuple[Field | None, bool]] = field(default_factory=list)  # (field, desc)
    limit: int | None = None
    offset: int = 0
    # what to return
    fields: list[Field] | None = None  # None = all
    geom: bool = True
    geom_format: str = "wkt"
    srs_id: int | None = None
    dt_format: str = "obj"
    bigint_format: str = "compat"
    label: bool = False
    extensions: list[str] | None = None  # None = all registered, [] = omit the key

    @property
    def filtered(self) -> bool:
        return bool(self.conditions or self.expression is not None or self.like is not None
                    or self.ilike is not None or self.intersects is not None)
