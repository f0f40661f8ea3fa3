"""Administrators' API: accounts (deactivate, activate, reset a password), every API token, and
organizations with their GS1 company prefixes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from tracelabel import admin_units
from tracelabel.extensions import db
from tracelabel.models import ORGANIZATION_KINDS, ROLES, Organization
from tracelabel.services import accounts, organizations
from tracelabel.services.pages import Page
from tracelabel.web.api import schemas

users = Blueprint("users", __name__, url_prefix="/api/v1/users",
                  description="Accounts: deactivate, activate, reset a password (administrators).")
tokens = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens",
                   description="Every account's API tokens: list and revoke (administrators).")
organizations_api = Blueprint("organizations", __name__, url_prefix="/api/v1/organizations",
                              description="Producer organizations and their GS1 company prefixes "
                                          "(administrators).")
BLUEPRINTS = (users, tokens, organizations_api)


def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse everyone but administrators (403) before the request body is even read."""
    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        organizations.require_admin(g.actor)
        return view(*args, **kwargs)
    return checked


# Accounts

class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String(allow_none=True)
    role = fields.String()
    organization_id = fields.Integer(allow_none=True)
    organization_name = fields.Function(
        lambda user: user.organization.name if user.organization else None, allow_none=True)
    scope_province_code = fields.String(allow_none=True, metadata={
        "description": "inspectors and programme officials: the province they see; null is national"})
    scope_province = fields.Function(
        lambda user: (admin_units.province_by_code(user.scope_province_code).name
                      if user.scope_province_code else None), allow_none=True)
    is_active = fields.Boolean()
    must_change_password = fields.Boolean(
        metadata={"description": "after a reset: a new password is asked for at the next sign-in"})
    created_at = fields.AwareDateTime()
    last_login_at = fields.AwareDateTime(allow_none=True)


class UserPageSchema(schemas.PageSchema):
    items = fields.List(fields.Nested(UserSchema))


class UserQuerySchema(schemas.ListQuerySchema):
    role = schemas.choice(ROLES)
    organization_id = schemas.query_id()
    is_active = fields.Boolean()


class PasswordResetInSchema(schemas.InputSchema):
    password = fields.String(allow_none=True, validate=validate.Length(max=1024), metadata={
        "description": "the new password; leave it out to have a one-time password generated"})


class PasswordResetSchema(Schema):
    user = fields.Nested(UserSchema)
    password = fields.String(allow_none=True, metadata={
        "description": "the generated one-time password, in this answer only; null when you set one"})


class UserInSchema(schemas.InputSchema):
    email = schemas.text(254, required=True)
    password = fields.String(required=True, validate=validate.Length(max=1024))
    role = schemas.choice(ROLES, required=True)
    organization_id = schemas.identifier(allow_none=True)
    display_name = schemas.text(200)
    scope = schemas.text(100, metadata={
        "description": "inspectors and programme officials: a province (name or code) or national"})


class ScopeInSchema(schemas.InputSchema):
    scope = schemas.text(100, required=True, metadata={
        "description": "a province (name or code), or national"})


