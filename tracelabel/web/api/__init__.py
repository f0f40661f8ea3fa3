"""The JSON API under /api/v1: bearer-token authentication and the resource blueprints."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Api, Blueprint

from tracelabel.extensions import db
from tracelabel.services.accounts import actor_for, token_refusal
from tracelabel.web.api import (
    accounts,
    batches,
    catalog,
    event_photos,
    imports,
    inspection,
    jobs,
    nfc,
    photos,
    programme,
)
from tracelabel.web.errors import problem, translate
from tracelabel.web.security import bearer_token, bearer_user

BLUEPRINTS: tuple[Blueprint, ...] = (*catalog.BLUEPRINTS, batches.blueprint, photos.blueprint,
                                      imports.blueprint, inspection.blueprint,
                                      *accounts.BLUEPRINTS, nfc.blueprint, event_photos.blueprint,
                                      programme.blueprint, jobs.blueprint)


def authenticate_request() -> object | None:
    """Require ``Authorization: Bearer <token>``; the actor goes to ``g.actor``."""
    if request.method == "OPTIONS":
        return None
    user = bearer_user()  # verified once per request, before the rate limiter counted it
    if user is None:
        # Says why a once-valid token no longer works (expired, revoked, account deactivated).
        return problem(401, translate(*token_refusal(db.session, bearer_token())),
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
