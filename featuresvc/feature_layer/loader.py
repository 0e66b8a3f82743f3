"""Feature JSON -> a :class:`ChangeSet` of typed rows, for the write path (spec 3.3).

Per feature only cheap Python runs (dict lookups and a converter per sent field value);
geometries of the whole request are parsed, checked and encoded in one vectorised pass.
Messages name the feature by its index in the request and the field by its keyname.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from ..errors import ValidationError
from . import extension
from . import geometry as geometry_io
from .exceptions import BadValue
from .model import Layer
from .values import loader

#: Items validated between two hand-overs to a creates sink (see FeatureLoader.load).
CHUNK = 2000

#: Marks a field (or the geometry) an update does not touch.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around a batch.

    A 10k-feature body parses into ~100k dicts and lists that hold no cycles; the collector
    would rescan them again and again while they are built (measured: ~40% of a PATCH).
    Reference counting still frees everything; the collector resumes afterwards. Safe with
    threads: whoever paused it first resumes it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    #: Row index -> values of registered extensions sent with that feature (sparse).
    extensions: dict[int, dict[str, Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How the loader takes one layer field from a feature's ``fields`` object."""

    index: int  # position in layer.fields, and in each row of Rows.values
    keyname: str
    load: Callable[[Any], Any]  # JSON value -> typed value, raises BadValue


@dataclass(frozen=True, slots=True)
class Touched:
    """Which columns an update batch sets: ``geom`` None (untouched), True (every row sets it)
    or False (some rows do); ``columns`` as (index in layer.fields, every row sets it)."""

    geom: bool | None
    columns: list[tuple[int, bool]]

    @property
    def empty(self) -> bool:
        """No column to set: the updates only check that their features exist."""
        return self.geom is None and not self.columns