@users.route("")
class UserCollection(MethodView):
    @admin_only
    @users.arguments(UserQuerySchema, location="query")
    @users.response(200, UserPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Every account by email, filtered by role, organization and whether it is active."""
        return accounts.user_page(db.session, g.actor, **args)

    @admin_only
    @users.arguments(UserInSchema)
    @users.response(201, UserSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Create an account; inspectors and programme officials with their ``scope``."""
        user = accounts.create_user(db.session, g.actor, **values)
        db.session.commit()
        return user


@users.route("/<int:user_id>/scope", methods=["POST"])
@admin_only
@users.arguments(ScopeInSchema)
@users.response(200, UserSchema)
def set_scope(values: dict[str, Any], user_id: int) -> Any:
    """Limit an inspector or programme official to one province, or make it national."""
    user = accounts.set_scope(db.session, g.actor, user_id, values["scope"])
    db.session.commit()
    return user


@users.route("/<int:user_id>/deactivate", methods=["POST"])
@admin_only
@users.response(200, UserSchema)
def deactivate(user_id: int) -> Any:
    """Switch an account off: its sessions and API tokens are refused from the next request on
    (409 for your own account)."""
    user = accounts.set_active(db.session, g.actor, user_id, False)
    db.session.commit()
    return user


@users.route("/<int:user_id>/activate", methods=["POST"])
@admin_only
@users.response(200, UserSchema)
def activate(user_id: int) -> Any:
    """Switch an account on again: its unrevoked tokens work again; its person signs in afresh."""
    user = accounts.set_active(db.session, g.actor, user_id, True)
    db.session.commit()
    return user


@users.route("/<int:user_id>/reset-password", methods=["POST"])
@admin_only
@users.arguments(PasswordResetInSchema)
@users.response(200, PasswordResetSchema)
def reset_password(values: dict[str, Any], user_id: int) -> Any:
    """Set a new password (or have one generated, returned once); the account's sessions end and
    a new password is asked for at its next sign-in. Its tokens stay as they are."""
    user, generated = accounts.reset_password(db.session, g.actor, user_id, values.get("password"))
    db.session.commit()
    return {"user": user, "password": generated}


# API tokens

class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    token_prefix = fields.String(metadata={"description": "the token's first characters"})
    user_id = fields.Integer()
    email = fields.Function(lambda token: token.user.email, metadata={"description": "its owner"})
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    status = fields.Function(lambda token: accounts.token_state(token),
                             metadata={"description": "active, expired or revoked"})


class TokenPageSchema(schemas.PageSchema):
    items = fields.List(fields.Nested(TokenSchema))


class TokenQuerySchema(schemas.ListQuerySchema):
    email = fields.String(validate=validate.Length(1, 254), metadata={"description": "the owner's"})


@tokens.route("")
@admin_only
@tokens.arguments(TokenQuerySchema, location="query")
@tokens.response(200, TokenPageSchema)
def list_tokens(args: dict[str, Any]) -> Any:
    """Every account's API tokens, newest first (revoked and expired ones included)."""
    return accounts.list_all_tokens(db.session, g.actor, **args)


@tokens.route("/<int:token_id>/revoke", methods=["POST"])
@admin_only
@tokens.response(200, TokenSchema)
def revoke(token_id: int) -> Any:
    """Revoke any account's token (409 if it already is)."""
    token = accounts.revoke_token(db.session, g.actor, token_id)
    db.session.commit()
    return token


# Organizations

class OrganizationInSchema(schemas.PlaceInSchema):
    name = schemas.text(200, required=True)
    kind = schemas.choice(ORGANIZATION_KINDS)
    tax_code = schemas.text(20)
    address = schemas.text(300)
    phone = schemas.text(40)
    email = schemas.text(200)
    website = schemas.text(200)
    gs1_prefixes = fields.List(
        fields.String(validate=validate.Length(1, 20)), validate=validate.Length(max=50),
        metadata={"description": "GS1 company prefixes as they start a 13-digit GTIN "
                                 "(e.g. 8936045); on PATCH the list replaces the set"})


class OrganizationPatchSchema(OrganizationInSchema):
    pass


class OrganizationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    tax_code = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    province_code = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)
    commune_code = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    gs1_prefixes = fields.List(fields.String())
    accounts = fields.Integer()
    created_at = fields.AwareDateTime()


class OrganizationPageSchema(schemas.PageSchema):
    items = fields.List(fields.Nested(OrganizationSchema))


def _out(organization: Organization, count: int | None = None) -> dict[str, Any]:
    columns = ("id", "name", "kind", "tax_code", "province", "province_code", "commune",
               "commune_code", "address", "phone", "email", "website", "created_at")
    return {**{key: getattr(organization, key) for key in columns},
            "gs1_prefixes": [entry.prefix for entry in organization.gs1_prefixes],
            "accounts": organizations.account_count(db.session, organization.id)
            if count is None else count}


@organizations_api.route("")
class OrganizationCollection(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [admin_only]

    @organizations_api.arguments(schemas.ListQuerySchema, location="query")
    @organizations_api.response(200, OrganizationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Every organization by name, with its prefixes and number of accounts."""
        rows = organizations.list_organizations(db.session, g.actor)
        start = (args["page"] - 1) * args["per_page"]
        items = [_out(org, count) for org, count in rows[start:start + args["per_page"]]]
        return Page(items, len(rows), args["page"], args["per_page"])

    @organizations_api.arguments(OrganizationInSchema)
    @organizations_api.response(201, OrganizationSchema)
    def post(self, values: dict[str, Any]) -> Any:
        """Register a producer organization (422 for a prefix that is malformed or another's)."""
        organization = organizations.create_organization(db.session, g.actor, **values)
        db.session.commit()
        return _out(organization, 0)


@organizations_api.route("/<int:organization_id>")
class OrganizationItem(MethodView):
    decorators: ClassVar[list[Callable[..., Any]]] = [admin_only]

    @organizations_api.response(200, OrganizationSchema)
    def get(self, organization_id: int) -> Any:
        """Read one organization."""
        return _out(organizations.get_organization(db.session, organization_id))

    @organizations_api.arguments(OrganizationPatchSchema(partial=True))
    @organizations_api.response(200, OrganizationSchema)
    def patch(self, changes: dict[str, Any], organization_id: int) -> Any:
        """Change an organization; ``gs1_prefixes`` replaces the set, and removing a prefix that a
        product's GTIN depends on is refused (409 naming the products)."""
        organization = organizations.update_organization(db.session, g.actor, organization_id,
                                                         changes)
        db.session.commit()
        return _out(organization)
