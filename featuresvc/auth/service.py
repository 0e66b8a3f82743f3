"""User and group operations shared by the API and the CLI."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from ..errors import ValidationError
from . import store
from .exceptions import PrincipalNotFound
from .passwords import hash_password


def user_doc(row: Any, admin_group_id: int) -> dict[str, Any]:
    return {
        "id": row.id, "system": row.system, "keyname": row.keyname,
        "display_name": row.display_name, "description": row.description,
        "superuser": row.superuser, "disabled": row.disabled,
        "password": bool(row.password_hash), "alink": False, "language": row.language,
        "last_activity": row.last_activity.isoformat() if row.last_activity else None,
        "oauth_subject": None, "oauth_tstamp": None, "member_of": list(row.member_of),
        "is_administrator": row.superuser or admin_group_id in row.member_of,
        "permissions": [],
    }


def group_doc(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "system": row.system, "keyname": row.keyname,
        "display_name": row.display_name, "description": row.description,
        "register": row.register, "oauth_mapping": False, "members": list(row.members),
        "permissions": [],
    }


def _check_ids(conn: Connection, ids: list[int], cls: str, field: str) -> list[int]:
    ids = list(dict.fromkeys(ids))
    rows = {r.id: r for r in store.list_principals(conn, cls)}
    for pid in ids:
        row = rows.get(pid)
        if row is None or (cls == "U" and row.system):
            raise ValidationError(f"Principal with id = {pid} was not found - at `$.{field}`.")
    return ids


def _values(data: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    values = {k: data[k] for k in allowed if k in data}
    if "password" in data:
        password = data["password"]
        if password in (None, False):
            values["password_hash"] = None
        elif isinstance(password, str) and password:
            values["password_hash"] = hash_password(password)
        elif password is not True:
            raise ValidationError("Password must be a non-empty string - at `$.password`.")
    return values


USER_FIELDS = ("keyname", "display_name", "description", "disabled", "superuser", "language")
GROUP_FIELDS = ("keyname", "display_name", "description", "register")


def create_user(conn: Connection, data: dict[str, Any]) -> int:
    if "keyname" not in data:
        raise ValidationError("Missing required field - at `$.keyname`.")
    data = {"display_name": data["keyname"], **data}
    user_id = store.insert_principal(conn, {"cls": "U", **_values(data, USER_FIELDS)})
    if data.get("member_of"):
        store.set_memberships(conn, user_id=user_id,
                              ids=_check_ids(conn, data["member_of"], "G", "member_of"))
    return user_id


def update_user(conn: Connection, user_id: int, data: dict[str, Any], *,
                keep_session: str | None = None) -> None:
    """Update a user; a new or removed password ends the user's sessions, except
    ``keep_session`` (the id hash of the session making the change, if it is theirs)."""
    row = get(conn, user_id, "U")
    if row.system and set(data) - {"display_name", "description", "disabled"}:
        raise ValidationError("System users can not be changed except display name, "
                              "description and the disabled flag.")
    values = _values(data, USER_FIELDS)
    store.update_principal(conn, user_id, values)
    if "password_hash" in values:
        store.delete_user_sessions(conn, user_id, keep=keep_session)
    if "member_of" in data:
        store.set_memberships(conn, user_id=user_id,
                              ids=_check_ids(conn, data["member_of"], "G", "member_of"))


def create_group(conn: Connection, data: dict[str, Any]) -> int:
    if "keyname" not in data:
        raise ValidationError("Missing required field - at `$.keyname`.")
    data = {"display_name": data["keyname"], **data}
    group_id = store.insert_principal(conn, {"cls": "G", **_values(data, GROUP_FIELDS)})
    if data.get("members"):
        store.set_memberships(conn, group_id=group_id,
                              ids=_check_ids(conn, data["members"], "U", "members"))
    return group_id


def update_group(conn: Connection, group_id: int, data: dict[str, Any]) -> None:
    row = get(conn, group_id, "G")
    if row.system and "keyname" in data and data["keyname"] != row.keyname:
        raise ValidationError("System group keyname can not be changed.")
    store.update_principal(conn, group_id, _values(data, GROUP_FIELDS))
    if "members" in data:
        store.set_memberships(conn, group_id=group_id,
                              ids=_check_ids(conn, data["members"], "U", "members"))


def get(conn: Connection, principal_id: int, cls: str) -> Any:
    row = store.get_principal(conn, principal_id, cls)
    if row is None:
        kind = "User" if cls == "U" else "Group"
        raise PrincipalNotFound(f"{kind} with id = {principal_id} was not found.",
                                data={"id": principal_id})
    return row


def delete(conn: Connection, principal_id: int, cls: str) -> None:
    row = get(conn, principal_id, cls)
    if row.system:
        raise ValidationError("System principals can not be deleted.")
    try:
        with conn.begin_nested():
            store.delete_principal(conn, principal_id)
    except IntegrityError:
        raise ValidationError("The user still owns resources; change their owner first.",
                              data={"id": principal_id}) from None


def set_password(conn: Connection, login: str, password: str) -> None:
    row = store.user_by_login(conn, login)
    if row is None or row.system:
        raise ValidationError(f"User '{login}' was not found.")
    store.update_principal(conn, row.id, {"password_hash": hash_password(password)})
    store.delete_user_sessions(conn, row.id)


def generate_password() -> str:
    return secrets.token_urlsafe(12)