@dataclass(frozen=True, slots=True)
class UpdateSurvey:
    """A PATCH list's updates before streaming them: how many, and which columns they set."""

    count: int
    touched: Touched


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
        self.fields = {f.keyname: FieldSpec(i, f.keyname, loader(f.datatype, options.dt_format))
                       for i, f in enumerate(layer.fields)}
        self.extensions = {e.identity: e for e in extension.registered()}

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
                row[spec.index] = None
                continue
            try:
                row[spec.index] = spec.load(value)
            except BadValue as exc:
                raise self._fail(index, f"field '{spec.keyname}': {exc}.") from None
        return row

    def _extensions(self, index: int, data: Any) -> dict[str, Any]:
        """Values of registered extensions; one with a ``load`` hook checks (and may
        normalise) its value here, so a bad one is reported with the feature's index."""
        if type(data) is not dict:
            return {}
        values = {}
        for name, value in data.items():
            ext = self.extensions.get(name)
            if ext is None:
                continue
            load = getattr(ext, "load", None)
            if load is not None:
                try:
                    value = load(value)
                except ValueError as exc:
                    raise self._fail(index, f"extensions.{name}: {exc}.") from None
            values[name] = value
        return values

    @staticmethod
    def count_creates(items: Any) -> int:
        """How many items of a PATCH list create a feature (a cheap pre-pass)."""
        if not isinstance(items, list):
            return 0
        return sum(1 for item in items if type(item) is dict and item.get("id") is None)

    def survey_updates(self, items: Any) -> UpdateSurvey | None:
        """Before streaming updates: how many items update a feature and which columns
        they set. None when that cannot stream: an id repeats (merged in memory instead)
        or an item is malformed (load reports it)."""
        if not isinstance(items, list):
            return None
        fields, geom_null = self.fields, self.options.geom_null
        counts = [0] * len(fields)
        geoms = 0
        seen: set[int] = set()
        for item in items:
            if type(item) is not dict:
                return None
            target = item.get("id")
            if target is None or item.get("delete") is True:
                continue
            if type(target) is not int or target in seen:
                return None
            seen.add(target)
            data = item.get("fields")
            if type(data) is dict:
                for key in data:
                    spec = fields.get(key)
                    if spec is not None:
                        counts[spec.index] += 1
            if "geom" in item and (item["geom"] is not None or geom_null):
                geoms += 1
        n = len(seen)
        geom = None if not geoms or not self.layer.has_geometry else geoms == n
        return UpdateSurvey(n, Touched(geom, [(i, c == n) for i, c in enumerate(counts) if c]))

    def load(self, items: Any, *, fid: int | None = None,
             creates_sink: Callable[[Rows], None] | None = None,
             updates_sink: Callable[[Rows], None] | None = None) -> ChangeSet:
        """A PATCH list (``batch``), or one POST (``fid`` None) / PUT (``fid``) body.

        With a sink, new (or updated) features are handed over every :data:`CHUNK` items,
        geometries loaded, instead of being kept: the write path streams them to the
        database while the rest of the request is still being validated.
        """
        changes = ChangeSet()
        if not self.batch:
            items = [items]
        elif not isinstance(items, list):
            raise ValidationError("Request body must be a JSON array of features.")
        #: Geometries still to parse, as (rows, at, geom, index): plain tuples unpacked by
        #: name, as one is built per feature (hot path of a 10k-feature PATCH).
        self._pending: list[tuple[Rows, int, Any, int]] = []
        self._merged: dict[int, int] = {}
        order = changes.order
        created = 0
        for start in range(0, len(items), CHUNK):
            for index in range(start, min(start + CHUNK, len(items))):
                item = items[index]
                if type(item) is not dict:
                    raise self._fail(index, "expected a feature object.")
                target = item.get("id") if self.batch else fid
                if target is None:
                    order.append(("create", created))
                    created += 1
                    self._add(changes.creates, index, item, None, None)
                    continue
                if type(target) is not int:
                    raise self._fail(index, f"'id' must be an integer, got {target!r}.")
                if self.batch and item.get("delete") is True:
                    changes.deletes.append(target)
                    order.append(("delete", target))
                    continue
                order.append(("update", target))
                self._add(changes.updates, index, item, target, MISSING)
            self._load_geometries(self._pending)
            self._pending = []
            if creates_sink is not None and changes.creates.values:
                creates_sink(changes.creates)
                changes.creates = Rows()
            if updates_sink is not None and changes.updates.values:
                updates_sink(changes.updates)
                changes.updates = Rows()
                self._merged.clear()
        return changes

    def _add(self, rows: Rows, index: int, item: dict, target: int | None, fill: Any) -> None:
        """Append one create (``fill`` None: unsent fields are NULL) or update (``fill``
        MISSING: unsent fields stay as they are)."""
        values = self._values(index, item.get("fields"), fill)
        geom = item.get("geom", MISSING)
        if geom is None and not self.options.geom_null:
            geom = MISSING
        if geom is MISSING and fill is None:
            geom = None
        ext = self._extensions(index, item.get("extensions")) if self.extensions else None
        if target is not None and target in self._merged:
            self._merge(rows, self._merged[target], values, geom, ext, index)
            return
        at = len(rows.values)
        if target is not None:
            self._merged[target] = at
            rows.ids.append(target)
        if geom is not None and geom is not MISSING:
            self._pending.append((rows, at, geom, index))
        rows.geoms.append(geom)
        rows.values.append(values)
        if ext:
            rows.extensions[at] = ext

    def _merge(self, rows: Rows, at: int, values: list[Any], geom: Any,
               ext: dict[str, Any] | None, index: int) -> None:
        """A second update of the same feature in one batch: later values win."""
        old = rows.values[at]
        for i, value in enumerate(values):
            if value is not MISSING:
                old[i] = value
        if geom is not MISSING:
            self._pending[:] = [(r, a, g, i) for r, a, g, i in self._pending
                                if not (r is rows and a == at)]
            if geom is not None:
                self._pending.append((rows, at, geom, index))
            rows.geoms[at] = geom
        if ext:
            rows.extensions.setdefault(at, {}).update(ext)

    def _load_geometries(self, pending: list[tuple[Rows, int, Any, int]]) -> None:
        if not pending:
            return
        encoded = geometry_io.load(
            self.conn, [geom for _rows, _at, geom, _index in pending],
            [self.label(index) for _rows, _at, _geom, index in pending], self.layer,
            self.options.geom_format, self.options.srs_id)
        for (rows, at, _geom, _index), ewkb in zip(pending, encoded, strict=True):
            rows.geoms[at] = ewkb
