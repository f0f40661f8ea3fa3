"""The JSON API under /api/v1: bearer-token authentication and the resource blueprints."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Api, Blueprint

from tracelabel.extensions import db
from tracelabel.services.accounts import actor_for, authenticate_token
from tracelabel.web.api import batches, catalog, imports, inspection, photos
from tracelabel.web.errors import problem, translate

BLUEPRINTS: tuple[Blueprint, ...] = (*catalog.BLUEPRINTS, batches.blueprint, photos.blueprint,
                                      imports.blueprint, inspection.blueprint)


def authenticate_request() -> object | None:
    """Require ``Authorization: Bearer <token>``; the actor goes to ``g.actor``."""
    if request.method == "OPTIONS":
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = authenticate_token(db.session, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return problem(401, translate("Send a valid API token: Authorization: Bearer <token>.", {}),
                       headers={"WWW-Authenticate": 'Bearer realm="tracelabel"'})
    if db.session.dirty:
        db.session.commit()  # the token's last use, noted at most every few minutes
    g.actor = actor_for(user)
    return None


for _blueprint in BLUEPRINTS:
    _blueprint.before_request(authenticate_request)


def register_api(api: Api) -> None:
    """Register every API blueprint (each behind token authentication) on an app's Api."""
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
