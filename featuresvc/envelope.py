"""NGW's error envelope for every error under /api/ (spec section 0 and Decision 7)."""

from __future__ import annotations

import json
import logging
import secrets

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from .errors import InternalServerError, ServiceError
from .http import JSON_MIME, json_response

log = logging.getLogger("featuresvc")

_HTTP_MESSAGES = {
    404: "The requested URL was not found on the server.",
    405: "The method is not allowed for the requested URL.",
    413: "The request body is too large.",
}


def request_id() -> str:
    rid = g.get("request_id")
    if rid is None:
        rid = g.request_id = secrets.token_hex(8)
    return rid


def render(exc: ServiceError) -> Response:
    body = {"title": exc.title, "message": exc.message or exc.title}
    if exc.detail:
        body["detail"] = exc.detail
    body.update({
        "contact": exc.contact or ("administrator" if exc.status_code >= 500 else "support"),
        "status_code": exc.status_code,
        "exception": exc.exception_name,
        "request_id": request_id(),
        "data": exc.data,
    })
    try:
        resp = json_response(body, status=exc.status_code)
    except TypeError:  # orjson refuses ints beyond 64 bits, e.g. an id from a URL
        resp = Response(json.dumps(body, default=str), status=exc.status_code,
                        content_type=JSON_MIME)
    for key, value in exc.headers.items():
        resp.headers[key] = value
    return resp


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    err = ServiceError(
        _HTTP_MESSAGES.get(status) or exc.description or exc.name,
        title=exc.name, status_code=status,
    )
    err.component, err.ngw_class = "pyramid", "PyramidHTTPError"
    resp = render(err)
    if status == 405 and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


def _service_error(exc: ServiceError) -> Response:
    if exc.status_code >= 500:
        log.error("request %s %s %s failed: %s", request_id(), request.method, request.path,
                  exc, exc_info=exc)
    return render(exc)


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.error("request %s %s %s failed", request_id(), request.method, request.path,
              exc_info=exc)
    return render(InternalServerError(
        f"Internal server error; quote request id {request_id()} when reporting it."))


def init_app(app: Flask) -> None:
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
