"""Request and response helpers shared by every component's API.

Bodies are parsed as JSON whatever the Content-Type says (spec Decision 3), and schema
errors become 422s that name the field path.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import orjson
from flask import Response, current_app, g, request

from .errors import MalformedJSONBody, RequestBodyTooLarge, ValidationError
from .text import find_nul

JSON_MIME = "application/json"


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer with ``Content-Type: application/json`` exactly (Connect needs that)."""
    resp = Response(dumps(obj), status=status, headers=headers)
    resp.headers["Content-Type"] = JSON_MIME
    return resp


def body_too_large(limit: int, length: int | None = None) -> RequestBodyTooLarge:
    size = f" ({length} bytes)" if length is not None else ""
    return RequestBodyTooLarge(limit, f"The request body{size} is larger than the maximum of "
                                      f"{limit} bytes for {request.method} {request.path}.")


def read_body() -> bytes:
    """The whole body (cached), at most the route's limit (see bodylimit): the stream lets
    one byte more through, so a chunked body over the limit shows as longer than it."""
    raw = request.get_data(cache=True)
    limit = g.get("body_limit", current_app.config["FEATURESVC"].max_json_body)
    if limit is not None and len(raw) > limit:
        raise body_too_large(limit)
    return raw


def json_body(*, allow_empty: bool = False, default: Any = None, nul_check: bool = True) -> Any:
    """The request's JSON. ``nul_check=False`` only for bodies whose loader checks every
    string itself and names the item (feature batches: "Feature #3: ...")."""
    raw = read_body()
    if not raw.strip():
        if allow_empty:
            return default
        raise MalformedJSONBody("Request body is empty, a JSON document was expected.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedJSONBody(f"Failed to parse JSON body: {exc}.") from None
    # JSON can only carry NUL as an escape; PostgreSQL stores no NUL in text, so any string or
    # key holding one is refused here for every component (README "Input limits").
    if nul_check and b"\\u0000" in raw:
        path = find_nul(body)
        if path is not None:
            raise ValidationError(f"Text must not contain a NUL character (\\u0000) - at "
                                  f"`{path}`.", data={"location": ["body", path]})
    return body


def refuse_nul_in_query() -> None:
    """No query parameter name or value may hold a NUL (``%00``): no field, filter or name
    can contain one, and PostgreSQL would refuse it deep inside a query."""
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            name = key.replace("\x00", "\\x00")
            raise ValidationError(f"Query parameter '{name}' must not contain a NUL "
                                  "character (%00).", data={"location": ["query", name]})


def _first_error(messages: Any, path: str = "$") -> tuple[str, str]:
    """Walk marshmallow's nested messages to the first leaf: (path, message)."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        step = f"[{key}]" if isinstance(key, int) else f".{key}"
        if key == "_schema":
            step = ""
        return _first_error(value, path + step)
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], path)
    return path, str(messages)


def load(schema: ma.Schema, data: Any, *, partial: bool = False) -> Any:
    try:
        return schema.load(data, partial=partial)
    except ma.ValidationError as exc:
        path, message = _first_error(exc.messages)
        raise ValidationError(
            f"{message.rstrip('.')} - at `{path}`.",
            data={"location": ["body", *path.lstrip("$.").replace("[", ".").replace("]", "")
                               .split(".")]} if path != "$" else {"location": ["body"]},
        ) from None


def parse_body(schema: ma.Schema, **kwargs: Any) -> Any:
    return load(schema, json_body(**{k: v for k, v in kwargs.items() if k != "partial"}),
                partial=kwargs.get("partial", False))


# -- query string typing (spec section 0) ------------------------------------------------------

TRUE = {"true", "yes", "1"}
FALSE = {"false", "no", "0"}


def query_bool(name: str, default: bool = False) -> bool:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    low = value.lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise ValidationError(f"Invalid boolean value '{value}' of query parameter '{name}'.",
                          data={"location": ["query", name]})


def query_int(name: str, default: int | None = None, *, minimum: int | None = None) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        result = int(value)
    except ValueError:
        raise ValidationError(f"Invalid integer value '{value}' of query parameter '{name}'.",
                              data={"location": ["query", name]}) from None
    if minimum is not None and result < minimum:
        raise ValidationError(f"Query parameter '{name}' must be at least {minimum}.",
                              data={"location": ["query", name]})
    return result


def query_list(name: str) -> list[str] | None:
    """Comma-separated list; ``None`` when absent, ``[]`` when empty."""
    value = request.args.get(name)
    if value is None:
        return None
    return [item for item in value.split(",") if item != ""]


def query_int_list(name: str) -> list[int] | None:
    items = query_list(name)
    if items is None:
        return None
    try:
        return [int(i) for i in items]
    except ValueError:
        raise ValidationError(f"Query parameter '{name}' must be a list of integers.",
                              data={"location": ["query", name]}) from None


def query_dict(name: str) -> dict[str, str]:
    """``name[key]=value`` pairs."""
    prefix = name + "["
    return {k[len(prefix):-1]: v for k, v in request.args.items()
            if k.startswith(prefix) and k.endswith("]")}
