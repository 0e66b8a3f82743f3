"""Permission checks on one resource, written once (spec Decision 1).

A resource the caller cannot read answers exactly as a missing one (404
``ResourceNotFound``), whatever else is asked; a readable one lacking a permission gives 403,
or 401 with a Basic challenge to an anonymous caller, so that clients know to log in. Route
declarations (:class:`featuresvc.resource.api_access.OnResource` and its subclasses), views
and services all check through :func:`require`, so these answers cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from ..auth.exceptions import AuthenticationRequired
from .access import PermissionResolver
from .acl import READ, Node
from .exceptions import InsufficientPermissions, ResourceNotFound

#: A test on a resource class identity (for example "is a feature layer").
ClassTest = Callable[[str], bool]


def readable_permissions(res: PermissionResolver, resource_id: int) -> frozenset[str] | None:
    """The caller's permissions on the resource, or None when it is missing or unreadable
    (the caller must not tell the two apart)."""
    perms = res.permissions(resource_id)
    return perms if perms and READ in perms else None


def visible(res: PermissionResolver, resource_id: int, kind: ClassTest | None = None) -> Node:
    """The resource's node; ``ResourceNotFound`` when it is missing, unreadable or, with
    ``kind``, of a class that does not pass it (the route does not exist for it)."""
    if readable_permissions(res, resource_id) is None:
        raise ResourceNotFound(resource_id)
    node = res.nodes[resource_id]
    if kind is not None and not kind(node.cls):
        raise ResourceNotFound(resource_id)
    return node


def require(res: PermissionResolver, resource_id: int, *permissions: str,
            kind: ClassTest | None = None) -> Node:
    """:func:`visible`, then every permission in turn; marks the resolver as checked for the
    route wrapper (:func:`featuresvc.security.was_checked`). Returns the resource's node."""
    node = visible(res, resource_id, kind)
    perms = res.permissions(resource_id) or frozenset()
    for permission in permissions:
        if permission not in perms:
            _deny(res, resource_id, permission)
    res.checked = True
    return node


def _deny(res: PermissionResolver, resource_id: int, permission: str) -> NoReturn:
    if res.caller.is_guest:
        raise AuthenticationRequired(
            f"Insufficient '{permission}' permission on resource id = {resource_id}; "
            "authentication required.")
    raise InsufficientPermissions(resource_id, permission)
