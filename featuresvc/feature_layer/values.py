"""Field value encoding (spec 3.1): JSON in -> Python values for the database, and back.

Input converters raise :class:`BadValue` with the reason; the loader adds which feature and
field. They run once per value in batches, so the common case (the right JSON type) is a
type check and a return.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from .exceptions import BadValue

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
MAX_SAFE_INT = 2**53 - 1


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def _int_loader(bounds: tuple[int, int], name: str) -> Callable[[Any], int]:
    low, high = bounds

    def load(value: Any) -> int:
        if type(value) is int:
            result = value
        elif isinstance(value, bool):
            result = int(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise BadValue(f"value {_show(value)} is not an integer")
            result = round(value)
        elif isinstance(value, str):
            text = value.strip()
            try:
                result = int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    raise BadValue(f"value {_show(value)} is not an integer") from None
                if not math.isfinite(number):
                    raise BadValue(f"value {_show(value)} is not an integer") from None
                result = round(number)
        else:
            raise BadValue(f"value {_show(value)} is not an integer")
        if not low <= result <= high:
            raise BadValue(f"value {_show(value)} is out of range for {name}")
        return result

    return load


def load_real(value: Any) -> float:
    if type(value) is float:
        return value
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise BadValue(f"value {_show(value)} is not a number") from None
    else:
        raise BadValue(f"value {_show(value)} is not a number")
    if not math.isfinite(result):
        raise BadValue(f"value {_show(value)} is not a finite number")
    return result


def load_string(value: Any) -> str:
    if type(value) is str:
        if "\x00" in value:
            raise BadValue("value contains a NUL character")
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise BadValue(f"value {_show(value)} is not a string")


_TRUE = {"true": True, "1": True, "false": False, "0": False}


def load_boolean(value: Any) -> bool:
    if type(value) is bool:
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return _TRUE[value.strip().lower()]
    raise BadValue(f"value {_show(value)} is not a boolean")


def _obj_int(value: dict, key: str, what: str) -> int:
    part = value.get(key)
    if type(part) is not int:
        raise BadValue(f"value {_show(value)} is not a {what} object: '{key}' must be an "
                       "integer")
    return part


_LEGACY = ("(dt_format=obj, the legacy format; send dt_format=iso for ISO 8601 strings)")


def _require_obj(value: Any, what: str, keys: str) -> dict:
    if not isinstance(value, dict):
        raise BadValue(f"value {_show(value)} is not a {what} object {{{keys}}} {_LEGACY}")
    return value


def load_date_obj(value: Any) -> date:
    try:  # fast path: GDAL and most clients send exactly this
        return date(value["year"], value["month"], value["day"])
    except (TypeError, KeyError, ValueError, IndexError):
        pass
    obj = _require_obj(value, "date", "year, month, day")
    parts = [_obj_int(obj, k, "date") for k in ("year", "month", "day")]
    try:
        return date(*parts)
    except ValueError as exc:
        raise BadValue(f"value {_show(value)} is not a valid date: {exc}") from None


def load_time_obj(value: Any) -> time:
    try:
        return time(value["hour"], value["minute"], value["second"])
    except (TypeError, KeyError, ValueError, IndexError):
        pass
    obj = _require_obj(value, "time", "hour, minute, second")
    parts = [_obj_int(obj, k, "time") for k in ("hour", "minute", "second")]
    try:
        return time(*parts)
    except ValueError as exc:
        raise BadValue(f"value {_show(value)} is not a valid time: {exc}") from None


def load_datetime_obj(value: Any) -> datetime:
    try:
        return datetime(value["year"], value["month"], value["day"], value["hour"],
                        value["minute"], value["second"])
    except (TypeError, KeyError, ValueError, IndexError):
        pass
    obj = _require_obj(value, "datetime", "year, month, day, hour, minute, second")
    parts = [_obj_int(obj, k, "datetime") for k in
             ("year", "month", "day", "hour", "minute", "second")]
    try:
        return datetime(*parts)
    except ValueError as exc:
        raise BadValue(f"value {_show(value)} is not a valid datetime: {exc}") from None


def _iso(parse: Callable[[str], Any], what: str, example: str) -> Callable[[Any], Any]:
    def load(value: Any) -> Any:
        if not isinstance(value, str):
            raise BadValue(f"value {_show(value)} is not an ISO 8601 {what} string "
                           f"(dt_format=iso, e.g. '{example}')")
        try:
            result = parse(value.strip())
        except ValueError:
            raise BadValue(f"value {_show(value)} is not an ISO 8601 {what} "
                           f"(e.g. '{example}')") from None
        if getattr(result, "tzinfo", None) is not None:
            raise BadValue(f"value {_show(value)} has a time zone; {what} values are naive")
        if isinstance(result, datetime | time):
            result = result.replace(microsecond=0)
        return result
    return load


def _parse_date(text: str) -> date:
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


LOADERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "obj": {"DATE": load_date_obj, "TIME": load_time_obj, "DATETIME": load_datetime_obj},
    "iso": {"DATE": _iso(_parse_date, "date", "2024-05-01"),
            "TIME": _iso(time.fromisoformat, "time", "13:05:00"),
            "DATETIME": _iso(datetime.fromisoformat, "datetime", "2024-05-01T13:05:00")},
}
_COMMON = {"INTEGER": _int_loader(INT32, "INTEGER"), "BIGINT": _int_loader(INT64, "BIGINT"),
           "REAL": load_real, "STRING": load_string, "BOOLEAN": load_boolean}


def loader(datatype: str, dt_format: str) -> Callable[[Any], Any]:
    return _COMMON.get(datatype) or LOADERS[dt_format][datatype]


# -- output ----------------------------------------------------------------------------------

def _date_obj(v: date) -> dict:
    return {"year": v.year, "month": v.month, "day": v.day}


def _time_obj(v: time) -> dict:
    return {"hour": v.hour, "minute": v.minute, "second": v.second}


def _datetime_obj(v: datetime) -> dict:
    return {"year": v.year, "month": v.month, "day": v.day, "hour": v.hour,
            "minute": v.minute, "second": v.second}


def _bigint_compat(v: int) -> int | str:
    return v if -MAX_SAFE_INT <= v <= MAX_SAFE_INT else str(v)


def dumper(datatype: str, dt_format: str, bigint_format: str) -> Callable[[Any], Any] | None:
    """Converter for non-null values of a column, or None when the value is already the
    JSON value (orjson writes date/time/datetime as ISO 8601, which is dt_format=iso)."""
    if dt_format == "obj":
        obj = {"DATE": _date_obj, "TIME": _time_obj, "DATETIME": _datetime_obj}
        if datatype in obj:
            return obj[datatype]
    if datatype == "BIGINT":
        return {"compat": _bigint_compat, "string": str, "number": None}[bigint_format]
    return None


# -- filter values (query strings) -------------------------------------------------------------

def parse_filter_value(datatype: str, raw: str) -> Any:
    """A filter value typed by the field; GDAL sends floats like ``1.500000``."""
    if datatype in ("INTEGER", "BIGINT"):
        try:
            value = int(raw)
        except ValueError:
            pass
        else:
            if not -2**63 <= value < 2**63:  # no column holds it; PostgreSQL would refuse it
                raise BadValue(f"value {_show(raw)} is out of range for {datatype}")
            return value
        try:
            number = float(raw)
        except ValueError:
            raise BadValue(f"value {_show(raw)} is not a number") from None
        if not math.isfinite(number):
            raise BadValue(f"value {_show(raw)} is not a finite number")
        return number
    if datatype == "REAL":
        return load_real(raw)
    if datatype == "BOOLEAN":
        low = raw.strip().lower()
        if low in ("yes", "no"):
            return low == "yes"
        return load_boolean(raw)
    if datatype in ("DATE", "TIME", "DATETIME"):
        return LOADERS["iso"][datatype](raw)
    return load_string(raw)
