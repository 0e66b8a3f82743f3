"""Streaming a planned source layer into a feature layer: read a batch (pyogrio/Arrow),
convert geometries and values, hand typed rows to the one write path (binary COPY).

Memory is bounded by the batch size, whatever the file size. Problems are reported like
NGW: the first ten failing features are listed in one 422 and nothing is written (the
caller's transaction rolls back), unless ``skip_errors`` drops them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from ..errors import ValidationError
from ..feature_layer import write
from ..feature_layer.loader import Rows, gc_paused
from ..feature_layer.model import Layer
from . import columns as column_io
from .geoms import Converter, make_transformer, source_crs
from .options import ImportOptions
from .plan import Plan, batch_geometries
from .source import Dataset

ERROR_LIMIT = 10
BATCH_SIZE = 20000

#: ``progress(features read, total or None)``, called after each batch.
Progress = Callable[[int, int | None], None]


@dataclass
class Result:
    created: int = 0
    skipped: int = 0
    seconds: float = 0.0


class _Run:
    def __init__(self, dataset: Dataset, plan: Plan, layer: Layer, options: ImportOptions,
                 target_crs: str | None, progress: Progress | None):
        self.dataset, self.plan, self.layer, self.options = dataset, plan, layer, options
        self.progress = progress
        self.result = Result()
        self.errors: list[str] = []
        self.read = 0
        self.fields = [(spec, layer.by_keyname[spec.keyname]) for spec in plan.fields]
        self.converter = None
        if plan.geometry_type != "NONE":
            crs = source_crs(plan.geometry.crs)
            self.converter = Converter(
                plan.geometry_type, layer.srs_id, make_transformer(crs, target_crs),
                fix_errors=options.fix_errors,
                skip_other_types=options.skip_other_geometry_types)

    def _columns(self) -> tuple[list[str], bool]:
        gsrc = self.plan.geometry
        names = [spec.source for spec in self.plan.fields]
        names += [self.plan.fid_field] if self.plan.fid_field else []
        names += [c for c in gsrc.columns if c not in names]
        return names, gsrc.kind == "source"

    def rows(self) -> Iterator[Rows]:
        names, read_geometry = self._columns()
        total = self.plan.layer.feature_count if self.plan.layer.feature_count >= 0 else None
        with self.dataset.batches(self.plan.layer, columns=names, geometry=read_geometry,
                                  batch_size=BATCH_SIZE) as (meta, reader):
            for batch in reader:
                rows = self._batch(batch, meta)
                self.read += batch.num_rows
                if self.progress is not None:
                    self.progress(self.read, total)
                if len(self.errors) >= ERROR_LIMIT:
                    break
                if rows is not None and len(rows) and not self.errors:
                    yield rows
                # The collector is paused for speed; a young-generation pass per batch
                # frees the reference cycles batches leave (Arrow/numpy wrappers),
                # so memory stays flat however long the file.
                gc.collect(1)
        if self.errors:
            raise ValidationError(
                f"Vector layer cannot be written due to errors: {self.errors[0]}",
                detail="\n".join(f"* {e}" for e in self.errors),
                data={"errors": self.errors})

    def _batch(self, batch, meta) -> Rows | None:
        errors: dict[int, str] = {}
        n = batch.num_rows
        skip = np.zeros(n, dtype=bool)
        ewkb: list = []
        if self.converter is not None:
            geoms, errors = batch_geometries(batch, meta, self.plan.geometry,
                                             self.options.fix_errors != "NONE")
            ewkb, errors, skip = self.converter.convert(geoms, errors)
        values = [column_io.convert(batch.column(spec.source), fld.datatype, fld.keyname,
                                    errors) for spec, fld in self.fields]
        ids = batch.column(self.plan.fid_field).to_pylist() if self.plan.fid_field else []
        if errors and not self.options.skip_errors:
            for i in sorted(errors)[:ERROR_LIMIT - len(self.errors)]:
                self.errors.append(f"Feature #{self.read + i + 1}{_phrase(errors[i])}.")
            return None
        drop = skip.copy()
        drop[list(errors)] = True
        self.result.skipped += int(drop.sum())
        rows = list(zip(*values, strict=True)) if values else [()] * n
        if drop.any():
            keep = np.flatnonzero(~drop)
            rows = [rows[i] for i in keep]
            ewkb = [ewkb[i] for i in keep] if ewkb else ewkb
            ids = [ids[i] for i in keep] if ids else ids
        return Rows(ids=ids, geoms=ewkb, values=rows)


def _phrase(reason: str) -> str:
    """'has ...' reads after 'Feature #N'; other reasons get a colon."""
    return f" {reason}" if reason.startswith(("has ", "is ")) else f": {reason}"


def run(conn: Connection, dataset: Dataset, plan: Plan, layer: Layer, options: ImportOptions,
        *, target_crs: str | None, progress: Progress | None = None) -> Result:
    started = time.monotonic()
    job = _Run(dataset, plan, layer, options, target_crs, progress)
    with gc_paused():
        job.result.created = write.bulk_create(conn, layer, job.rows(),
                                               ids_given=plan.fid_field is not None)
    job.result.seconds = time.monotonic() - started
    return job.result
