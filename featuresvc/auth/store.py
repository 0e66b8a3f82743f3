"""All SQL of the auth component."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from .exceptions import PrincipalNotUnique

SYSTEM_KEYNAMES = ("guest", "everyone", "authenticated", "owner", "administrators")

_USER_COLUMNS = """
    p.id, p.cls, p.system, p.keyname, p.display_name, p.description, p.password_hash,
    p.disabled, p.superuser, p.language, p.last_activity, p.register,
    CASE WHEN p.cls = 'U' THEN
        COALESCE((SELECT array_agg(gu.group_id ORDER BY gu.group_id) FROM auth_group_user gu
                  WHERE gu.user_id = p.id), '{}') ELSE '{}' END AS member_of,
    CASE WHEN p.cls = 'G' THEN
        COALESCE((SELECT array_agg(gu.user_id ORDER BY gu.user_id) FROM auth_group_user gu
                  WHERE gu.group_id = p.id), '{}') ELSE '{}' END AS members
"""


def system_principals(conn: Connection) -> dict[str, int]:
    rows = conn.execute(
        text("SELECT keyname, id FROM auth_principal WHERE system AND keyname = ANY(:k)"),
        {"k": list(SYSTEM_KEYNAMES)},
    )
    return {r.keyname: r.id for r in rows}


def get_principal(conn: Connection, principal_id: int, cls: str | None = None) -> Any:
    sql = f"SELECT {_USER_COLUMNS} FROM auth_principal p WHERE p.id = :id"
    if cls:
        sql += " AND p.cls = :cls"
    return conn.execute(text(sql), {"id": principal_id, "cls": cls}).first()


def user_by_login(conn: Connection, login: str) -> Any:
    if "\x00" in login:  # PostgreSQL text cannot hold NUL, so no keyname has one
        return None
    return conn.execute(
        text(f"SELECT {_USER_COLUMNS} FROM auth_principal p "
             "WHERE p.cls = 'U' AND lower(p.keyname) = lower(:login)"),
        {"login": login},
    ).first()


def list_principals(conn: Connection, cls: str) -> list[Any]:
    return list(conn.execute(
        text(f"SELECT {_USER_COLUMNS} FROM auth_principal p WHERE p.cls = :cls ORDER BY p.id"),
        {"cls": cls},
    ))


def principal_ids(conn: Connection, ids: list[int]) -> set[int]:
    rows = conn.execute(text("SELECT id FROM auth_principal WHERE id = ANY(:ids)"), {"ids": ids})
    return {r.id for r in rows}


_UNIQUE_MESSAGES = {
    "auth_principal_keyname_key": "Principal keyname is not unique.",
    "auth_principal_display_name_key": "Principal display name is not unique.",
}


def _guard_unique(conn: Connection, statement, params: dict[str, Any]) -> Any:
    try:
        with conn.begin_nested():
            return conn.execute(statement, params)
    except IntegrityError as exc:
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if name in _UNIQUE_MESSAGES:
            raise PrincipalNotUnique(_UNIQUE_MESSAGES[name]) from None
        raise


def insert_principal(conn: Connection, values: dict[str, Any]) -> int:
    cols = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    result = _guard_unique(
        conn, text(f"INSERT INTO auth_principal ({cols}) VALUES ({params}) RETURNING id"), values
    )
    return result.scalar_one()


def update_principal(conn: Connection, principal_id: int, values: dict[str, Any]) -> None:
    if not values:
        return
    assignments = ", ".join(f"{k} = :{k}" for k in values)
    _guard_unique(conn, text(f"UPDATE auth_principal SET {assignments} WHERE id = :_id"),
                  {**values, "_id": principal_id})


def delete_principal(conn: Connection, principal_id: int) -> None:
    conn.execute(text("DELETE FROM auth_principal WHERE id = :id"), {"id": principal_id})


def set_memberships(conn: Connection, *, user_id: int | None = None, group_id: int | None = None,
                    ids: list[int]) -> None:
    """Replace a user's groups (``user_id``) or a group's members (``group_id``)."""
    if user_id is not None:
        conn.execute(text("DELETE FROM auth_group_user WHERE user_id = :u"), {"u": user_id})
        conn.execute(text("INSERT INTO auth_group_user (group_id, user_id) "
                          "SELECT unnest(CAST(:ids AS int[])), :u ON CONFLICT DO NOTHING"),
                     {"ids": ids, "u": user_id})
    else:
        conn.execute(text("DELETE FROM auth_group_user WHERE group_id = :g"), {"g": group_id})
        conn.execute(text("INSERT INTO auth_group_user (group_id, user_id) "
                          "SELECT :g, unnest(CAST(:ids AS int[])) ON CONFLICT DO NOTHING"),
                     {"ids": ids, "g": group_id})


def touch_activity(conn: Connection, user_id: int) -> None:
    conn.execute(
        text("UPDATE auth_principal SET last_activity = now() AT TIME ZONE 'utc' "
             "WHERE id = :id AND (last_activity IS NULL "
             "OR last_activity < now() AT TIME ZONE 'utc' - interval '1 minute')"),
        {"id": user_id},
    )


# -- tokens and sessions ------------------------------------------------------------------------

def insert_token(conn: Connection, user_id: int, token_hash: str, prefix: str,
                 description: str | None, expires: datetime | None) -> Any:
    return conn.execute(
        text("INSERT INTO auth_token (user_id, token_hash, prefix, description, expires) "
             "VALUES (:u, :h, :p, :d, :e) RETURNING *"),
        {"u": user_id, "h": token_hash, "p": prefix, "d": description, "e": expires},
    ).first()


def list_tokens(conn: Connection, user_id: int) -> list[Any]:
    return list(conn.execute(
        text("SELECT * FROM auth_token WHERE user_id = :u ORDER BY id"), {"u": user_id}
    ))


def delete_token(conn: Connection, user_id: int, token_id: int) -> bool:
    result = conn.execute(text("DELETE FROM auth_token WHERE id = :id AND user_id = :u"),
                          {"id": token_id, "u": user_id})
    return result.rowcount > 0


def user_by_token(conn: Connection, token_hash: str) -> int | None:
    row = conn.execute(
        text("SELECT id, user_id FROM auth_token WHERE token_hash = :h "
             "AND (expires IS NULL OR expires > now() AT TIME ZONE 'utc')"),
        {"h": token_hash},
    ).first()
    if row is None:
        return None
    # last_used is informative: refresh it at most once a minute, and skip it when another
    # request holds the row, so requests sharing a token never wait for each other.
    conn.execute(
        text("UPDATE auth_token SET last_used = now() AT TIME ZONE 'utc' WHERE id IN ("
             "SELECT id FROM auth_token WHERE id = :id AND (last_used IS NULL OR "
             "last_used < now() AT TIME ZONE 'utc' - interval '1 minute') "
             "FOR UPDATE SKIP LOCKED)"),
        {"id": row.id},
    )
    return row.user_id


def insert_session(conn: Connection, id_hash: str, user_id: int, max_age: int) -> None:
    conn.execute(
        text("INSERT INTO auth_session (id_hash, user_id, expires) "
             "VALUES (:h, :u, now() AT TIME ZONE 'utc' + :age)"),
        {"h": id_hash, "u": user_id, "age": timedelta(seconds=max_age)},
    )


def user_by_session(conn: Connection, id_hash: str) -> int | None:
    return conn.execute(
        text("SELECT user_id FROM auth_session WHERE id_hash = :h "
             "AND expires > now() AT TIME ZONE 'utc'"),
        {"h": id_hash},
    ).scalar()


def delete_session(conn: Connection, id_hash: str) -> None:
    conn.execute(text("DELETE FROM auth_session WHERE id_hash = :h OR "
                      "expires < now() AT TIME ZONE 'utc'"), {"h": id_hash})


def delete_user_sessions(conn: Connection, user_id: int, keep: str | None = None) -> None:
    """End every session of a user, except ``keep`` (the id hash of the caller's own)."""
    conn.execute(text("DELETE FROM auth_session WHERE user_id = :u "
                      "AND id_hash IS DISTINCT FROM :keep"), {"u": user_id, "keep": keep})


# -- failed-login throttle -----------------------------------------------------------------------

def throttle_locks(conn: Connection, keys: list[tuple[str, str]]) -> list[Any]:
    """Rows of ``keys`` ((kind, key) pairs): failures, and seconds left of a running lock."""
    return list(conn.execute(
        text("SELECT kind, key, failures, "
             "CAST(ceil(extract(epoch FROM locked_until - now())) AS integer) AS retry_after "
             "FROM auth_throttle WHERE (kind, key) IN "
             "(SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:keys AS text[])))"),
        {"kinds": [k for k, _ in keys], "keys": [v for _, v in keys]},
    ))


def throttle_failure(conn: Connection, kind: str, key: str, limit: int, window: int) -> int | None:
    """Count one failure atomically; returns the seconds of the lock it started, if any.

    A window older than ``window`` seconds starts over; reaching ``limit`` failures locks the
    key for ``window`` seconds from now."""
    row = conn.execute(text("""
        INSERT INTO auth_throttle AS t (kind, key, failures, window_start, locked_until)
        VALUES (:kind, :key, 1, now(),
                CASE WHEN :limit <= 1 THEN now() + make_interval(secs => :window) END)
        ON CONFLICT (kind, key) DO UPDATE SET
            failures = CASE WHEN t.window_start <= now() - make_interval(secs => :window)
                            THEN 1 ELSE t.failures + 1 END,
            window_start = CASE WHEN t.window_start <= now() - make_interval(secs => :window)
                                THEN now() ELSE t.window_start END,
            locked_until = CASE
                WHEN (CASE WHEN t.window_start <= now() - make_interval(secs => :window)
                           THEN 1 ELSE t.failures + 1 END) >= :limit
                THEN now() + make_interval(secs => :window) ELSE t.locked_until END
        RETURNING CAST(ceil(extract(epoch FROM locked_until - now())) AS integer) AS lock
        """), {"kind": kind, "key": key, "limit": limit, "window": window}).first()
    return row.lock if row.lock and row.lock > 0 else None


def throttle_reset(conn: Connection, kind: str, key: str) -> None:
    conn.execute(text("DELETE FROM auth_throttle WHERE kind = :kind AND key = :key"),
                 {"kind": kind, "key": key})


def throttle_sweep(conn: Connection, window: int) -> int:
    """Forget windows and locks that have ended; returns how many rows went."""
    return conn.execute(text(
        "DELETE FROM auth_throttle WHERE window_start < now() - make_interval(secs => :w) "
        "AND (locked_until IS NULL OR locked_until < now())"), {"w": window}).rowcount
