"""Password hashing with Argon2id, and a short-lived cache of verified Basic credentials.

Basic auth sends the password on every request (GDAL, Mobile); running Argon2 (~50 ms) each
time would dominate small requests, so a successful check is remembered for a minute, keyed by
a sha256 of the credentials and bound to the stored hash (a password change invalidates it).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import ValidationError

#: Longest password accepted anywhere (login, user create, password change): hashing cost
#: grows with the length, so an unbounded one is a CPU attack.
MAX_PASSWORD = 1024

_hasher = PasswordHasher()
_cache: dict[bytes, tuple[str, float]] = {}
_lock = threading.Lock()
CACHE_TTL = 60.0
CACHE_MAX = 10_000


def check_length(password: str, location: str = "password") -> None:
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"The password is {len(password)} characters long, more than "
                              f"the maximum of {MAX_PASSWORD} - at `$.{location}`.",
                              data={"location": ["body", location]})


def hash_password(password: str) -> str:
    check_length(password)
    return _hasher.hash(password)


def _dummy_hash() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _hasher.hash(secrets.token_hex(16))
    return _DUMMY


_DUMMY: str | None = None


def verify_password(stored_hash: str | None, login: str, password: str) -> bool:
    """Check a password; unknown users (no hash) cost the same time, so logins don't leak."""
    if len(password) > MAX_PASSWORD:
        return False  # never set by hash_password, so it cannot match
    if not stored_hash:
        try:
            _hasher.verify(_dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    key = hashlib.sha256(f"{login.lower()}\0{password}".encode()).digest()
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and hit[0] == stored_hash and hit[1] > now:
        return True
    try:
        _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    with _lock:
        if len(_cache) >= CACHE_MAX:
            _cache.clear()
        _cache[key] = (stored_hash, now + CACHE_TTL)
    return True


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """Tokens and session ids are random and long: a plain sha256 is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()
