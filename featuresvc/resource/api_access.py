"""The request's permission resolver and service context (HTTP layer: kept in ``g``)."""

from __future__ import annotations

from flask import current_app, g

from .. import db
from ..auth.api_identity import current_identity
from .access import PermissionResolver
from .sections import Context


def resolver() -> PermissionResolver:
    """The request's resolver (for the current caller), shared by every check of a request."""
    res = g.get("_perm_resolver")
    if res is None:
        res = g._perm_resolver = PermissionResolver(db.connection(), current_identity())
    return res


def request_context() -> Context:
    """What a service needs to act for the request's caller."""
    return Context(db.connection(), current_identity(), resolver(),
                   current_app.config["FEATURESVC"])
