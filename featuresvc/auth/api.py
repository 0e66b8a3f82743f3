"""Auth API: session login/logout, current user, users, groups and API tokens."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from .. import db
from ..http import json_response, parse_body, query_bool, read_body
from ..routing import route
from ..security import Administrator, Authenticated, Public
from . import service, store
from .api_identity import current_identity
from .exceptions import AuthenticationRequired, InvalidCredentialsException, PrincipalNotFound
from .identity import SESSION_COOKIE, check_login, system_principals
from .passwords import check_length, new_secret, secret_hash
from .schema import GroupWrite, Login, TokenCreate, TokenCreated, UserWrite

bp = Blueprint("auth", __name__, description="Authentication, users and groups")


def _login_body() -> dict:
    # Cache the body first: parsing .form would consume it, and GDAL-style clients send JSON
    # as application/x-www-form-urlencoded (spec Decision 3).
    read_body()
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") \
            and "login" in request.form:
        return {"login": request.form["login"], "password": request.form.get("password", "")}
    # A NUL cannot match any login: wrong credentials (401) like NGW, not a 422.
    return parse_body(Login(), nul_check=False)


@route(bp, "/api/component/auth/login", methods=["POST"], name="auth.login", access=Public(),
       body_limit="login",
       body=Login, summary="Start a cookie session (ngw_sid)")
def login():
    body = _login_body()
    check_length(body["password"])
    conn = db.connection()
    row = check_login(conn, current_app.config["FEATURESVC"], body["login"], body["password"],
                      request.remote_addr)
    if row is None:
        raise InvalidCredentialsException()
    if row.disabled:
        raise InvalidCredentialsException("User is disabled.")
    sid = new_secret()
    max_age = current_app.config["FEATURESVC"].session_max_age
    store.insert_session(conn, secret_hash(sid), row.id, max_age)
    resp = json_response({"id": row.id, "keyname": row.keyname,
                          "display_name": row.display_name, "home_url": None})
    resp.set_cookie(SESSION_COOKIE, sid, max_age=max_age, httponly=True, samesite="Lax",
                    path="/", secure=_secure_cookie())
    return resp


def _secure_cookie() -> bool:
    """Secure when configured, or when the request came over https (directly or through a
    trusted proxy's X-Forwarded-Proto, see featuresvc.proxy)."""
    return current_app.config["FEATURESVC"].session_cookie_secure or request.scheme == "https"


@route(bp, "/api/component/auth/logout", methods=["POST"], name="auth.logout", body_limit="login",
       access=Public(), summary="End the cookie session")
def logout():
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        store.delete_session(db.connection(), secret_hash(sid))
    resp = json_response({})
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax",
                       secure=_secure_cookie())
    return resp


@route(bp, "/api/component/auth/current_user", methods=["GET"], name="auth.current_user",
       access=Public(), summary="The calling user")
def current_user():
    ident = current_identity()
    if ident.is_guest and query_bool("require_authenticated"):
        raise AuthenticationRequired()
    if not ident.is_guest:
        store.touch_activity(db.connection(), ident.id)
    return json_response({
        "id": ident.id, "keyname": ident.keyname, "display_name": ident.display_name,
        "language": ident.language or "en", "auth_medium": ident.auth_medium,
        "auth_provider": None if ident.auth_medium in (None, "bearer") else "local_pw",
    })


# -- users and groups (administrators) ---------------------------------------------------------

def _admin_group() -> int:
    return system_principals(db.connection())["administrators"]


@route(bp, "/api/component/auth/user/", methods=["GET"], name="auth.user.collection",
       access=Administrator(), summary="List users")
def user_collection():
    rows = store.list_principals(db.connection(), "U")
    if query_bool("brief"):
        return json_response([{"id": r.id, "system": r.system, "keyname": r.keyname,
                               "display_name": r.display_name, "disabled": r.disabled}
                              for r in rows])
    return json_response([service.user_doc(r, _admin_group()) for r in rows])


@route(bp, "/api/component/auth/user/", methods=["POST"], name="auth.user.collection",
       access=Administrator(), body=UserWrite, summary="Create a user", status=201)
