"""Errors of the spatial_ref_sys component (NGW-like messages)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ServiceError, ValidationError

COMPONENT = "spatial_ref_sys"


class SRSNotFound(ValidationError):
    """An unknown SRS id given as input (query string or body): 422 (spec Decision 2)."""

    component = COMPONENT
    title = "SRS not found"

    def __init__(self, srs_id: object, location: Sequence[str] = ("srs",)):
        super().__init__(f"SRS with id = {srs_id} was not found.",
                         data={"location": list(location), "srs_id": srs_id})


class SRSItemNotFound(ServiceError):
    """An unknown SRS id in the URL path: 404, like any missing object."""

    status_code = 404
    title = "SRS not found"
    component = COMPONENT
    ngw_class = "SRSNotFound"

    def __init__(self, srs_id: int):
        super().__init__(f"SRS with id = {srs_id} was not found.", data={"srs_id": srs_id})


class SRSValidationError(ValidationError):
    component = COMPONENT
    ngw_class = "ValidationError"


class SRSNotUnique(ValidationError):
    component = COMPONENT
    title = "Coordinate system name is not unique"

    def __init__(self) -> None:
        super().__init__("Coordinate system name is not unique.",
                         data={"location": ["body", "display_name"]})


class SRSProtected(ValidationError):
    component = COMPONENT
    title = "Standard coordinate system"


class SRSInUse(ValidationError):
    component = COMPONENT
    title = "Coordinate system is in use"


class InvalidSRSDefinition(ValidationError):
    component = COMPONENT
    title = "Invalid SRS definition"

    def __init__(self, message: str, field: str):
        super().__init__(message, data={"location": ["body", field]})
