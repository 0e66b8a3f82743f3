"""One exception base for the whole service; it knows nothing about Flask.

The API layer renders any :class:`ServiceError` (and Flask's own HTTP errors) as NGW's error
envelope. ``exception`` is ``featuresvc.<component>.<NGWClassName>`` (spec Decision 7).
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status_code = 500
    title = "Internal server error"
    component = "core"
    ngw_class: str | None = None
    contact: str | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str | None = None,
        data: dict[str, Any] | None = None,
        title: str | None = None,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.title)
        self.message = message
        self.detail = detail
        self.data = data or {}
        self.headers = headers or {}
        if title:
            self.title = title
        if status_code:
            self.status_code = status_code

    @property
    def exception_name(self) -> str:
        return f"featuresvc.{self.component}.{self.ngw_class or type(self).__name__}"


class ValidationError(ServiceError):
    status_code = 422
    title = "Validation error"


class MalformedJSONBody(ServiceError):
    status_code = 400
    title = "Malformed JSON body"
    component = "pyramid"


class RequestBodyTooLarge(ServiceError):
    """A body over its route's limit (see bodylimit), refused before or while reading it."""

    status_code = 413
    title = "Request body too large"
    component = "pyramid"

    def __init__(self, limit: int, message: str) -> None:
        super().__init__(message, data={"max_size": limit})


class ForbiddenError(ServiceError):
    status_code = 403
    title = "Forbidden"


class NotFound(ServiceError):
    """An unknown route or object (NGW's PyramidHTTPError for 404)."""

    status_code = 404
    title = "Not found"
    component = "pyramid"
    ngw_class = "PyramidHTTPError"


class TransactionConflict(ServiceError):
    """The database aborted the request's transaction because of a concurrent one (deadlock,
    serialization failure): nothing was written, and sending the request again is safe."""

    status_code = 503
    title = "Concurrent write conflict"
    component = "core"
    contact = "support"

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(
            "The request conflicted with a concurrent one and was rolled back; nothing was "
            f"written. Retry it in {retry_after} s.", data={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)})


class InternalServerError(ServiceError):
    status_code = 500
    title = "Internal server error"
    component = "pyramid"
    contact = "administrator"
