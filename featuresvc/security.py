"""The one place permissions are enforced.

Every route declares an :class:`Access` (see :func:`featuresvc.routing.route`); the route
wrapper calls :meth:`Access.enforce` before the view runs, and the app refuses to serve an
``/api/`` endpoint that declares none. Views whose permission depends on the request body
declare :class:`CheckedInView` and must check (:func:`featuresvc.resource.require.require`
or :func:`require_authenticated` and its siblings), which the wrapper verifies after the view
returns. Permissions on resources are checked in :mod:`featuresvc.resource.require`; this
module only knows where a route finds its resource id (:class:`ResourceAccess`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from .auth.api_identity import current_identity
from .auth.exceptions import AuthenticationRequired
from .errors import ForbiddenError, ServiceError, ValidationError


class Access:
    description = ""

    def enforce(self) -> None:
        raise NotImplementedError


class Public(Access):
    description = "No authentication required."

    def enforce(self) -> None:
        mark_checked()


class Authenticated(Access):
    description = "Any authenticated user."

    def enforce(self) -> None:
        require_authenticated()


class Administrator(Access):
    description = "Members of the administrators group."

    def enforce(self) -> None:
        require_administrator()


@dataclass
class ResourceAccess(Access):
    """A permission on the resource named by a view argument or a query parameter; the
    check itself is the resource component's (:class:`featuresvc.resource.require.OnResource`).
    """

    permission: str
    arg: str = "id"
    query: str | None = None
    query_default: int | None = None

    @property
    def description(self) -> str:  # type: ignore[override]
        where = f"query parameter '{self.query}'" if self.query else f"path '{self.arg}'"
        return f"Permission '{self.permission}' on the resource given by {where}."

    def resource_id(self) -> int:
        if self.query is None:
            return int(request.view_args[self.arg])
        raw = request.args.get(self.query)
        if raw in (None, ""):
            if self.query_default is None:
                raise ValidationError(f"Query parameter '{self.query}' is required.",
                                      data={"location": ["query", self.query]})
            return self.query_default
        try:
            return int(raw)
        except ValueError:
            raise ValidationError(f"Invalid integer value '{raw}' of query parameter "
                                  f"'{self.query}'.", data={"location": ["query", self.query]}
                                  ) from None


@dataclass
class CheckedInView(Access):
    """The needed permission depends on the body; the view must call :func:`require`."""

    description: str = "Checked by the view."

    def enforce(self) -> None:
        current_identity()


# -- the checks ----------------------------------------------------------------------------------

def mark_checked() -> None:
    g._access_checked = True


def was_checked() -> bool:
    """A check ran here or through a service's context (the request's resolver)."""
    res = g.get("_perm_resolver")
    return bool(g.get("_access_checked")) or (res is not None and res.checked)


def challenge_guest(exc: ServiceError) -> ServiceError:
    """Decision 1 for every 403 a view raises (attribute checks, moves, recursive deletes):
    an anonymous caller gets 401 with a Basic challenge, so clients know to log in."""
    if exc.status_code != 403 or not current_identity().is_guest:
        return exc
    return AuthenticationRequired(exc.message or exc.title, data=exc.data)


def require_authenticated() -> None:
    if current_identity().is_guest:
        raise AuthenticationRequired()
    mark_checked()


def require_administrator() -> None:
    ident = current_identity()
    if ident.is_guest:
        raise AuthenticationRequired("Administrator permissions required.")
    if not ident.is_administrator:
        raise ForbiddenError("Membership in group 'administrators' required.")
    mark_checked()
