"""Organizations, user accounts (argon2id password hashes) and API tokens (SHA-256 digests)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from tracelabel.db import utcnow
from tracelabel.models import ORGANIZATION_KINDS, ROLES, ApiToken, Organization, User
from tracelabel.services.actors import Actor
from tracelabel.services.audit import record_change, snapshot
from tracelabel.services.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from tracelabel.services.fields import clean_text, require_one_of

PASSWORD_HASHER = PasswordHasher()
TOKEN_PREFIX = "tlk_"  # noqa: S105 - the public prefix that marks our tokens
MIN_PASSWORD_LENGTH = 10
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A token's last use is written at most this often, so API reads don't each cost a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def _require_admin(actor: Actor) -> None:
    if actor.role not in ("admin", "system"):
        raise Forbidden("Only an administrator manages organizations and accounts.")


def actor_for(user: User) -> Actor:
    """The actor a signed-in user acts as."""
    return Actor(user.id, user.role, user.organization_id, f"{user.email} ({user.role})")


def create_organization(session: Session, actor: Actor, *, name: str, kind: str = "cooperative",
                        **details: Any) -> Organization:
    """Register a producer organization."""
    _require_admin(actor)
    errors: list[FieldError] = []
    name = clean_text(name, "name", errors, required=True, max_length=200)
    require_one_of(kind, ORGANIZATION_KINDS, "kind", errors)
    tax_code = clean_text(details.pop("tax_code", None), "tax_code", errors, max_length=20)
    if tax_code and session.scalar(select(Organization.id).where(Organization.tax_code == tax_code)):
        errors.append(FieldError("tax_code", "An organization with this tax code already exists."))
    if errors:
        raise ValidationFailed(errors)
    organization = Organization(name=name, kind=kind, tax_code=tax_code, **details)
    session.add(organization)
    session.flush()
    record_change(session, actor, "organization.create", "organization", organization.id,
                  None, snapshot(organization))
    return organization


def get_organization(session: Session, organization_id: int) -> Organization:
    """An organization by id, or NotFound."""
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organization %(id)s was not found.", {"id": organization_id})
    return organization


def hash_password(password: str) -> str:
    """An argon2id hash of the password (memory-hard, salted)."""
    return PASSWORD_HASHER.hash(password)


def _check_password_rules(password: str | None, errors: list[FieldError]) -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError("password", "Use a password of at least %(min)s characters.",
                                 {"min": MIN_PASSWORD_LENGTH}))


def create_user(session: Session, actor: Actor, *, email: str, password: str, role: str,
                organization_id: int | None = None, display_name: str | None = None) -> User:
    """Create an account; producers belong to an organization, inspectors and admins to none."""
    _require_admin(actor)
    errors: list[FieldError] = []
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email):
        errors.append(FieldError("email", "Enter a valid email address."))
    elif session.scalar(select(User.id).where(User.email == email)):
        errors.append(FieldError("email", "An account with this email already exists."))
    require_one_of(role, ROLES, "role", errors)
    _check_password_rules(password, errors)
    if role == "producer" and organization_id is None:
        errors.append(FieldError("organization_id", "A producer account needs an organization."))
    if role != "producer" and organization_id is not None:
        errors.append(FieldError("organization_id", "Only producer accounts belong to an organization."))
    if organization_id is not None and session.get(Organization, organization_id) is None:
        errors.append(FieldError("organization_id", "Organization %(id)s was not found.",
                                 {"id": organization_id}))
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, password_hash=hash_password(password), role=role,
                organization_id=organization_id, display_name=display_name)
    session.add(user)
    session.flush()
    record_change(session, actor, "user.create", "user", user.id, None, snapshot(user))
    return user


def find_user(session: Session, email: str) -> User:
    """An account by email (any case), or NotFound."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound("No account has the email %(email)s.", {"email": email})
    return user


def authenticate_user(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (never says which part was wrong)."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        PASSWORD_HASHER.hash(password or "")  # same work either way: no timing hint
        return None
    try:
        PASSWORD_HASHER.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if not user.is_active:
        return None
    if PASSWORD_HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: Actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue an API token for a user; the plain token is returned once and never stored."""
    if actor.role not in ("admin", "system") and actor.user_id != user.id:
        raise Forbidden("You can only create tokens for your own account.")
    errors: list[FieldError] = []
    name = clean_text(name, "name", errors, max_length=100) or "API token"
    if errors:
        raise ValidationFailed(errors)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_token_digest(plain),
                     token_prefix=plain[:10])
    session.add(token)
    session.flush()
    record_change(session, actor, "token.create", "api_token", token.id, None, snapshot(token))
    return token, plain


def authenticate_token(session: Session, plain: str) -> User | None:
    """The active user owning this unrevoked token, or None; notes when it was last used."""
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token (its owner or an administrator)."""
    token = session.get(ApiToken, token_id)
    if token is None or (actor.role not in ("admin", "system") and token.user_id != actor.user_id):
        raise NotFound("Token %(id)s was not found.", {"id": token_id})
    if token.revoked_at is not None:
        raise Conflict("This token is already revoked.")
    before = snapshot(token)
    token.revoked_at = utcnow()
    record_change(session, actor, "token.revoke", "api_token", token.id, before, snapshot(token))
    return token


def get_user(session: Session, user_id: int) -> User | None:
    """An account by id, or None (signed-in sessions reload their user with this)."""
    return session.get(User, user_id)


def change_password(session: Session, actor: Actor, *, current_password: str,
                    new_password: str) -> User:
    """Change the actor's own password after checking the current one."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("Your account was not found.")
    errors: list[FieldError] = []
    try:
        PASSWORD_HASHER.verify(user.password_hash, current_password or "")
    except (VerificationError, InvalidHashError):
        errors.append(FieldError("current_password", "The current password is not correct."))
    _check_password_rules(new_password, errors)
    if errors:
        raise ValidationFailed([FieldError("new_password" if e.field == "password" else e.field,
                                           e.message, e.params) for e in errors])
    user.password_hash = hash_password(new_password)
    session.flush()
    record_change(session, actor, "user.change_password", "user", user.id, None,
                  {"password_changed": True})
    return user


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    """The actor's own API tokens, newest first (revoked ones included)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id)
                                .order_by(ApiToken.id.desc())))


def list_organizations(session: Session, actor: Actor) -> list[tuple[Organization, int]]:
    """Every organization with its number of accounts, by name (administrators only)."""
    _require_admin(actor)
    counts = (select(User.organization_id, func.count(User.id).label("accounts"))
              .group_by(User.organization_id).subquery())
    rows = session.execute(select(Organization, func.coalesce(counts.c.accounts, 0))
                           .outerjoin(counts, counts.c.organization_id == Organization.id)
                           .order_by(Organization.name, Organization.id))
    return [(organization, int(accounts)) for organization, accounts in rows]


def list_users(session: Session, actor: Actor) -> list[User]:
    """Every account with its organization loaded, by email (administrators only)."""
    _require_admin(actor)
    return list(session.scalars(select(User).options(joinedload(User.organization))
                                .order_by(User.email)))
