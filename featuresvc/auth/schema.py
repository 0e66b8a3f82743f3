from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..text import KEYNAME_MAX, Name, Text

KEYNAME = validate.Regexp(r"^[A-Za-z][A-Za-z0-9_\-]*$",
                          error="Keyname must start with a letter and contain only letters, "
                                "digits, '_' and '-'.")


class _Base(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class UserWrite(_Base):
    keyname = fields.String(validate=[Name(KEYNAME_MAX), KEYNAME])
    display_name = fields.String(validate=Name(min_length=1))
    description = fields.String(allow_none=True, validate=Text())
    password = fields.Raw(allow_none=True)  # a string sets it, null/false removes it
    disabled = fields.Boolean()
    superuser = fields.Boolean()
    language = fields.String(allow_none=True)
    member_of = fields.List(fields.Integer(strict=True))


class GroupWrite(_Base):
    keyname = fields.String(validate=[Name(KEYNAME_MAX), KEYNAME])
    display_name = fields.String(validate=Name(min_length=1))
    description = fields.String(allow_none=True, validate=Text())
    register = fields.Boolean()
    members = fields.List(fields.Integer(strict=True))


class Login(_Base):
    login = fields.String(required=True)
    password = fields.String(required=True)


class TokenCreate(_Base):
    description = fields.String(allow_none=True, load_default=None, validate=Text())
    expires = fields.NaiveDateTime(allow_none=True, load_default=None)


class TokenCreated(ma.Schema):
    id = fields.Integer()
    token = fields.String()
