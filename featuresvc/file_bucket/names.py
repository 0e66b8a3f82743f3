"""File names inside a bucket must be relative and normalized (NGW's validate_filename),
and free of backslashes and control characters."""

from __future__ import annotations

import posixpath

from ..errors import ValidationError

MAX_LENGTH = 255


def check_name(name: object, location: list) -> str:
    if not isinstance(name, str) or not name:
        raise ValidationError("File name must be a non-empty string.",
                              data={"location": location})
    insecure = (
        len(name) > MAX_LENGTH
        or name.startswith("/")
        or "\\" in name
        or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name)
        or posixpath.normpath(name) != name
        or ".." in name.split("/")
    )
    if insecure:
        raise ValidationError("Insecure filename.", data={"location": location, "name": name})
    return name
