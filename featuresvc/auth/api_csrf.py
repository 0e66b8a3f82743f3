"""CSRF: cookie-authenticated writes and logins must come from the server's own origin.

The session cookie is sent by the browser whatever page makes the request, so a write that
the cookie authenticates is refused (403) when its ``Origin`` (or, lacking one, its
``Referer``) names another origin than the server's own or one in ``csrf_trusted_origins``;
``Origin: null`` (sandboxed frames, privacy redirects) never matches. The login route is
checked the same way, so another site cannot log a visitor into the attacker's account.

A request with neither header is let through: every current browser sends ``Origin`` on
cross-origin POST/PUT/PATCH/DELETE (and ``SameSite=Lax`` already keeps the cookie off
cross-site POSTs), so such requests come from non-browser clients (curl or scripts with a
cookie jar), which are not a CSRF vector. Basic and Bearer requests are never checked: a
page on another site cannot make the browser attach those headers.

The server's own origin is the scheme and Host of the request as seen by the service, after
:mod:`featuresvc.proxy` applied a trusted proxy's X-Forwarded-Proto and X-Forwarded-Host.
"""

from __future__ import annotations

from flask import current_app, request

from ..config import normalize_origin
from .api_identity import current_identity
from .exceptions import CrossOriginRequest
from .identity import SESSION_COOKIE

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
LOGIN_ENDPOINT = "auth.login"


def _needs_check() -> bool:
    if request.method in SAFE_METHODS:
        return False
    if request.endpoint == LOGIN_ENDPOINT:
        return True
    if "Authorization" in request.headers or SESSION_COOKIE not in request.cookies:
        return False
    return current_identity().auth_medium == "session"


def _source() -> tuple[str, str] | None:
    """(header name, value) naming where the request was made, or None if neither is sent."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return "Origin", origin
    referer = request.headers.get("Referer")
    if referer is not None:
        return "Referer", referer
    return None


def _origin_of(value: str) -> str | None:
    try:
        scheme, rest = value.split("://", 1)
        return normalize_origin(f"{scheme}://{rest.split('/', 1)[0]}")
    except ValueError:
        return None


def own_origin() -> str | None:
    return _origin_of(f"{request.scheme}://{request.host}")


def protect() -> None:
    """``before_request`` hook: refuse a cross-origin cookie write or login."""
    if not _needs_check():
        return
    source = _source()
    if source is None:
        return
    header, value = source
    origin = _origin_of(value)
    allowed = current_app.config["FEATURESVC"].csrf_origins
    if origin is not None and (origin == own_origin() or origin in allowed):
        return
    shown = origin or value[:200]
    raise CrossOriginRequest(
        f"Cross-origin request refused: {header} '{shown}' is not this server's origin "
        f"nor listed in csrf_trusted_origins.", data={"header": header, "origin": shown})
