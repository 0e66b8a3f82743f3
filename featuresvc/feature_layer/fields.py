"""Field changes (spec 2.3), as a pure plan: validate the items, compute the new ordered list.

Two request forms lead here: ``feature_layer.fields`` (items with ``id`` update or delete,
items without create) and the older ``vector_layer.fields`` that GDAL <= 3.10 sends on every
PUT (no ids: items are matched to existing fields by keyname).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import ValidationError
from ..text import KEYNAME_MAX, NAME_MAX, name_problem
from .layers import FieldPlan
from .model import DATATYPES, FORBIDDEN_KEYNAMES, Field

_BOOL_ATTRS = ("grid_visibility", "text_search", "required")


def _fail(message: str, loc: str) -> ValidationError:
    return ValidationError(f"{message} - at `{loc}`.")


def _str_attr(item: dict, key: str, loc: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail("Expected a non-empty string", f"{loc}.{key}")
    problem = name_problem(value, KEYNAME_MAX if key == "keyname" else NAME_MAX)
    if problem:
        raise _fail(f"Field {key} {problem}", f"{loc}.{key}")
    return value


def _bool_attr(item: dict, key: str, loc: str) -> bool:
    value = item[key]
    if not isinstance(value, bool):
        raise _fail("Expected a boolean", f"{loc}.{key}")
    return value


def _lookup_attr(item: dict, loc: str, check_lookup: Callable[[int], None]) -> int | None:
    value = item["lookup_table"]
    if value is None:
        return None
    ref = value.get("id") if isinstance(value, dict) else None
    if not isinstance(ref, int) or isinstance(ref, bool):
        raise _fail("Expected an object with an integer 'id' or null", f"{loc}.lookup_table")
    check_lookup(ref)
    return ref


def _apply_attrs(fld: Field, item: dict, loc: str,
                 check_lookup: Callable[[int], None]) -> Field:
    changes: dict[str, Any] = {}
    keyname = _str_attr(item, "keyname", loc)
    if keyname is not None:
        changes["keyname"] = keyname
    if "display_name" in item:
        changes["display_name"] = _str_attr(item, "display_name", loc) \
            or changes.get("keyname", fld.keyname)
    for key in _BOOL_ATTRS:
        if key in item and item[key] is not None:
            changes[key] = _bool_attr(item, key, loc)
    if "lookup_table" in item:
        changes["lookup_table_id"] = _lookup_attr(item, loc, check_lookup)
    return replace(fld, **changes)


def _new_field(item: dict, loc: str) -> Field:
    datatype = item.get("datatype")
    if datatype is None:
        raise _fail("Missing required field", f"{loc}.datatype")
    if datatype not in DATATYPES:
        raise _fail(f"Unsupported datatype '{datatype}'; expected one of "
                    f"{', '.join(DATATYPES)}", f"{loc}.datatype")
    keyname = _str_attr(item, "keyname", loc)
    if keyname is None:
        raise _fail("Missing required field", f"{loc}.keyname")
    return Field(id=0, keyname=keyname, display_name=keyname, datatype=datatype)


def _order(existing: list[Field], listed: list[tuple[int | None, Field | None]]) -> list[Field]:
    """Listed items in the order given; unlisted fields keep their place relative to the
    listed ones before them; those before the first listed stay in front, those after the
    last listed go to the end."""
    listed_ids = {fid for fid, _ in listed if fid is not None}
    front: list[Field] = []
    followers: dict[int, list[Field]] = {}
    anchor: int | None = None
    for fld in existing:
        if fld.id in listed_ids:
            anchor = fld.id
            followers[anchor] = []
        elif anchor is None:
            front.append(fld)
        else:
            followers[anchor].append(fld)
    tail = followers.pop(anchor, []) if anchor is not None else []
    result = list(front)
    for fid, fld in listed:
        if fld is not None:
            result.append(fld)
        if fid is not None:
            result.extend(followers.get(fid, []))
    return result + tail


def _label(fields: list[Field], label_id: object) -> list[Field]:
    if label_id is _UNCHANGED:
        return fields
    return [replace(f, label_field=(f is label_id)) for f in fields]


_UNCHANGED = object()


def plan(existing: list[Field], items: Any, *, location: str,
         check_lookup: Callable[[int], None]) -> FieldPlan:
    """Validate ``feature_layer.fields`` items against ``existing``; the new list in order."""
    if not isinstance(items, list):
        raise _fail("Expected an array", location)
    by_id = {f.id: f for f in existing}
    listed: list[tuple[int | None, Field | None]] = []
    deleted: list[int] = []
    label: object = _UNCHANGED
    for index, item in enumerate(items):
        loc = f"{location}[{index}]"
        if not isinstance(item, dict):
            raise _fail("Expected an object", loc)
        fid = item.get("id")
        if fid is not None:
            if not isinstance(fid, int) or isinstance(fid, bool) or fid not in by_id \
                    or any(fid == seen for seen, _ in listed):
                raise ValidationError(f"Field not found (ID={fid}).")
            old = by_id[fid]
            if item.get("delete") is True:
                listed.append((fid, None))
                deleted.append(fid)
                if old.label_field and label is _UNCHANGED:
                    label = None
                continue
            if item.get("datatype") not in (None, old.datatype):
                raise _fail(f"Field datatype cannot be changed ({old.datatype} to "
                            f"{item['datatype']})", f"{loc}.datatype")
            fld = _apply_attrs(old, item, loc, check_lookup)
        elif item.get("delete") is True:
            continue
        else:
            fld = _apply_attrs(_new_field(item, loc), item, loc, check_lookup)
        if "label_field" in item and item["label_field"] is not None:
            if _bool_attr(item, "label_field", loc):
                label = fld
            elif fld.label_field and (label is _UNCHANGED or label is None):
                label = None
        listed.append((fid, fld))
    ordered = _order(existing, listed)
    if label is not _UNCHANGED:
        ordered = _label(ordered, label)
    result = [replace(f, position=i) for i, f in enumerate(ordered)]
    check_unique(result)
    return FieldPlan(fields=result, deleted=deleted)


def plan_by_keyname(existing: list[Field], items: Any, *, location: str,
                    check_lookup: Callable[[int], None]) -> FieldPlan:
    """The older form (``vector_layer.fields``, no ids): match existing fields by keyname."""
    if not isinstance(items, list):
        raise _fail("Expected an array", location)
    by_keyname = {f.keyname: f for f in existing}
    converted = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _fail("Expected an object", f"{location}[{index}]")
        match = by_keyname.get(item.get("keyname"))
        converted.append({**item, "id": match.id} if match is not None else
                         {k: v for k, v in item.items() if k != "id"})
    return plan(existing, converted, location=location, check_lookup=check_lookup)


def check_unique(fields: list[Field]) -> None:
    keynames: set[str] = set()
    display_names: set[str] = set()
    for fld in fields:
        if fld.keyname.lower() in FORBIDDEN_KEYNAMES:
            raise ValidationError(f"Field keyname '{fld.keyname}' is reserved.")
        if fld.keyname in keynames:
            raise ValidationError(f"Field keyname ({fld.keyname}) is not unique.")
        if fld.display_name in display_names:
            raise ValidationError(f"Field display_name ({fld.display_name}) is not unique.")
        keynames.add(fld.keyname)
        display_names.add(fld.display_name)
