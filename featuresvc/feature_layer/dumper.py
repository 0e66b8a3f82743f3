"""Rows -> NGW feature JSON (spec 3.1), as orjson bytes, chunk by chunk.

The row shape is the one :func:`store.read.select` produces: id, [geometry text], the output
fields, [label field]. Geometry arrives as WKT from ST_AsText or GeoJSON text from
ST_AsGeoJSON (embedded with ``orjson.Fragment``, never re-parsed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from sqlalchemy import Connection

from . import extension
from .loader import gc_paused
from .model import Layer
from .query import FeatureQuery
from .store import read as store
from .values import dumper


class FeatureDumper:
    def __init__(self, layer: Layer, query: FeatureQuery):
        self.layer = layer
        self.query = query
        self.with_geom = query.geom and layer.has_geometry
        self.geom_absent = not query.geom
        self.geojson = query.geom_format == "geojson"
        fields = store.output_fields(layer, query)
        self.keys = [f.keyname for f in fields]
        self.convs = [dumper(f.datatype, query.dt_format, query.bigint_format) for f in fields]
        self.plain = all(c is None for c in self.convs)
        self.offset = 2 if self.with_geom else 1
        self.end = self.offset + len(fields)
        self.label = query.label
        self.label_field = layer.label_field if query.label else None
        self.extensions = extension.select(query.extensions)

    def _fields(self, row: Any) -> dict[str, Any]:
        values = row[self.offset:self.end]
        if self.plain:
            return dict(zip(self.keys, values, strict=True))
        return {k: (v if c is None or v is None else c(v))
                for k, c, v in zip(self.keys, self.convs, values, strict=True)}

    def feature(self, row: Any, ext: dict[str, dict[int, Any]] | None = None) -> dict:
        fid = row[0]
        result: dict[str, Any] = {"id": fid}
        if self.label:
            value = row[self.end] if self.label_field is not None else None
            result["label"] = f"#{fid}" if value is None else str(value)
        if self.with_geom:
            geom = row[1]
            if self.geojson and geom is not None:
                geom = orjson.Fragment(geom)
            result["geom"] = geom
        elif not self.geom_absent:
            result["geom"] = None
        result["fields"] = self._fields(row)
        if self.extensions is not None:
            result["extensions"] = {e.identity: (ext or {}).get(e.identity, {}).get(fid)
                                    for e in self.extensions}
        return result

    def _extension_values(self, conn: Connection | None, rows: list[Any]
                          ) -> dict[str, dict[int, Any]] | None:
        if not self.extensions or conn is None:
            return None
        fids = [r[0] for r in rows]
        return {e.identity: e.read(conn, self.layer, fids) for e in self.extensions}

    def features(self, conn: Connection | None, rows: list[Any]) -> list[dict]:
        ext = self._extension_values(conn, rows)
        return [self.feature(r, ext) for r in rows]

    def json_array(self, chunks: Iterable[list[Any]], conn: Connection | None = None
                   ) -> Iterator[bytes]:
        """A JSON array streamed chunk by chunk: ``[`` + items + ``]``."""
        yield b"["
        first = True
        for rows in chunks:
            with gc_paused():
                body = orjson.dumps(self.features(conn, rows))[1:-1]
            if not body:
                continue
            yield body if first else b"," + body
            first = False
        yield b"]"


class GeoJSONDumper(FeatureDumper):
    """Rows -> a GeoJSON FeatureCollection (``/geojson``): geometry from ST_AsGeoJSON in
    EPSG:4326, fields as ``properties``, the feature id as ``id``."""

    def feature(self, row: Any, ext: dict[str, dict[int, Any]] | None = None) -> dict:
        geom = row[1] if self.with_geom else None
        return {"type": "Feature", "id": row[0],
                "geometry": None if geom is None else orjson.Fragment(geom),
                "properties": self._fields(row)}

    def collection(self, chunks: Iterable[list[Any]]) -> Iterator[bytes]:
        yield b'{"type":"FeatureCollection","features":'
        yield from self.json_array(chunks)
        yield b"}"
