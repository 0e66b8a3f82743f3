"""Who is calling: an :class:`Identity` from Basic, Bearer or the session cookie.

The credentials are given as plain values; reading them from the request (once per request)
is the HTTP layer's part, in :mod:`featuresvc.auth.api_identity`.
"""

from __future__ import annotations

import base64
import binascii
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from ..config import Settings
from . import store, throttle
from .exceptions import InvalidCredentialsException, MalformedAuthorization
from .passwords import secret_hash, verify_password

SESSION_COOKIE = "ngw_sid"
#: System principal ids per database (they never change once bootstrapped).
_principals: weakref.WeakKeyDictionary[Engine, dict[str, int]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Identity:
    id: int
    keyname: str
    display_name: str
    language: str | None
    is_guest: bool
    superuser: bool
    is_administrator: bool
    group_ids: frozenset[int]
    #: Principals whose ACL rules apply to this caller (``owner`` is added per resource).
    principals: frozenset[int]
    auth_medium: str | None


def system_principals(conn: Connection) -> dict[str, int]:
    cached = _principals.get(conn.engine)
    if cached is None:
        cached = _principals[conn.engine] = store.system_principals(conn)
    return cached


def _identity(conn: Connection, row, medium: str | None) -> Identity:
    system = system_principals(conn)
    is_guest = row.id == system["guest"]
    groups = frozenset(row.member_of)
    principals = {row.id, system["everyone"], *groups}
    if not is_guest:
        principals.add(system["authenticated"])
    return Identity(
        id=row.id, keyname=row.keyname, display_name=row.display_name, language=row.language,
        is_guest=is_guest, superuser=row.superuser,
        is_administrator=row.superuser or system["administrators"] in groups,
        group_ids=groups, principals=frozenset(principals), auth_medium=medium,
    )


def _basic(conn: Connection, settings: Settings, payload: str,
           remote_addr: str | None) -> Identity:
    try:
        login, _, password = base64.b64decode(payload, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise MalformedAuthorization("Malformed Basic authorization header.") from None
    if not _:
        raise MalformedAuthorization("Malformed Basic authorization header.")
    row = check_login(conn, settings, login, password, remote_addr)
    if row is None:
        raise InvalidCredentialsException()
    if row.disabled:
        raise InvalidCredentialsException("User is disabled.")
    return _identity(conn, row, "basic")


def check_login(conn: Connection, settings: Settings, login: str, password: str,
                remote_addr: str | None) -> Any:
    """The user row if ``password`` is right, else None; throttled (429 while locked) by
    login and client address, whether a worker has the credentials cached or not."""
    row = store.user_by_login(conn, login)
    usable = row is not None and not row.system
    ok = throttle.check_password(
        conn, conn.engine, settings, login, remote_addr,
        lambda: verify_password(row.password_hash if usable else None, login, password))
    return row if ok else None


def _by_id(conn: Connection, user_id: int | None, medium: str) -> Identity | None:
    if user_id is None:
        return None
    row = store.get_principal(conn, user_id, "U")
    if row is None or row.disabled:
        return None
    return _identity(conn, row, medium)


@dataclass(frozen=True)
class Credentials:
    """What a request presents: its ``Authorization`` header, session cookie and address."""

    authorization: str
    session_id: str | None
    remote_addr: str | None


def authenticate(conn: Connection, settings: Settings, creds: Credentials) -> Identity:
    header = creds.authorization.strip()
    if header:
        scheme, _, payload = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            return _basic(conn, settings, payload.strip(), creds.remote_addr)
        if scheme == "bearer":
            ident = _by_id(conn, store.user_by_token(conn, secret_hash(payload.strip())), "bearer")
            if ident is None:
                raise InvalidCredentialsException("Invalid or expired token.")
            return ident
        raise MalformedAuthorization(f"Unsupported authorization scheme '{scheme}'.")
    sid = creds.session_id
    if sid:
        ident = _by_id(conn, store.user_by_session(conn, secret_hash(sid)), "session")
        if ident is not None:
            return ident
    return guest(conn)


def identity_for(conn: Connection, user_id: int | None, *,
                 group_ids: frozenset[int] = frozenset()) -> Identity | None:
    """The identity of another user (``?user=``), or a synthetic member of ``group_ids``."""
    if user_id is not None:
        row = store.get_principal(conn, user_id, "U")
        return None if row is None else _identity(conn, row, None)
    system = system_principals(conn)
    return Identity(
        id=-1, keyname="", display_name="", language=None, is_guest=False, superuser=False,
        is_administrator=system["administrators"] in group_ids, group_ids=group_ids,
        principals=frozenset({system["everyone"], system["authenticated"], *group_ids}),
        auth_medium=None,
    )


def guest(conn: Connection) -> Identity:
    row = store.get_principal(conn, system_principals(conn)["guest"], "U")
    return _identity(conn, row, None)
