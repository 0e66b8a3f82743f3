from __future__ import annotations

from ..errors import ServiceError, ValidationError


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
