from __future__ import annotations

from ..errors import ForbiddenError, ServiceError, ValidationError


class InvalidCredentialsException(ServiceError):
    status_code = 401
    title = "Invalid credentials"
    component = "auth"

    def __init__(self, message: str = "Invalid login or password.", **kwargs):
        headers = {"WWW-Authenticate": 'Basic realm="featuresvc"'}
        super().__init__(message, headers=headers, **kwargs)


class AuthenticationRequired(ServiceError):
    """Anonymous caller lacks a permission (spec Decision 1: 401 with a challenge)."""

    status_code = 401
    title = "Unauthorized"
    component = "auth"
    ngw_class = "UnauthorizedException"

    def __init__(self, message: str = "Authentication required.", **kwargs):
        super().__init__(message, headers={"WWW-Authenticate": 'Basic realm="featuresvc"'},
                         **kwargs)


class MalformedAuthorization(ServiceError):
    status_code = 400
    title = "Malformed authorization header"
    component = "auth"
    ngw_class = "MalformedAuthorizationHeader"


class PrincipalNotFound(ServiceError):
    status_code = 404
    title = "Principal not found"
    component = "auth"
    ngw_class = "PrincipalNotFound"


class PrincipalNotUnique(ValidationError):
    component = "auth"
    ngw_class = "PrincipalNotUnique"


class CrossOriginRequest(ForbiddenError):
    """A cookie-authenticated write (or a login) sent from another site's page (CSRF)."""

    component = "auth"
    ngw_class = "ForbiddenError"


class TooManyLoginAttempts(ServiceError):
    """Too many failed logins for a login or from an address: refused until the lock ends."""

    status_code = 429
    title = "Too many failed logins"
    component = "auth"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, data={"retry_after": retry_after},
                         headers={"Retry-After": str(retry_after)})
