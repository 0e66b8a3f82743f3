"""What a feature layer is, independent of where its features are stored.

A :class:`Layer` is loaded per request by the provider of its resource class (see
:mod:`.layers`); the feature API, filters, dumper and write path only use this shape, so
a second storage (e.g. PostGIS layers) can plug in by providing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sqlalchemy as sa

DATATYPES = ("INTEGER", "BIGINT", "REAL", "STRING", "DATE", "TIME", "DATETIME", "BOOLEAN")
BASE_TYPES = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON")
GEOMETRY_TYPES = (*BASE_TYPES, *(t + "Z" for t in BASE_TYPES), "NONE")

#: Interfaces (NGW names) as listed in a resource class.
IFEATURE_LAYER = "IFeatureLayer"
IWRITABLE_FEATURE_LAYER = "IWritableFeatureLayer"
IBBOX_LAYER = "IBboxLayer"

#: Field keynames NGW refuses: they would clash with the feature's own keys.
FORBIDDEN_KEYNAMES = ("id", "geom")


@dataclass(frozen=True)
class Field:
    id: int
    keyname: str
    display_name: str
    datatype: str
    position: int = 0
    label_field: bool = False
    grid_visibility: bool = True
    text_search: bool = True
    required: bool = False
    lookup_table_id: int | None = None

    @property
    def column_name(self) -> str:
        """Column of the field in a vector layer table: from the id, never the keyname."""
        return f"fld_{self.id}"

    def to_json(self) -> dict:
        return {
            "id": self.id, "keyname": self.keyname, "display_name": self.display_name,
            "datatype": self.datatype, "typemod": None, "label_field": self.label_field,
            "grid_visibility": self.grid_visibility, "text_search": self.text_search,
            "required": self.required,
            "lookup_table": None if self.lookup_table_id is None
            else {"id": self.lookup_table_id},
        }


def base_type(geometry_type: str) -> str:
    """POINTZ -> POINT, MULTIPOINT -> POINT: the family a type change may stay within."""
    gtype = geometry_type.removesuffix("Z")
    return gtype.removeprefix("MULTI")


def has_z(geometry_type: str) -> bool:
    return geometry_type != "NONE" and geometry_type.endswith("Z")


def is_multi(geometry_type: str) -> bool:
    return geometry_type.startswith("MULTI")


@dataclass(frozen=True)
class Layer:
    """A feature layer as the feature API sees it: metadata plus its SQL table."""

    resource_id: int
    cls: str
    srs_id: int | None
    geometry_type: str
    fields: tuple[Field, ...]
    table: sa.Table
    writable: bool = True
    #: Name of the sequence feeding ``id`` (for pre-allocating ids in batch creates).
    id_sequence: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def has_geometry(self) -> bool:
        return self.geometry_type != "NONE"

    @property
    def has_z(self) -> bool:
        return has_z(self.geometry_type)

    @cached_property
    def by_keyname(self) -> dict[str, Field]:
        return {f.keyname: f for f in self.fields}

    @property
    def id_column(self) -> sa.Column:
        return self.table.c.id

    @property
    def geom_column(self) -> sa.Column:
        return self.table.c.geom

    def column(self, fld: Field) -> sa.Column:
        return self.table.c[fld.column_name]

    @property
    def label_field(self) -> Field | None:
        return next((f for f in self.fields if f.label_field), None)
