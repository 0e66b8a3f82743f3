"""The caller of the current API request, authenticated once per request from its headers."""

from __future__ import annotations

from flask import current_app, g, request

from .. import db
from .identity import SESSION_COOKIE, Credentials, Identity, authenticate


def request_credentials() -> Credentials:
    return Credentials(authorization=request.headers.get("Authorization", ""),
                       session_id=request.cookies.get(SESSION_COOKIE),
                       remote_addr=request.remote_addr)


def current_identity() -> Identity:
    """The caller of the current request (authenticated by the API before the view)."""
    ident = g.get("identity")
    if ident is None:
        ident = g.identity = authenticate(db.connection(), current_app.config["FEATURESVC"],
                                          request_credentials())
    return ident
