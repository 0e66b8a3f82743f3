"""Request body limits, per route kind, enforced before the view reads anything.

* public routes (login, logout and the other ``Public()`` routes): ``PUBLIC_MAX_BODY``;
* upload routes (``body_limit="upload"``): no limit here; they stream to disk and stop at
  ``upload_max_size`` themselves;
* every other route: ``max_json_body``.

A ``Content-Length`` over the limit is refused with 413 before the body is read. A chunked
body (no ``Content-Length``) is cut off at the limit by Werkzeug's limited input stream,
whose ``RequestEntityTooLarge`` is rendered here as the same 413.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import envelope
from .file_storage import FileTooLarge
from .security import Public

#: Largest body of a public route (a login form or JSON fits in far less).
PUBLIC_MAX_BODY = 8 * 1024


def route_limit() -> int | None:
    """The body limit of the request's route, None for streaming upload routes."""
    view = current_app.view_functions.get(request.endpoint or "")
    kind = getattr(view, "body_limit", None)
    if kind == "upload":
        return None
    if kind == "public" or isinstance(getattr(view, "access", None), Public):
        return PUBLIC_MAX_BODY
    return current_app.config["FEATURESVC"].max_json_body


def _too_large(limit: int, length: int | None = None) -> FileTooLarge:
    size = f" ({length} bytes)" if length is not None else ""
    err = FileTooLarge(limit, f"The request body{size} is larger than the maximum of {limit} "
                              f"bytes of {request.method} {request.path}.")
    err.title, err.component, err.ngw_class = "Request body too large", "pyramid", None
    return err


def enforce() -> None:
    limit = route_limit()
    g.body_limit = limit
    request.max_content_length = limit
    length = request.content_length
    if limit is not None and length is not None and length > limit:
        raise _too_large(limit, length)


def _entity_too_large(exc: RequestEntityTooLarge) -> Response:
    limit = g.get("body_limit")
    return envelope.render(_too_large(limit if limit is not None
                                      else current_app.config["FEATURESVC"].upload_max_size))


def init_app(app: Flask) -> None:
    app.before_request(enforce)
    app.register_error_handler(RequestEntityTooLarge, _entity_too_large)
