"""Request body limits, per route kind, enforced before the view reads anything.

* login and logout (``body_limit="login"``): ``LOGIN_MAX_BODY``;
* the other public routes (``Public()``: anyone may call them, e.g. the SRS geometry tools):
  ``PUBLIC_MAX_BODY``;
* upload routes (``body_limit="upload"``): no limit here; they stream to disk and stop at
  ``upload_max_size`` themselves;
* every other route: ``max_json_body``.

A ``Content-Length`` over the limit is refused with 413 before the body is read. A chunked
body (no ``Content-Length``) is cut off at the limit by Werkzeug's limited input stream,
whose ``RequestEntityTooLarge`` is rendered here as the same 413
(``http.read_body`` checks what it read).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import envelope
from .http import body_too_large
from .security import Public

#: Largest body of login/logout (a login form or JSON fits in far less).
LOGIN_MAX_BODY = 8 * 1024
#: Largest body of the other public routes (a large WKT polygon, a long list of ids).
PUBLIC_MAX_BODY = 1024 * 1024


def route_limit() -> int | None:
    """The body limit of the request's route, None for streaming upload routes."""
    view = current_app.view_functions.get(request.endpoint or "")
    kind = getattr(view, "body_limit", None)
    if kind == "upload":
        return None
    if kind == "login":
        return LOGIN_MAX_BODY
    if isinstance(getattr(view, "access", None), Public):
        return PUBLIC_MAX_BODY
    return current_app.config["FEATURESVC"].max_json_body


def enforce() -> None:
    limit = route_limit()
    g.body_limit = limit
    # One byte over the limit gets through, so read_body can tell "over" from "exactly".
    request.max_content_length = None if limit is None else limit + 1
    length = request.content_length
    if limit is not None and length is not None and length > limit:
        raise body_too_large(limit, length)


def _entity_too_large(exc: RequestEntityTooLarge) -> Response:
    limit = g.get("body_limit")
    if limit is None:
        limit = current_app.config["FEATURESVC"].upload_max_size
    return envelope.render(body_too_large(limit))


def init_app(app: Flask) -> None:
    app.before_request(enforce)
    app.register_error_handler(RequestEntityTooLarge, _entity_too_large)
