"""``GET /api/resource/search/`` (spec section 1.4): query parameters through a whitelist into
the store's search filters; readability, order and paging applied to what it finds."""

from __future__ import annotations

from typing import Any

import orjson
from werkzeug.datastructures import MultiDict

from ..errors import ValidationError
from ..http import FALSE, TRUE
from . import store
from .acl import READ
from .documents import documents
from .sections import Context
from .store import ColumnFilter, ResmetaFilter, SearchFilter, SubtreeFilter

# filter name -> (column, kind); aliases map deprecated names onto these.
_SCALAR = {"id": ("id", int), "cls": ("cls", str), "parent": ("parent_id", int),
           "keyname": ("keyname", str), "display_name": ("display_name", str),
           "owner_user": ("owner_user_id", int)}
_ALIASES = {"parent_id": "parent", "owner_user_id": "owner_user"}
_ORDER = {"name": "display_name", "type": "cls", "owner": "owner_user_id",
          "created": "creation_date"}
_PAGING = ("limit", "offset", "order", "breadcrumb")
MAX_PAGING = 2**31 - 1


def _bad(name: str, message: str) -> ValidationError:
    return ValidationError(message, data={"location": ["query", name]})


def _typed(name: str, value: str, kind: type) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise _bad(name, f"Invalid value '{value}' of query parameter '{name}'.") from None


def _boolean(value: str) -> bool:
    if value.lower() in TRUE | FALSE:
        return value.lower() in TRUE
    raise ValueError(value)


def _resmeta_filters(args: MultiDict) -> list[SearchFilter]:
    found: list[SearchFilter] = []
    for key, value in args.items(multi=True):
        if not key.startswith("resmeta__") or "[" not in key or not key.endswith("]"):
            continue
        op, _, meta_key = key[len("resmeta__"):-1].partition("[")
        if op == "has":
            truth = _typed(key, value, _boolean)
            found.append(ResmetaFilter(meta_key, "has" if truth else "lacks"))
        elif op == "json":
            try:
                literal = orjson.loads(value)
            except orjson.JSONDecodeError:
                raise _bad(key, f"Query parameter '{key}' must be a JSON literal.") from None
            found.append(ResmetaFilter(meta_key, "json", orjson.dumps(literal).decode()))
        elif op in ("like", "ilike"):
            found.append(ResmetaFilter(meta_key, op, value))
        else:
            raise _bad(key, f"Unknown resmeta filter '{op}'.")
    return found


def _filters(args: MultiDict) -> list[SearchFilter]:
    found: list[SearchFilter] = []
    for raw_name, value in args.items(multi=True):
        name = raw_name[:-4] if raw_name.endswith("__eq") else raw_name
        field, _, op = name.partition("__")
        field = _ALIASES.get(field, field)
        if field == "root" or (field == "parent" and op == "recursive"):
            found.append(SubtreeFilter(_typed(raw_name, value, int)))
            continue
        if field not in _SCALAR:
            continue  # unknown parameters are ignored (spec section 0)
        column, kind = _SCALAR[field]
        if op == "":
            found.append(ColumnFilter(column, "eq", _typed(raw_name, value, kind)))
        elif op == "in":
            items = [_typed(raw_name, v, kind) for v in value.split(",") if v != ""]
            found.append(ColumnFilter(column, "in", items))
        elif op in ("like", "ilike") and kind is str:  # NGW also has cls__like, keyname__like
            found.append(ColumnFilter(column, op, value))
        else:
            raise _bad(raw_name, f"Unknown search filter '{raw_name}'.")
    return found + _resmeta_filters(args)


def _default_serialization(args: MultiDict) -> str:
    """``resource`` (spec 1.4), except for ``cls=lookup_table``: GDAL >= 3.11 lists lookup
    tables with exactly that query and reads ``lookup_table.items`` from the answer without
    asking for ``serialization=full`` (observed with GDAL 3.12.4)."""
    return "full" if args.get("cls") == "lookup_table" else "resource"


def run(ctx: Context, args: MultiDict) -> Any:
    serialization = args.get("serialization") or _default_serialization(args)
    if serialization not in ("resource", "full"):
        raise _bad("serialization", "Query parameter 'serialization' must be resource or full.")
    found = store.search(ctx.conn, _filters(args))
    readable = ctx.resolver.readable(r.id for r in found)
    found = [r for r in found if r.id in readable]
    if not any(p in args for p in _PAGING):
        return documents(ctx, found, full=serialization == "full")

    tokens = [t for t in args.get("order", "name").split(",") if t]
    for token in reversed(tokens):
        field = token.lstrip("-")
        if field not in _ORDER:
            raise _bad("order", f"Invalid order token '{token}'.")
        found.sort(key=lambda r, f=_ORDER[field]: (getattr(r, f) is None, getattr(r, f)),
                   reverse=token.startswith("-"))
    limit = _typed("limit", args["limit"], int) if args.get("limit") else None
    offset = _typed("offset", args.get("offset") or "0", int)
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and not 0 <= value <= MAX_PAGING:
            raise _bad(name, f"Query parameter '{name}' must be between 0 and {MAX_PAGING}.")
    page = found[offset:offset + limit if limit is not None else None]
    result: dict[str, Any] = {
        "items": documents(ctx, page, full=serialization == "full"),
        "total_count": len(found), "limit": limit, "offset": offset, "order": tokens,
    }
    if args.get("breadcrumb", "").lower() in ("true", "yes", "1"):
        result["breadcrumb"] = {str(r.id): _breadcrumb(ctx, r.id) for r in page}
    return result


def _breadcrumb(ctx: Context, resource_id: int) -> list[dict[str, Any]]:
    chain = ctx.resolver.chain(ctx.resolver.nodes[resource_id])[:-1]
    names = {r.id: r.display_name for r in store.get_many(ctx.conn, [n.id for n in chain])}
    perms = ctx.resolver.permissions_many(n.id for n in chain)
    return [{"id": n.id, "display_name": names[n.id]} for n in chain if READ in perms[n.id]]
