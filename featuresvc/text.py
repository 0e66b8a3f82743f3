"""Limits and character rules for names and texts taken from requests (README "Input limits").

PostgreSQL cannot store NUL in text, and a name longer than a btree index row (~2700 bytes)
fails deep in an INSERT; both used to surface as 500s. Every name and text goes through the
checks below before any work starts, so the caller gets a 422 naming the field and value.

* Names (display names, keynames, attachment and file names, login names) are one line:
  no C0 control characters (U+0000..U+001F) and no DEL, and at most ``NAME_MAX`` characters.
* Multi-line texts (descriptions, feature values, metadata) may hold tabs and newlines but
  no NUL, and descriptions are limited to ``DESCRIPTION_MAX`` characters.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError as MaValidationError
from marshmallow import validate

NAME_MAX = 255
KEYNAME_MAX = 255
DESCRIPTION_MAX = 65536
MIME_MAX = 255

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
# RFC 9110 media-type: type "/" subtype *( OWS ";" OWS parameter ), parameter values a token
# or a quoted string of printable characters.
_QUOTED = r'"(?:[^"\\\x00-\x1f\x7f]|\\[^\x00-\x1f\x7f])*"'
_MIME = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))*")


def excerpt(value: Any, limit: int = 60) -> str:
    """``value`` quoted for an error message (control characters escaped), cut when long."""
    text = value if isinstance(value, str) else str(value)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


def name_problem(value: str, limit: int = NAME_MAX) -> str | None:
    """Why ``value`` cannot be a name, or None."""
    if len(value) > limit:
        return f"{excerpt(value)} is {len(value)} characters long; at most {limit} are allowed"
    found = _CONTROL.search(value)
    if found:
        return (f"{excerpt(value)} contains the control character U+{ord(found.group()):04X}, "
                "not allowed in a name")
    return None


def text_problem(value: str, limit: int | None = DESCRIPTION_MAX) -> str | None:
    """Why ``value`` cannot be a (multi-line) text, or None."""
    if limit is not None and len(value) > limit:
        return f"{excerpt(value)} is {len(value)} characters long; at most {limit} are allowed"
    if "\x00" in value:
        return f"{excerpt(value)} contains a NUL character (U+0000), which cannot be stored"
    return None


def mime_problem(value: str) -> str | None:
    """Why ``value`` is not a ``type/subtype[; name=value]*`` media type, or None: a stored
    type is sent back as ``Content-Type``, so CR/LF or other junk must never get in."""
    if len(value) > MIME_MAX:
        return f"{excerpt(value)} is {len(value)} characters long; at most {MIME_MAX} are allowed"
    if not _MIME.fullmatch(value):
        return f"{excerpt(value)} is not a media type of the form type/subtype[; name=value]"
    return None


class Name(validate.Validator):
    """Marshmallow validator for names: length limit and no control characters."""

    def __init__(self, limit: int = NAME_MAX, *, min_length: int = 0) -> None:
        self.limit, self.min_length = limit, min_length

    def __call__(self, value: str) -> str:
        if len(value) < self.min_length:
            raise MaValidationError(f"Shorter than minimum length {self.min_length}.")
        problem = name_problem(value, self.limit)
        if problem:
            raise MaValidationError(f"Value {problem}.")
        return value


class Text(validate.Validator):
    """Marshmallow validator for multi-line texts: length limit and no NUL."""

    def __init__(self, limit: int | None = DESCRIPTION_MAX) -> None:
        self.limit = limit

    def __call__(self, value: str) -> str:
        problem = text_problem(value, self.limit)
        if problem:
            raise MaValidationError(f"Value {problem}.")
        return value


def find_nul(value: Any) -> str | None:
    """The path of the first string or key holding a NUL in parsed JSON, or None.
    Iterative: a body may nest as deep as the JSON parser allows."""
    stack: list[tuple[Any, str]] = [(value, "$")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path
        elif isinstance(item, dict):
            for key in item:
                if isinstance(key, str) and "\x00" in key:
                    return f"{path}.{excerpt(key)}"
            stack.extend((v, f"{path}.{k}") for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(item))))
    return None
