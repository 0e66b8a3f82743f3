"""Route declaration: one decorator gives every API route its permission, its transaction,
its OpenAPI documentation and its NGW route name (published by ``pyramid/route``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import marshmallow as ma
import psycopg
from flask import request
from flask_smorest import Blueprint
from sqlalchemy import exc as sa_exc

from . import db
from .auth.identity import current_identity
from .errors import InternalServerError, ServiceError, TransactionConflict, ValidationError
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
            current_identity()
            try:
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
            except sa_exc.DataError as exc:
                # A value PostgreSQL cannot take (a NUL in text, a number out of range):
                # bad input, so a 422 rather than a 500, whichever component sent it.
                db.rollback()
                log.warning("%s %s: data error: %s", request.method, request.path, exc.orig)
                reason = str(exc.orig).splitlines()[0].rstrip(".")
                raise ValidationError(f"Invalid value: {reason}.") from exc
            except (sa_exc.OperationalError, psycopg.OperationalError) as exc:
                db.rollback()
                if not _transient(exc):
                    raise
                raise TransactionConflict() from exc  # logged (with its cause) as a 503
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


def _transient(exc: Exception) -> bool:
    """PostgreSQL's class 40 (deadlock, serialization failure): the transaction was rolled
    back whole and the same request may well succeed when sent again. It may come from
    SQLAlchemy (wrapped) or from a store's raw psycopg cursor."""
    sqlstate = getattr(getattr(exc, "orig", exc), "sqlstate", None) or ""
    return sqlstate.startswith("40")


def query_param(name: str, type_: str = "string", description: str = "") -> dict[str, Any]:
    return {"in": "query", "name": name, "schema": {"type": type_}, "description": description}
