"""Rows of an import session checked against the target layer, a batch at a time.

Values go through the feature API's own converters (``dt_format=iso``), geometries through
the file loader's converter, so a session accepts exactly what the API and file imports
accept. Every problem is one issue: (row number, column, field, reason); a row with an
issue is invalid and is either skipped or blocks the apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection

from ..feature_layer.exceptions import BadValue
from ..feature_layer.loader import Rows
from ..feature_layer.model import Layer
from ..feature_layer.values import loader
from .geoms import Converter, make_transformer, source_crs
from .plan import GeometrySource, batch_geometries
from .source import Dataset, SourceLayer

BATCH_SIZE = 5000


class Issue(NamedTuple):
    """Why one source row cannot be imported: an item of the session's validation list."""

    row: int  # 1-based, in the source
    column: str | None  # the source column(s) read
    field: str | None  # the field keyname, or "geom"
    reason: str


@dataclass(frozen=True)
class Mapping:
    """``fields``: column -> field keyname; ``geometry``: where geometries come from (None:
    nowhere) with the SRS definition of the coordinates."""

    fields: dict[str, str]
    geometry: GeometrySource | None


def _cell(value: Any) -> Any:
    """A cell as the feature API would receive it in JSON (dt_format=iso)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


class RowChecker:
    def __init__(self, layer: Layer, mapping: Mapping, target_crs: str | None):
        self.layer = layer
        self.mapping = mapping
        self.specs: list[tuple[str, int, str, Callable[[Any], Any]]] = []
        index = {f.keyname: i for i, f in enumerate(layer.fields)}
        for column, keyname in mapping.fields.items():
            fld = layer.fields[index[keyname]]
            self.specs.append((column, index[keyname], keyname, loader(fld.datatype, "iso")))
        self.converter = None
        gsrc = mapping.geometry
        if gsrc is not None and layer.has_geometry:
            self.converter = Converter(layer.geometry_type, layer.srs_id, make_transformer(
                source_crs(gsrc.crs), target_crs))

    @property
    def columns(self) -> list[str]:
        names = list(self.mapping.fields)
        if self.mapping.geometry is not None:
            names += [c for c in self.mapping.geometry.columns if c not in names]
        return names

    def check(self, batch: Any, meta: dict, first_row: int) -> tuple[Rows, list[Issue], int]:
        """-> (valid rows ready for the write path, issues, number of invalid rows)."""
        n = batch.num_rows
        issues: list[Issue] = []
        bad = np.zeros(n, dtype=bool)
        values: list[list[Any]] = [[None] * len(self.layer.fields) for _ in range(n)]
        for column, at, keyname, convert in self.specs:
            for i, cell in enumerate(batch.column(column).to_pylist()):
                cell = _cell(cell)
                if cell is None:
                    continue
                try:
                    values[i][at] = convert(cell)
                except BadValue as exc:
                    bad[i] = True
                    issues.append(Issue(first_row + i, column, keyname, f"{exc}."))
        geoms: list[Any] = [None] * n
        if self.converter is not None:
            parsed, errors = batch_geometries(batch, meta, self.mapping.geometry, False)
            geoms, errors, _skip = self.converter.convert(parsed, errors)
            gcols = ", ".join(self.mapping.geometry.columns) or None
            for i, reason in errors.items():
                bad[i] = True
                issues.append(Issue(first_row + i, gcols, "geom", f"Geometry {reason}."
                               if reason.startswith(("has ", "is ")) else
                               reason[0].upper() + reason[1:] + "."))
        keep = np.flatnonzero(~bad)
        rows = Rows(geoms=[geoms[i] for i in keep], values=[values[i] for i in keep])
        issues.sort(key=lambda issue: issue.row)
        return rows, issues, int(bad.sum())


def batches(dataset: Dataset, layer: SourceLayer, checker: RowChecker
            ) -> Iterator[tuple[Rows, list[Issue], int, int]]:
    """(valid rows, issues, invalid count, rows read so far) per batch of the source."""
    gsrc = checker.mapping.geometry
    read_geometry = gsrc is not None and gsrc.kind == "source"
    done = 0
    with dataset.batches(layer, columns=checker.columns, geometry=read_geometry,
                         batch_size=BATCH_SIZE) as (meta, reader):
        for batch in reader:
            rows, issues, invalid = checker.check(batch, meta, done + 1)
            done += batch.num_rows
            yield rows, issues, invalid, done


def check_all(conn: Connection, dataset: Dataset, layer: SourceLayer, checker: RowChecker
              ) -> tuple[list[Issue], int, int]:
    """Every issue of the source: (issues, invalid rows, rows)."""
    all_issues: list[Issue] = []
    invalid = total = 0
    for _rows, issues, bad, done in batches(dataset, layer, checker):
        all_issues += issues
        invalid += bad
        total = done
    return all_issues, invalid, total
