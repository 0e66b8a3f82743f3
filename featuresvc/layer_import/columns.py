"""Attribute columns of a batch (pyarrow) -> Python values of the layer's datatypes.

Whole columns are converted at once (pyarrow's ``to_pylist``); only the values that need
care (datetimes GDAL hands over as text, list types, NUL characters) run per value.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

Errors = dict[int, str]

#: OGR field types -> layer datatypes (spec 2.1); lists are kept as JSON text.
OGR_DATATYPES = {
    "OFTInteger": "INTEGER", "OFTInteger64": "BIGINT", "OFTReal": "REAL",
    "OFTString": "STRING", "OFTWideString": "STRING", "OFTDate": "DATE", "OFTTime": "TIME",
    "OFTDateTime": "DATETIME", "OFTIntegerList": "STRING", "OFTInteger64List": "STRING",
    "OFTRealList": "STRING", "OFTStringList": "STRING", "OFTWideStringList": "STRING",
}


def datatype_of(ogr_type: str, ogr_subtype: str) -> str | None:
    """The layer datatype of an OGR field, None when it has none (binary)."""
    if ogr_type == "OFTInteger" and ogr_subtype == "OFSTBoolean":
        return "BOOLEAN"
    return OGR_DATATYPES.get(ogr_type)


def _parse_datetime(text: str) -> datetime:
    """GDAL's text forms (ISO 8601, ``YYYY/MM/DD HH:MM:SS``, with or without a time zone):
    the wall-clock value is kept, as NGW stores it."""
    value = text.strip().replace("/", "-")
    if len(value) == 10:
        return datetime.fromisoformat(value)
    if value.endswith("Z"):
        value = value[:-1]
    parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    return parsed.replace(tzinfo=None, microsecond=0)


def _parse_date(text: str) -> date:
    return _parse_datetime(text).date()


def _parse_time(text: str) -> time:
    return time.fromisoformat(text.strip()).replace(tzinfo=None, microsecond=0)


_PARSERS = {"DATETIME": _parse_datetime, "DATE": _parse_date, "TIME": _parse_time}
_TYPES = {"DATETIME": datetime, "DATE": date, "TIME": time}


def _temporal(items: list[Any], datatype: str, label: str, errors: Errors) -> list[Any]:
    parse, kind = _PARSERS[datatype], _TYPES[datatype]
    for i, item in enumerate(items):
        if item is None or type(item) is kind:
            continue
        if datatype == "DATE" and isinstance(item, datetime):
            items[i] = item.date()
            continue
        if isinstance(item, datetime | time):
            items[i] = item.replace(tzinfo=None, microsecond=0)
            continue
        try:
            items[i] = parse(str(item)) if str(item).strip() else None
        except ValueError:
            items[i] = None
            errors.setdefault(i, f"field '{label}': value {str(item)[:40]!r} is not a valid "
                                 f"{datatype.lower()}")
    return items


def convert(column: pa.Array | pa.ChunkedArray, datatype: str, label: str,
            errors: Errors) -> list[Any]:
    """One column as a list of values for the layer's ``datatype``; bad cells -> errors."""
    if datatype in _PARSERS:
        return _temporal(column.to_pylist(), datatype, label, errors)
    if datatype == "STRING":
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            return [None if v is None else orjson.dumps(v).decode()
                    for v in column.to_pylist()]
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            column = pc.cast(column, pa.string())
        if pc.any(pc.match_substring(column, "\x00")).as_py():
            return [None if v is None else v.replace("\x00", "") for v in column.to_pylist()]
        return column.to_pylist()
    if datatype == "REAL":
        items = column.to_pylist()
        if pc.any(pc.invert(pc.is_finite(pc.cast(column, pa.float64())))).as_py():
            return [v if v is None or math.isfinite(v) else None for v in items]
        return items
    if datatype == "BOOLEAN" and not pa.types.is_boolean(column.type):
        return [None if v is None else bool(v) for v in column.to_pylist()]
    return column.to_pylist()
