"""Brute-force throttle for password checks (the login route and Basic).

Failures are counted in PostgreSQL per login (lower-cased, known or not, so that locking
does not reveal which logins exist) and per client address, so every worker and node shares
the counters. Past ``login_throttle_login_failures`` or ``login_throttle_address_failures``
failures within ``login_throttle_window`` seconds the key is locked for that long: every
attempt, even with the right password or credentials a worker has cached, gets 429 with
Retry-After and no password is checked. A success resets its login's counter (not the
address's: one known account must not reset the count of guesses at others).

Counter writes use their own connection and commit at once: the request that failed rolls
its own transaction back, and a long request must not hold the row's lock.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine

from ..config import Settings
from . import store
from .exceptions import TooManyLoginAttempts

KEY_MAX = 256  # longer logins share a counter with their prefix; no keyname is this long


def _keys(login: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("login", login.lower().replace("\x00", "\ufffd")[:KEY_MAX])]
    if address:
        keys.append(("address", address[:KEY_MAX]))
    return keys


def _refuse(kind: str, key: str, retry_after: int) -> TooManyLoginAttempts:
    what = f"login '{key}'" if kind == "login" else f"address {key}"
    return TooManyLoginAttempts(
        f"Too many failed logins for {what}; try again in {retry_after} s.", retry_after)


def check_password(conn: Connection, engine: Engine, settings: Settings, login: str,
                   address: str | None, verify: Callable[[], bool]) -> bool:
    """Run ``verify`` (the password check) unless a lock is running; count its outcome."""
    keys = _keys(login, address)
    rows = store.throttle_locks(conn, keys)
    for row in rows:
        if row.retry_after is not None and row.retry_after > 0:
            raise _refuse(row.kind, row.key, row.retry_after)
    if verify():
        login_key = keys[0]
        if any((r.kind, r.key) == login_key for r in rows):
            with engine.begin() as own:  # committed now: no row lock held for the request
                store.throttle_reset(own, *login_key)
        return True
    limits = {"login": settings.login_throttle_login_failures,
              "address": settings.login_throttle_address_failures}
    lock: tuple[str, str, int] | None = None
    with engine.begin() as own:
        for kind, key in keys:
            seconds = store.throttle_failure(own, kind, key, limits[kind],
                                             settings.login_throttle_window)
            if seconds and lock is None:
                lock = (kind, key, seconds)
    if lock:
        raise _refuse(*lock)
    return False
