"""Feature JSON -> a :class:`ChangeSet` of typed rows, for the write path (spec 3.3).

Per feature only cheap Python runs (dict lookups and a converter per sent field value);
geometries of the whole request are parsed, checked and encoded in one vectorised pass.
Messages name the feature by its index in the request and the field by its keyname.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from ..errors import ValidationError
from . import extension
from . import geometry as geometry_io
from .model import Layer
from .values import BadValue, loader

#: Marks a field (or the geometry) an update does not touch.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


@dataclass(frozen=True)
class WriteOptions:
    geom_format: str = "wkt"
    dt_format: str = "obj"
    srs_id: int | None = None
    geom_null: bool = False


@dataclass
class Rows:
    """Feature rows: ``values[i]`` holds one value per layer field (MISSING = untouched)."""

    ids: list[int] = field(default_factory=list)
    geoms: list[Any] = field(default_factory=list)
    values: list[list[Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class ChangeSet:
    creates: Rows = field(default_factory=Rows)
    updates: Rows = field(default_factory=Rows)
    deletes: list[int] = field(default_factory=list)
    #: Per request item: ("create", index in creates) / ("update"|"delete", feature id).
    order: list[tuple[str, int]] = field(default_factory=list)


class FeatureLoader:
    def __init__(self, conn: Connection, layer: Layer, options: WriteOptions, *, batch: bool):
        self.conn = conn
        self.layer = layer
        self.options = options
        self.batch = batch
        self.fields = {f.keyname: (i, f.keyname, loader(f.datatype, options.dt_format))
                       for i, f in enumerate(layer.fields)}
        self.extensions = {e.identity for e in extension.registered()}

    def label(self, index: int) -> str:
        return f"Feature #{index}: " if self.batch else ""

    def _fail(self, index: int, message: str) -> ValidationError:
        return ValidationError(self.label(index) + message,
                               data={"index": index} if self.batch else {})

    def _values(self, index: int, data: Any, fill: Any) -> list[Any]:
        row = [fill] * len(self.fields)
        if data is None:
            return row
        if type(data) is not dict:
            raise self._fail(index, "'fields' must be an object.")
        fields = self.fields
        for key, value in data.items():
            spec = fields.get(key)
            if spec is None:
                continue  # unknown keys are ignored (NGW)
            if value is None:
                row[spec[0]] = None
                continue
            try:
                row[spec[0]] = spec[2](value)
            except BadValue as exc:
                raise self._fail(index, f"field '{spec[1]}': {exc}.") from None
        return row

    def _extensions(self, data: Any) -> dict[str, Any]:
        if not self.extensions or type(data) is not dict:
            return {}
        return {k: v for k, v in data.items() if k in self.extensions}

    def load(self, items: Any, *, fid: int | None = None) -> ChangeSet:
        """A PATCH list (``batch``), or one POST (``fid`` None) / PUT (``fid``) body."""
        changes = ChangeSet()
        pending: list[tuple[Rows, int, Any, int]] = []
        if not self.batch:
            items = [items]
        elif not isinstance(items, list):
            raise ValidationError("Request body must be a JSON array of features.")
        merged: dict[int, int] = {}
        for index, item in enumerate(items):
            if type(item) is not dict:
                raise self._fail(index, "expected a feature object.")
            target = fid if not self.batch else item.get("id")
            if self.batch and target is not None and (type(target) is not int):
                raise self._fail(index, f"'id' must be an integer, got {target!r}.")
            if target is None:
                rows, fill = changes.creates, None
                changes.order.append(("create", len(rows)))
            elif self.batch and item.get("delete") is True:
                changes.deletes.append(target)
                changes.order.append(("delete", target))
                continue
            else:
                rows, fill = changes.updates, MISSING
                changes.order.append(("update", target))
            values = self._values(index, item.get("fields"), fill)
            geom = item.get("geom", MISSING)
            if geom is None and not self.options.geom_null:
                geom = MISSING
            if geom is MISSING and fill is None:
                geom = None
            if fill is MISSING and target in merged:
                self._merge(rows, merged[target], values, geom, self._extensions(
                    item.get("extensions")), pending, index)
                continue
            if fill is MISSING:
                merged[target] = len(rows)
                rows.ids.append(target)
            if geom is not None and geom is not MISSING:
                pending.append((rows, len(rows), geom, index))
            rows.geoms.append(geom)
            rows.values.append(values)
            rows.extensions.append(self._extensions(item.get("extensions")))
        self._load_geometries(pending)
        return changes

    @staticmethod
    def _merge(rows: Rows, at: int, values: list[Any], geom: Any, ext: dict[str, Any],
               pending: list, index: int) -> None:
        """A second update of the same feature in one batch: later values win."""
        old = rows.values[at]
        for i, value in enumerate(values):
            if value is not MISSING:
                old[i] = value
        if geom is not MISSING:
            pending[:] = [p for p in pending if not (p[0] is rows and p[1] == at)]
            if geom is not None:
                pending.append((rows, at, geom, index))
            rows.geoms[at] = geom
        rows.extensions[at].update(ext)

    def _load_geometries(self, pending: list[tuple[Rows, int, Any, int]]) -> None:
        if not pending:
            return
        encoded = geometry_io.load(
            self.conn, [p[2] for p in pending], [self.label(p[3]) for p in pending], self.layer,
            self.options.geom_format, self.options.srs_id)
        for (rows, at, _geom, _index), ewkb in zip(pending, encoded, strict=True):
            rows.geoms[at] = ewkb
