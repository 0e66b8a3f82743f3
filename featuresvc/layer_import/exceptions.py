"""Errors of the layer_import component. On the wire they are NGW's ``vector_layer``
errors (the component NGW imports layers in)."""

from __future__ import annotations

from ..errors import ServiceError, ValidationError

COMPONENT = "vector_layer"


class SessionNotFound(ServiceError):
    status_code = 404
    title = "Import session not found"
    component = COMPONENT
    ngw_class = "ImportSessionNotFound"


class SessionConflict(ServiceError):
    status_code = 409
    title = "Import session busy"
    component = COMPONENT
    ngw_class = "ImportSessionConflict"


class SourceError(ValidationError):
    title = "Unsupported or unreadable file"
    component = COMPONENT


class ImportError_(ValidationError):  # "_": not the builtin ImportError
    component = COMPONENT
    ngw_class = "ValidationError"


class GuardError(RuntimeError):
    """GDAL could not be hardened: opening user files is refused rather than unguarded."""
