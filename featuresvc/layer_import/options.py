"""The write-only keys of the ``vector_layer`` section that control a load from a file
(spec 2.1), validated into one :class:`ImportOptions` (422 naming the key on a bad value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError

FIX_ERRORS = ("NONE", "SAFE", "LOSSY")
FID_SOURCES = ("AUTO", "SEQUENCE", "FIELD")
CAST_TYPES = ("POINT", "LINESTRING", "POLYGON")
#: Keys :func:`parse` reads (besides ``source`` and ``srs``, which the section handles).
KEYS = ("source_layer", "fix_errors", "skip_errors", "skip_other_geometry_types",
        "cast_geometry_type", "cast_is_multi", "cast_has_z", "fid_source", "fid_field")


@dataclass(frozen=True)
class ImportOptions:
    source_layer: str | None = None
    fix_errors: str = "NONE"
    skip_errors: bool = False
    skip_other_geometry_types: bool = False
    cast_geometry_type: str | None = None
    cast_is_multi: bool | None = None
    cast_has_z: bool | None = None
    fid_source: str = "SEQUENCE"
    fid_field: tuple[str, ...] = field(default_factory=tuple)


def _fail(key: str, message: str) -> ValidationError:
    return ValidationError(f"{message} - at `$.vector_layer.{key}`.",
                           data={"location": ["body", "vector_layer", key]})


def _enum(data: dict, key: str, allowed: tuple[str, ...], default: Any) -> Any:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or value.upper() not in allowed:
        raise _fail(key, f"Unknown '{key}' value {value!r}; expected one of "
                         f"{', '.join(allowed)}")
    return value.upper()


def _toggle(data: dict, key: str, *, nullable: bool) -> bool | None:
    value = data.get(key)
    if value is None:
        return None if nullable else False
    if not isinstance(value, bool):
        raise _fail(key, f"Unknown '{key}' value {value!r}; expected true, false"
                         + (" or null" if nullable else ""))
    return value


def _fid_field(data: dict) -> tuple[str, ...]:
    value = data.get("fid_field")
    if value is None:
        return ()
    if isinstance(value, str):
        # split + strip, not re.split(r"\s*,\s*"): that backtracks quadratically on a
        # long run of spaces without a comma.
        return tuple(v for v in (part.strip() for part in value.split(",")) if v)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v)
    raise _fail("fid_field", "Expected a comma-separated string or a list of field names")


def parse(data: dict) -> ImportOptions:
    layer = data.get("source_layer")
    if layer is not None and not isinstance(layer, str):
        raise _fail("source_layer", "Expected a layer name")
    options = ImportOptions(
        source_layer=layer,
        fix_errors=_enum(data, "fix_errors", FIX_ERRORS, "NONE"),
        skip_errors=bool(_toggle(data, "skip_errors", nullable=False)),
        skip_other_geometry_types=bool(_toggle(data, "skip_other_geometry_types",
                                               nullable=False)),
        cast_geometry_type=_enum(data, "cast_geometry_type", CAST_TYPES, None),
        cast_is_multi=_toggle(data, "cast_is_multi", nullable=True),
        cast_has_z=_toggle(data, "cast_has_z", nullable=True),
        fid_source=_enum(data, "fid_source", FID_SOURCES, "SEQUENCE"),
        fid_field=_fid_field(data),
    )
    if options.skip_other_geometry_types and options.cast_geometry_type is None:
        raise _fail("cast_geometry_type", "Parameter 'cast_geometry_type' is required with "
                                          "'skip_other_geometry_types=true'")
    return options
