"""What other components call: load a file into a layer, inspect a file.

The vector_layer section calls :func:`load` for ``vector_layer.source`` (create, or PUT that
replaces schema and data) and the CLI calls it with a :class:`LocalSource`; both run in the
caller's transaction, so a failed load leaves nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection

from ..feature_layer.model import Field, Layer
from ..file_upload import get_finished, open_upload
from ..spatial_ref_sys import service as srs_service
from . import loader
from .columns import datatype_of
from .options import parse
from .plan import geometry_source, make_plan
from .source import Dataset, open_dataset


@dataclass(frozen=True)
class LocalSource:
    """A file on the server's own disk (the ``featuresvc import`` command). It cannot come
    from a JSON body, so HTTP clients can only name uploads."""

    path: str
    progress: loader.Progress | None = None


class Target(Protocol):
    """The layer being (re)built: its class creates the storage, the loader fills it."""

    def prepare(self, conn: Connection, geometry_type: str, fields: list[Field]) -> Layer:
        """Create the (empty) table with this geometry type and these fields."""

    def finish(self, conn: Connection, layer: Layer) -> None:
        """After the rows are in: build indexes, refresh statistics."""


@contextmanager
def open_source(conn: Connection, source: Any) -> Iterator[Dataset]:
    """A LocalSource, or an upload meta / id (422 if unknown or unfinished)."""
    if isinstance(source, LocalSource):
        with open_dataset(source.path, os.path.basename(source.path)) as dataset:
            yield dataset
        return
    upload = get_finished(conn, source)
    # The open file keeps the bytes readable even if the upload expires meanwhile.
    with open_upload(upload) as handle, open_dataset(handle.name, upload.name) as dataset:
        yield dataset


def target_crs(conn: Connection, srs_id: int | None) -> str | None:
    if srs_id is None:
        return None
    srs = srs_service.get_srs(conn, srs_id)
    if srs.auth_name == "EPSG" and srs.auth_srid:
        return f"EPSG:{srs.auth_srid}"
    return srs.wkt


def load(conn: Connection, source: Any, data: dict, target: Target) -> loader.Result:
    """Load ``source`` with the options in ``data`` (the section's keys) into ``target``,
    reprojecting to the coordinate system of the layer the target prepares."""
    options = parse(data)
    progress = source.progress if isinstance(source, LocalSource) else None
    with open_source(conn, source) as dataset:
        src_layer = dataset.pick_layer(options.source_layer)
        plan = make_plan(dataset, src_layer, options)
        fields = [Field(id=0, keyname=f.keyname, display_name=f.keyname, datatype=f.datatype,
                        position=i) for i, f in enumerate(plan.fields)]
        layer = target.prepare(conn, plan.geometry_type, fields)
        result = loader.run(conn, dataset, plan, layer, options,
                            target_crs=target_crs(conn, layer.srs_id), progress=progress)
        target.finish(conn, layer)
    return result


def inspect(conn: Connection, source: Any) -> dict[str, Any]:
    """``vector_layer/inspect``: NGW's ``layers`` (names) plus what each layer holds."""
    with open_source(conn, source) as dataset:
        details = []
        for name in dataset.layer_names():
            info = dataset.layer(name, count=True)
            gsrc = geometry_source(info)
            details.append({
                "name": name, "driver": info.driver,
                "geometry_type": info.geometry_type, "geometry_source": gsrc.kind,
                "feature_count": info.feature_count if info.feature_count >= 0 else None,
                "srs": info.crs,
                "fields": [{"name": f.name, "datatype": datatype_of(f.ogr_type, f.ogr_subtype),
                            "ogr_type": f.ogr_type} for f in info.fields],
            })
    return {"layers": [d["name"] for d in details], "details": details}
