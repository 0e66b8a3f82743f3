"""Marshmallow schemas of the resource API (validation and OpenAPI)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..text import KEYNAME_MAX, Name, Text


class Ref(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    id = fields.Integer(required=True, strict=True)


class AclRule(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    action = fields.String(required=True, validate=validate.OneOf(["allow", "deny"]))
    principal = fields.Nested(Ref, required=True)
    identity = fields.String(load_default="")
    scope = fields.String(load_default="")
    permission = fields.String(load_default="")
    propagate = fields.Boolean(load_default=True)


class ResourceSection(ma.Schema):
    """The ``resource`` section; read-only keys (id, cls on update, children...) are ignored."""

    class Meta:
        unknown = ma.EXCLUDE

    cls = fields.String()
    parent = fields.Nested(Ref, allow_none=True)
    display_name = fields.String(validate=Name(min_length=1))
    keyname = fields.String(allow_none=True, validate=Name(KEYNAME_MAX, min_length=1))
    description = fields.String(allow_none=True, validate=Text())
    owner_user = fields.Nested(Ref)
    permissions = fields.List(fields.Nested(AclRule))


class ResourceBody(ma.Schema):
    """Only the ``resource`` section, so error paths read ``$.resource.<field>``."""

    class Meta:
        unknown = ma.EXCLUDE

    resource = fields.Nested(ResourceSection, required=True)


class ResourceDocument(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    resource = fields.Nested(ResourceSection, required=True)
    resmeta = fields.Dict()


class CreatedResponse(ma.Schema):
    id = fields.Integer()
    parent = fields.Nested(Ref)


class QuotaResponse(ma.Schema):
    limit = fields.Integer(allow_none=True)
    count = fields.Integer()


class DeleteSummary(ma.Schema):
    affected = fields.Dict()
    unaffected = fields.Dict()
