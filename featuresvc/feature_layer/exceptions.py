from __future__ import annotations

from ..errors import ServiceError, ValidationError


class BadValue(ValueError):
    """A value that does not fit its field; the message says why. Raised by the value
    converters (values.py); the loader or filter parser turns it into a 422 naming the
    feature or parameter."""


class FeatureNotFound(ServiceError):
    status_code = 404
    title = "Feature not found"
    component = "feature_layer"

    def __init__(self, resource_id: int, feature_id: int):
        super().__init__(
            f"Feature with id = {feature_id} was not found in resource id = {resource_id}.",
            data={"resource_id": resource_id, "feature_id": feature_id})


class FVersioningNotEnabled(ValidationError):
    """A point-in-time read (``version=``) of a layer without versioning (spec 3.2)."""

    title = "Versioning not enabled"
    component = "feature_layer.versioning"

    def __init__(self, resource_id: int):
        super().__init__(f"Feature versioning is not enabled for resource id = "
                         f"{resource_id}.", data={"resource_id": resource_id})