def user_create():
    user_id = service.create_user(db.connection(), parse_body(UserWrite()))
    return json_response({"id": user_id}, status=201)


@route(bp, "/api/component/auth/user/<int:id>", methods=["GET"], name="auth.user.item",
       access=Administrator(), summary="A user")
def user_item(id: int):
    return json_response(service.user_doc(service.get(db.connection(), id, "U"), _admin_group()))


@route(bp, "/api/component/auth/user/<int:id>", methods=["PUT"], name="auth.user.item",
       access=Administrator(), body=UserWrite, summary="Update a user (partial)")
def user_update(id: int):
    ident, sid = current_identity(), request.cookies.get(SESSION_COOKIE)
    own = secret_hash(sid) if sid and ident.auth_medium == "session" and ident.id == id \
        else None
    service.update_user(db.connection(), id, parse_body(UserWrite()), keep_session=own)
    return json_response({})


@route(bp, "/api/component/auth/user/<int:id>", methods=["DELETE"], name="auth.user.item",
       access=Administrator(), summary="Delete a user")
def user_delete(id: int):
    service.delete(db.connection(), id, "U")
    return json_response({})


@route(bp, "/api/component/auth/group/", methods=["GET"], name="auth.group.collection",
       access=Administrator(), summary="List groups")
def group_collection():
    return json_response([service.group_doc(r) for r in store.list_principals(db.connection(),
                                                                               "G")])


@route(bp, "/api/component/auth/group/", methods=["POST"], name="auth.group.collection",
       access=Administrator(), body=GroupWrite, summary="Create a group", status=201)
def group_create():
    group_id = service.create_group(db.connection(), parse_body(GroupWrite()))
    return json_response({"id": group_id}, status=201)


@route(bp, "/api/component/auth/group/<int:id>", methods=["GET"], name="auth.group.item",
       access=Administrator(), summary="A group")
def group_item(id: int):
    return json_response(service.group_doc(service.get(db.connection(), id, "G")))


@route(bp, "/api/component/auth/group/<int:id>", methods=["PUT"], name="auth.group.item",
       access=Administrator(), body=GroupWrite, summary="Update a group (partial)")
def group_update(id: int):
    service.update_group(db.connection(), id, parse_body(GroupWrite()))
    return json_response({})


@route(bp, "/api/component/auth/group/<int:id>", methods=["DELETE"], name="auth.group.item",
       access=Administrator(), summary="Delete a group")
def group_delete(id: int):
    service.delete(db.connection(), id, "G")
    return json_response({})


# -- API tokens (each user manages their own) ---------------------------------------------------

def _token_doc(row) -> dict:
    return {"id": row.id, "description": row.description, "prefix": row.prefix,
            "created": row.created.isoformat(),
            "expires": row.expires.isoformat() if row.expires else None,
            "last_used": row.last_used.isoformat() if row.last_used else None}


@route(bp, "/api/component/auth/token/", methods=["GET"], name="auth.token.collection",
       access=Authenticated(), summary="The caller's API tokens (secrets are never shown)")
def token_collection():
    rows = store.list_tokens(db.connection(), current_identity().id)
    return json_response([_token_doc(r) for r in rows])


@route(bp, "/api/component/auth/token/", methods=["POST"], name="auth.token.collection",
       access=Authenticated(), body=TokenCreate, response=TokenCreated, status=201,
       summary="Create an API token; the secret is returned once")
def token_create():
    body = parse_body(TokenCreate(), allow_empty=True, default={})
    secret = "fsvc_" + new_secret()
    row = store.insert_token(db.connection(), current_identity().id, secret_hash(secret),
                             secret[:12], body["description"], body["expires"])
    return json_response({**_token_doc(row), "token": secret}, status=201)


@route(bp, "/api/component/auth/token/<int:id>", methods=["DELETE"], name="auth.token.item",
       access=Authenticated(), summary="Revoke one of the caller's tokens")
def token_delete(id: int):
    if not store.delete_token(db.connection(), current_identity().id, id):
        raise PrincipalNotFound(f"Token with id = {id} was not found.", data={"id": id})
    return json_response({})
