"""Route declaration: one decorator gives every API route its permission, its transaction,
its OpenAPI documentation and its NGW route name (published by ``pyramid/route``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import marshmallow as ma
import psycopg
from flask import current_app, request
from flask_smorest import Blueprint
from sqlalchemy import exc as sa_exc

from . import db
from .auth.api_identity import current_identity
from .errors import InternalServerError, ServiceError, TransactionConflict, ValidationError
from .scope import Scope, opened
from .security import Access, challenge_guest, was_checked

log = logging.getLogger("featuresvc")


def route(
    bp: Blueprint,
    rule: str,
    *,
    methods: list[str],
    access: Access,
    name: str | None = None,
    summary: str | None = None,
    body: type[ma.Schema] | ma.Schema | None = None,
    response: type[ma.Schema] | ma.Schema | None = None,
    status: int = 200,
    params: list[dict[str, Any]] | None = None,
    body_limit: str | None = None,
) -> Callable:
    """Register ``view`` on ``bp``: authenticate, enforce ``access``, run, commit.
    ``body_limit="upload"`` marks a route that streams its body to disk (see bodylimit)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            caller = current_identity()
            try:
                with opened(Scope(current_app.config["FEATURESVC"], caller)):
                    access.enforce()
                    result = view(**kwargs)
                if not was_checked():
                    raise InternalServerError(
                        f"Route {rule} did not check the caller's permission.")
                db.commit()
            except ServiceError as exc:
                db.rollback()
                challenge = challenge_guest(exc)
                if challenge is exc:
                    raise
                raise challenge from exc
            except (sa_exc.DBAPIError, psycopg.Error) as exc:
                db.rollback()
                mapped = _database_error(exc)
                if mapped is None:
                    raise  # our bug (or the database is down): a 500, logged
                raise mapped from exc
            except BaseException:
                db.rollback()
                raise
            return result

        wrapped.access = access  # type: ignore[attr-defined]
        wrapped.ngw_route_name = name  # type: ignore[attr-defined]
        wrapped.body_limit = body_limit  # type: ignore[attr-defined]
        doc: dict[str, Any] = {"description": f"Access: {access.description}"}
        if summary:
            doc["summary"] = summary
        if body is not None:
            doc["requestBody"] = {"required": True,
                                  "content": {"application/json": {"schema": body}}}
        if params:
            doc["parameters"] = params
        decorated = bp.doc(**doc)(wrapped)
        if response is not None:
            decorated = bp.alt_response(status, schema=response, success=True)(decorated)
        endpoint = f"{view.__name__}"
        bp.route(rule, methods=methods, endpoint=endpoint, strict_slashes=False)(decorated)
        return wrapped

    return decorator


#: SQLSTATE classes that only bad input reaches: 22 data exception (NUL in text, number out
#: of range, bad JSON escape), 23 integrity constraint violation (a duplicate or a dangling
#: reference no service check caught first), 54 program limit exceeded (a value too large for
#: its index row, too many columns).
_INPUT_CLASSES = {
    "22": "Invalid value",
    "23": "The request conflicts with stored data (a duplicate or a missing reference)",
    "54": "A value is too large to be stored or indexed",
}


def _sqlstate(exc: BaseException) -> str:
    """SQLSTATE of an error from SQLAlchemy (wrapped) or from a store's raw psycopg cursor."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) or ""


def _database_error(exc: BaseException) -> ServiceError | None:
    """The answer for a database error, or None to let it be a 500.

    Class 40 (deadlock, serialization failure): the transaction was rolled back whole and the
    same request may well succeed when sent again, so 503 with Retry-After. Input classes
    (see ``_INPUT_CLASSES``): 422 with PostgreSQL's first message line, which names the
    problem but not our tables. Anything else (syntax, undefined object, connection lost)
    is not the caller's fault and stays a 500.
    """
    sqlstate = _sqlstate(exc)
    if sqlstate.startswith("40"):
        return TransactionConflict()  # logged (with its cause) as a 503
    summary = _INPUT_CLASSES.get(sqlstate[:2])
    if summary is None:
        return None
    orig = getattr(exc, "orig", exc)
    log.warning("%s %s: database refused input (%s): %s", request.method, request.path,
                sqlstate, orig)
    if sqlstate.startswith("22"):
        primary = getattr(getattr(orig, "diag", None), "message_primary", None) or str(orig)
        reason = primary.splitlines()[0].rstrip(".") if primary else "rejected by the database"
        return ValidationError(f"{summary}: {reason}.")
    return ValidationError(f"{summary}.")


def query_param(name: str, type_: str = "string", description: str = "") -> dict[str, Any]:
    return {"in": "query", "name": name, "schema": {"type": type_}, "description": description}
