from __future__ import annotations

from ..errors import ForbiddenError, ServiceError, ValidationError


class ResourceNotFound(ServiceError):
    status_code = 404
    title = "Resource not found"
    component = "resource"

    def __init__(self, resource_id: int | str):
        super().__init__(f"Resource with id = {resource_id} was not found.",
                         data={"resource_id": resource_id})


class InsufficientPermissions(ServiceError):
    status_code = 403
    title = "Insufficient permissions"
    component = "core"

    def __init__(self, resource_id: int, permission: str, message: str | None = None):
        scope, _, name = permission.partition(".")
        super().__init__(
            message or f"Insufficient '{permission}' permission on resource id = {resource_id}.",
            data={"resource": {"id": resource_id}, "permission": name, "scope": scope},
        )


class AttributeUpdateForbidden(ForbiddenError):
    title = "Attribute update forbidden"
    component = "resource"

    def __init__(self, attribute: str, serializer: str, permission: str):
        scope, _, name = permission.partition(".")
        super().__init__(
            f"Attribute '{serializer}.{attribute}' update requires '{permission}' permission.",
            data={"scope": scope, "permission": name, "serializer": serializer,
                  "attribute": attribute},
        )


class DisplayNameNotUnique(ValidationError):
    title = "Resource display name is not unique"
    component = "resource"

    def __init__(self, resource_id: int | None):
        """``resource_id`` is None when the caller may not learn which resource it is."""
        which = f" (id = {resource_id})" if resource_id is not None else ""
        super().__init__(
            f"Resource display name is not unique. Resource with same name already "
            f"exists{which}.",
            data={"resource_id": resource_id},
        )


class HierarchyError(ValidationError):
    title = "Hierarchy error"
    component = "resource"


class ResourceRootDeleteError(ValidationError):
    title = "Root resource could not be deleted"
    component = "resource"

    def __init__(self) -> None:
        super().__init__("Root resource could not be deleted.")


class ResourceError(ValidationError):
    """A resource document that cannot be applied (NGW's generic ValidationError)."""

    component = "core"
    ngw_class = "ValidationError"
