"""The one whitelist parser from request parameters to a :class:`FeatureQuery` (spec 3.2).

``fld_{keyname}[__{op}]=v``, ``id[__op]=v``, ``like=``/``ilike=``, ``intersects=`` (or a JSON
body on GET), ``filter=<JSON expression>``, ``order_by``, paging and the output options.
Every field name is looked up among the layer's fields and every operator in a fixed table;
values are typed by the field's datatype. Anything else is a 422 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Connection

from ..errors import ValidationError
from ..spatial_ref_sys import service as srs_service
from ..text import find_nul
from . import geometry as geometry_io
from .exceptions import BadValue, FVersioningNotEnabled
from .loader import WriteOptions
from .model import Field, Layer
from .query import Condition, FeatureQuery, Logical, Node
from .values import parse_filter_value

FIELD_OPS = ("eq", "ne", "gt", "lt", "ge", "le", "like", "ilike", "in", "notin", "isnull",
             "startswith")
#: ``filter=`` operators -> (store op, takes a value).
EXPR_OPS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge",
            "in": "in", "!in": "notin", "like": "like", "!like": "notlike",
            "ilike": "ilike", "!ilike": "notilike"}
EXPR_NULL_OPS = {"is_null": True, "!is_null": False, "!has": True, "has": False}
MAX_DEPTH = 32
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
TRUE = ("true", "yes", "1")
FALSE = ("false", "no", "0")


def _invalid(message: str, param: str) -> ValidationError:
    return ValidationError(message, data={"location": ["query", param]})


# -- output and paging options ----------------------------------------------------------------

def _choice(args: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = args.get(name)
    if value in (None, ""):
        return default
    if value.lower() not in choices:
        raise _invalid(f"Invalid value '{value}' of query parameter '{name}'; expected one of "
                       f"{', '.join(choices)}.", name)
    return value.lower()


def flag(args: Mapping[str, str], name: str, default: bool) -> bool:
    value = args.get(name)
    if value in (None, ""):
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise _invalid(f"Invalid boolean value '{value}' of query parameter '{name}'.", name)


def _int(args: Mapping[str, str], name: str) -> int | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        result = int(value)
    except ValueError:
        raise _invalid(f"Invalid integer value '{value}' of query parameter '{name}'.",
                       name) from None
    if result < 0:
        raise _invalid(f"Query parameter '{name}' must not be negative.", name)
    if result > INT8_MAX:  # PostgreSQL's LIMIT and OFFSET are bigint
        raise _invalid(f"Query parameter '{name}' must be at most {INT8_MAX}.", name)
    return result


def _list(args: Mapping[str, str], name: str) -> list[str] | None:
    value = args.get(name)
    if value is None:
        return None
    return [item for item in value.split(",") if item != ""]


def parse_srs(conn: Connection, args: Mapping[str, str], name: str = "srs") -> int | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        srs_id = int(value)
    except ValueError:
        raise _invalid(f"Invalid integer value '{value}' of query parameter '{name}'.",
                       name) from None
    return srs_service.require_srs(conn, srs_id, location=["query", name]).id


def parse_read(conn: Connection, layer: Layer, args: Mapping[str, str],
               body: Any = None) -> FeatureQuery:
    """Filters, order, paging and output options of a feature read."""
    query = parse_filters(conn, layer, args, body)
    query.order_by = _order_by(layer, args.get("order_by"))
    query.limit = _int(args, "limit")
    query.offset = (_int(args, "offset") or 0) if query.limit is not None else 0
    return parse_output(conn, layer, args, query)


def parse_output(conn: Connection, layer: Layer, args: Mapping[str, str],
                 query: FeatureQuery | None = None) -> FeatureQuery:
    """What to return for each feature (also used by the single-feature GET)."""
    if args.get("version") not in (None, ""):
        raise FVersioningNotEnabled(layer.resource_id)
    if query is None:
        query = FeatureQuery(srs_id=parse_srs(conn, args))
    names = _list(args, "fields")
    if names is not None:
        wanted = set(names)
        query.fields = [f for f in layer.fields if f.keyname in wanted]
    query.geom = flag(args, "geom", True)
    query.geom_format = _choice(args, "geom_format", ("wkt", "geojson"), "wkt")
    query.dt_format = _choice(args, "dt_format", ("obj", "iso"), "obj")
    query.bigint_format = _choice(args, "bigint_format", ("compat", "string", "number"),
                                  "compat")
    query.label = flag(args, "label", False)
    query.extensions = _list(args, "extensions")
    return query


def parse_write(conn: Connection, args: Mapping[str, str]) -> WriteOptions:
    """Options of a feature write: input geometry format and SRS, date format, geom_null."""
    return WriteOptions(
        geom_format=_choice(args, "geom_format", ("wkt", "geojson"), "wkt"),
        dt_format=_choice(args, "dt_format", ("obj", "iso"), "obj"),
        srs_id=parse_srs(conn, args), geom_null=flag(args, "geom_null", False))


def parse_filters(conn: Connection, layer: Layer, args: Mapping[str, str],
                  body: Any = None) -> FeatureQuery:
    """Only the feature selection (count, extent, patch-all use this)."""
    query = FeatureQuery(srs_id=parse_srs(conn, args))
    for key in args:
        if key.startswith("fld_"):
            field, op = _field_op(layer, key[4:], key)
        elif key == "id" or key.startswith("id__"):
            field, op = None, ("eq" if key == "id" else key[4:])
            if op not in FIELD_OPS:
                raise _invalid(f"Unknown operator '{op}' in '{key}'.", key)
        else:
            continue
        getlist = getattr(args, "getlist", None)
        for raw in (getlist(key) if getlist else [args[key]]):
            query.conditions.append(Condition(field, op, _typed(field, op, raw, key)))
    for name in ("like", "ilike"):
        if args.get(name) not in (None, ""):
            setattr(query, name, args[name])
    wkt = args.get("intersects")
    if wkt is None and isinstance(body, dict):
        wkt = body.get("intersects")
    if wkt not in (None, ""):
        if not layer.has_geometry:
            raise _invalid("The layer has no geometry; 'intersects' cannot apply.",
                           "intersects")
        query.intersects = geometry_io.parse_filter_geometry(conn, wkt, layer, query.srs_id)
    if args.get("filter") not in (None, ""):
        query.expression = parse_expression(layer, args["filter"])
    return query


def _field_op(layer: Layer, expr: str, param: str) -> tuple[Field, str]:
    """``keyname`` or ``keyname__op``; keynames may themselves contain ``__``."""
    fld = layer.by_keyname.get(expr)
    if fld is not None:
        return fld, "eq"
    head, sep, op = expr.rpartition("__")
    fld = layer.by_keyname.get(head) if sep else None
    if fld is None:
        raise _invalid(f"Unknown field '{head if sep else expr}'.", param)
    if op not in FIELD_OPS:
        raise _invalid(f"Unknown operator '{op}' for field '{head}'.", param)
    return fld, op


def _scalar(field: Field | None, raw: str, param: str) -> Any:
    name = "id" if field is None else field.keyname
    try:
        if field is None:
            value = int(raw)
            if not -INT4_MAX - 1 <= value <= INT4_MAX:  # feature ids are PostgreSQL integers
                raise BadValue(f"value '{raw}' is out of range for a feature id")
            return value
        return parse_filter_value(field.datatype, raw)
    except (BadValue, ValueError) as exc:
        reason = str(exc) if isinstance(exc, BadValue) else f"value '{raw}' is not an integer"
        raise _invalid(f"Invalid filter value for field '{name}' in '{param}': {reason}.",
                       param) from None


def _typed(field: Field | None, op: str, raw: str, param: str) -> Any:
    if op in ("in", "notin"):
        return [_scalar(field, item, param) for item in raw.split(",") if item != ""]
    if op == "isnull":
        low = raw.strip().lower()
        if low not in TRUE + FALSE:
            raise _invalid(f"Invalid value '{raw}' in '{param}': expected yes or no.", param)
        return low in TRUE
    if op in ("like", "ilike", "startswith"):
        return raw
    return _scalar(field, raw, param)


def _order_by(layer: Layer, raw: str | None) -> list[tuple[Field | None, bool]]:
    if raw in (None, ""):
        return []
    result: list[tuple[Field | None, bool]] = []
    for token in raw.split(","):
        token = token.strip()
        if not token:
            continue
        desc = token.startswith("-")
        name = token.lstrip("+-")
        if name == "id":
            result.append((None, desc))
            continue
        fld = layer.by_keyname.get(name)
        if fld is None:
            raise _invalid(f"Unknown field '{name}'.", "order_by")
        result.append((fld, desc))
    return result


# -- filter= JSON expressions --------------------------------------------------------------------

def _expr_error(message: str) -> ValidationError:
    return _invalid(f"Invalid filter expression: {message}", "filter")


def parse_expression(layer: Layer, raw: str | Any) -> Node | None:
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _expr_error("not valid JSON.") from None
        if find_nul(raw) is not None:
            raise _expr_error("text must not contain a NUL character (\\u0000).")
    return _node(layer, raw, 0)


def _node(layer: Layer, expr: Any, depth: int) -> Node | None:
    if depth > MAX_DEPTH:
        raise _expr_error(f"nested deeper than {MAX_DEPTH} levels.")
    if expr == [] or expr == {}:
        return None
    if not isinstance(expr, list) or not isinstance(expr[0], str):
        raise _expr_error(f"expected [operator, ...], got {orjson.dumps(expr).decode()[:80]}.")
    op = expr[0]
    if op in ("all", "any"):
        items = tuple(n for n in (_node(layer, e, depth + 1) for e in expr[1:]) if n is not None)
        return Logical(op, items)
    if op in EXPR_NULL_OPS:
        if len(expr) != 2:
            raise _expr_error(f"'{op}' takes one operand.")
        return Condition(_operand(layer, expr[1]), "isnull", EXPR_NULL_OPS[op])
    if op not in EXPR_OPS:
        raise _expr_error(f"unknown operator '{op}'.")
    if len(expr) != 3:
        raise _expr_error(f"'{op}' takes an operand and a value.")
    field = _operand(layer, expr[1])
    store_op = EXPR_OPS[op]
    value = expr[2]
    if store_op in ("in", "notin"):
        if not isinstance(value, list):
            raise _expr_error(f"'{op}' takes a list of values.")
        return Condition(field, store_op, [_expr_value(field, v, op) for v in value])
    if store_op in ("like", "notlike", "ilike", "notilike"):
        if not isinstance(value, str):
            raise _expr_error(f"'{op}' takes a string pattern.")
        return Condition(field, store_op, value)
    if value is None and store_op in ("eq", "ne"):
        return Condition(field, "isnull", store_op == "eq")
    return Condition(field, store_op, _expr_value(field, value, op))


def _operand(layer: Layer, operand: Any) -> Field | None:
    if operand == ["fid"] or operand == ["id"]:
        return None
    if isinstance(operand, list) and len(operand) == 2 and operand[0] == "get" \
            and isinstance(operand[1], str):
        fld = layer.by_keyname.get(operand[1])
        if fld is None:
            raise _invalid(f"Unknown field '{operand[1]}'.", "filter")
        return fld
    raise _expr_error(f"expected [\"get\", keyname] or [\"fid\"], got "
                      f"{orjson.dumps(operand).decode()[:80]}.")


def _expr_value(field: Field | None, value: Any, op: str) -> Any:
    datatype = "INTEGER" if field is None else field.datatype
    name = "fid" if field is None else field.keyname
    if isinstance(value, str):
        try:
            return parse_filter_value(datatype, value)
        except BadValue as exc:
            raise _expr_error(f"'{op}' on '{name}': {exc}.") from None
    ok = {"INTEGER": (int, float), "BIGINT": (int, float), "REAL": (int, float),
          "BOOLEAN": (bool,), "STRING": (int, float)}.get(datatype, ())
    if isinstance(value, bool) and datatype != "BOOLEAN" or not isinstance(value, ok):
        raise _expr_error(f"'{op}' on '{name}': value {orjson.dumps(value).decode()[:60]} "
                          f"does not fit a {datatype} field.")
    return str(value) if datatype == "STRING" else value
