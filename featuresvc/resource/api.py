"""Resource tree API (spec sections 1, 7 and 11): views parse, check, call, dump."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from .. import db
from ..auth.identity import identity_for
from ..errors import ValidationError
from ..http import json_body, json_response, query_bool, query_int_list
from ..routing import query_param, route
from ..security import CheckedInView, Public, mark_checked, require_administrator
from . import classes, search, service, store
from .access import PermissionResolver
from .api_access import OnResource, request_context, resolver
from .documents import class_order, documents
from .schema import CreatedResponse, DeleteSummary, QuotaResponse, ResourceDocument
from .sections import Context

bp = Blueprint("resource", __name__, description="Resource tree")


def context() -> Context:
    return request_context()


@route(bp, "/api/resource/", methods=["GET"], name="resource.collection",
       access=OnResource("resource.read", query="parent", query_default=0),
       summary="Children of a resource (full documents), or [root] without parent",
       params=[query_param("parent", "integer")])
def collection():
    ctx = context()
    if request.args.get("parent") in (None, ""):
        return json_response(documents(ctx, [store.get(ctx.conn, 0)]))
    parent_id = int(request.args["parent"])
    children = sorted(store.children(ctx.conn, parent_id), key=class_order)
    return json_response(documents(ctx, children))


@route(bp, "/api/resource/", methods=["POST"], name="resource.collection",
       access=CheckedInView("'resource.manage_children' on the parent and 'resource.create' "
                            "on the new resource."),
       summary="Create a resource", body=ResourceDocument, response=CreatedResponse,
       status=201)
def create():
    ctx = context()
    res = service.create(ctx, json_body())
    return json_response({"id": res.id, "parent": {"id": res.parent_id}}, status=201)


@route(bp, "/api/resource/<int:id>", methods=["GET"], name="resource.item",
       access=OnResource("resource.read"), summary="Resource document")
def item(id: int):
    ctx = context()
    return json_response(documents(ctx, [service.get_readable(ctx, id)])[0])


@route(bp, "/api/resource/<int:id>", methods=["PUT"], name="resource.item",
       access=OnResource("resource.read"), body=ResourceDocument,
       summary="Update a resource (partial; each attribute checks its own permission)")
def update(id: int):
    ctx = context()
    service.update(ctx, service.get_readable(ctx, id), json_body())
    return json_response({})


@route(bp, "/api/resource/<int:id>", methods=["DELETE"], name="resource.item",
       access=OnResource("resource.delete"), summary="Delete a resource and its subtree")
def delete(id: int):
    service.delete(context(), id)
    return json_response({})


@route(bp, "/api/resource/search/", methods=["GET"], name="resource.search",
       access=Public(), summary="Search readable resources")
def search_view():
    return json_response(search.run(context(), request.args))


def _bulk_ids() -> list[int]:
    ids = query_int_list("resources")
    if ids is None:
        raise ValidationError("Query parameter 'resources' is required.",
                              data={"location": ["query", "resources"]})
    return ids


@route(bp, "/api/resource/delete", methods=["GET"], name="resource.delete",
       access=Public(), summary="Dry run of a bulk delete", response=DeleteSummary,
       params=[query_param("resources", "string", "Comma-separated resource ids")])
def bulk_delete_dry_run():
    affected, unaffected = service.delete_summary(context(), _bulk_ids())
    return json_response({"affected": affected, "unaffected": unaffected})


@route(bp, "/api/resource/delete", methods=["POST"], name="resource.delete",
       access=CheckedInView("'resource.delete' and 'resource.manage_children' on each "
                            "resource and its descendants."),
       summary="Bulk delete", params=[query_param("resources", "string"),
                                      query_param("partial", "boolean")])
def bulk_delete():
    partial = query_bool("partial")
    service.delete_many(context(), _bulk_ids(), partial=partial)
    mark_checked()
    return json_response({})


def _permission_doc(res_cls: str, perms: frozenset[str]) -> dict:
    rcls = classes.get(res_cls)
    return {scope: {p: f"{scope}.{p}" in perms for p in classes.SCOPES[scope]}
            for scope in rcls.scopes}


def _resolver_for_query() -> PermissionResolver:
    user = request.args.get("user")
    if user in (None, ""):
        return resolver()
    require_administrator()
    try:
        ident = identity_for(db.connection(), int(user))
    except ValueError:
        ident = None
    if ident is None:
        raise ValidationError(f"User with id = {user} was not found.",
                              data={"location": ["query", "user"]})
    return PermissionResolver(db.connection(), ident)


@route(bp, "/api/resource/<int:id>/permission", methods=["GET"], name="resource.permission",
       access=OnResource("resource.read"), summary="Effective permissions of the caller",
       params=[query_param("user", "integer", "Another user (administrators only)")])
def permission(id: int):
    res = service.get_readable(context(), id)
    perms = _resolver_for_query().permissions(id) or frozenset()
    return json_response(_permission_doc(res.cls, perms))


@route(bp, "/api/resource/<int:id>/permission/explain", methods=["GET"],
       name="resource.permission.explain", access=OnResource("resource.read"),
       summary="Which ACL rules grant or deny each permission",
       params=[query_param("user", "integer")])
def permission_explain(id: int):
    res = service.get_readable(context(), id)
    res_resolver = _resolver_for_query()
    perms = res_resolver.permissions(id) or frozenset()
    explanation = res_resolver.explain(id)

    def rules(bucket, perm):
        return [{"resource": {"id": rid}, "action": r.action, "principal": {"id": r.principal_id},
                 "identity": r.identity, "scope": r.scope, "permission": r.permission,
                 "propagate": r.propagate} for rid, r in bucket.get(perm, [])]

    result = {}
    for scope, items in _permission_doc(res.cls, perms).items():
        result[scope] = {
            name: {"result": granted, "allowed_by": rules(explanation.allowed, f"{scope}.{name}"),
                   "denied_by": rules(explanation.denied, f"{scope}.{name}")}
            for name, granted in items.items()
        }
    return json_response(result)


@route(bp, "/api/resource/<int:id>/volume", methods=["GET"], name="resource.volume",
       access=OnResource("resource.read"), summary="Stored data volume of the subtree")
def volume(id: int):
    return json_response({"volume": service.volume(context(), id)})


@route(bp, "/api/resource/quota", methods=["GET"], name="resource.quota", access=Public(),
       summary="Resource quota (count: the resources the caller may read)",
       response=QuotaResponse)
def quota():
    return json_response({"limit": None, "count": service.readable_count(context())})


@route(bp, "/api/component/resource/check_quota", methods=["POST"],
       name="resource.check_quota", access=Public(), summary="Check a quota request")
def check_quota():
    body = json_body(allow_empty=True, default={})
    if not isinstance(body, dict):
        raise ValidationError("Request body must be a JSON object - at `$`.")
    for cls_id, count in body.items():
        if classes.get(cls_id) is None:
            raise ValidationError(f"Unknown resource class '{cls_id}'.")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValidationError(f"Expected a non-negative integer - at `$.{cls_id}`.")
    return json_response({"success": True})


@route(bp, "/api/component/resource/blueprint", methods=["GET"], name="resource.blueprint",
       access=Public(), summary="Resource classes, scopes and permissions")
def blueprint():
    resources = {
        c.identity: {"identity": c.identity, "label": c.label,
                     "base_classes": list(c.base_classes), "interfaces": list(c.interfaces),
                     "scopes": list(c.scopes), "category": c.category, "order": c.order}
        for c in classes.all_classes()
    }
    scopes = {
        s: {"identity": s, "label": classes.SCOPE_LABELS[s],
            "permissions": {p: {"identity": p, "label": label} for p, label in perms.items()}}
        for s, perms in classes.SCOPES.items()
    }
    categories = {c.category: {"identity": c.category, "label": c.category.replace("_", " ")
                               .capitalize(), "order": c.order} for c in classes.all_classes()}
    return json_response({"resources": resources, "scopes": scopes, "categories": categories})
