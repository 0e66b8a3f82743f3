"""The request's permission resolver and service context (HTTP layer: kept in ``g``), and
the route declaration of a permission on a resource."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from .. import db, security
from ..auth.api_identity import current_identity
from .access import PermissionResolver
from .require import require
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


@dataclass
class OnResource(security.ResourceAccess):
    """A permission on the resource named by a view argument or a query parameter."""

    def enforce(self) -> None:
        resource_id = self.resource_id()  # a malformed id is a 422 before the caller is known
        require(resolver(), resource_id, self.permission)
