"""Organizations, user accounts (argon2id password hashes) and API tokens (SHA-256 digests)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from tracelabel.db import utcnow
from tracelabel.models import ROLES, ApiToken, Organization, User
from tracelabel.services.actors import Actor, resolve_scope
from tracelabel.services.audit import record_change, snapshot
from tracelabel.services.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from tracelabel.services.fields import clean_text, require_one_of
from tracelabel.services.organizations import (  # noqa: F401 - their home before the split
    EMAIL_PATTERN,
    create_organization,
    get_organization,
    list_organizations,
    update_organization,
)
from tracelabel.services.organizations import require_admin as _require_admin
from tracelabel.services.pages import Page, paginate

PASSWORD_HASHER = PasswordHasher()
TOKEN_PREFIX = "tlk_"  # noqa: S105 - the public prefix that marks our tokens
MIN_PASSWORD_LENGTH = 10
# A token's last use is written at most this often, so API reads don't each cost a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
VIETNAM = dt.timezone(dt.timedelta(hours=7))  # a token's expiry date is a date in Vietnam
ONE_TIME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def actor_for(user: User) -> Actor:
    """The actor a signed-in user acts as."""
    return Actor(user.id, user.role, user.organization_id, f"{user.email} ({user.role})",
                 user.scope_province_code)


def hash_password(password: str) -> str:
    """An argon2id hash of the password (memory-hard, salted)."""
    return PASSWORD_HASHER.hash(password)


def _check_password_rules(password: str | None, errors: list[FieldError]) -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError("password", "Use a password of at least %(min)s characters.",
                                 {"min": MIN_PASSWORD_LENGTH}))


def create_user(session: Session, actor: Actor, *, email: str, password: str, role: str,
                organization_id: int | None = None, display_name: str | None = None,
                scope: str | None = None) -> User:
    """Create an account; producers belong to an organization, inspectors and admins to none.
    Inspectors and programme officials have a ``scope``: a province (name or code) or national
    (the default for inspectors; a programme account must name one or the other)."""
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
    if role == "programme" and not (scope or "").strip():
        errors.append(FieldError("scope", "Name the province of a programme account, or national."))
    scope_code = resolve_scope(scope, role, errors)
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, password_hash=hash_password(password), role=role,
                organization_id=organization_id, display_name=display_name,
                scope_province_code=scope_code)
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


def token_expiry(last_day: dt.date) -> dt.datetime:
    """The moment a token valid through ``last_day`` (Vietnam's date) stops working."""
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=VIETNAM)


def token_state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def create_token(session: Session, actor: Actor, user: User, name: str = "",
                 expires: dt.date | dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Issue an API token for a user, working until ``expires`` (a date: through that day) or
    until revoked; the plain token is returned once and never stored."""
    if actor.role not in ("admin", "system") and actor.user_id != user.id:
        raise Forbidden("You can only create tokens for your own account.")
    if not user.is_active:
        raise Conflict("This account is deactivated: activate it before issuing it a token.")
    errors: list[FieldError] = []
    name = clean_text(name, "name", errors, max_length=100) or "API token"
    expires_at = token_expiry(expires) if isinstance(expires, dt.date) and not isinstance(
        expires, dt.datetime) else expires
    if expires_at is not None and expires_at <= utcnow():
        errors.append(FieldError("expires", "Choose an expiry date after today."))
    if errors:
        raise ValidationFailed(errors)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_token_digest(plain),
                     token_prefix=plain[:10], expires_at=expires_at)
    session.add(token)
    session.flush()
    record_change(session, actor, "token.create", "api_token", token.id, None, snapshot(token))
    return token, plain


def _find_token(session: Session, plain: str) -> ApiToken | None:
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(plain)))


def authenticate_token(session: Session, plain: str) -> User | None:
    """The active user owning this token if it is neither revoked nor expired, else None; notes
    when it was last used."""
    token = _find_token(session, plain)
    now = utcnow()
    if token is None or token_state(token, now) != "active" or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user


def token_refusal(session: Session, plain: str) -> tuple[str, dict[str, Any]]:
    """Why a bearer value was refused, for the 401: expired, revoked, a deactivated account, or
    simply not a token (only the holder of a once-valid token learns more than that)."""
    token = _find_token(session, plain)
    if token is not None:
        state = token_state(token)
        if state == "expired":
            moment = token.expires_at.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M (UTC+07:00)")
            return "This API token expired at %(moment)s; ask for a new one.", {"moment": moment}
        if state == "revoked":
            return "This API token has been revoked; ask for a new one.", {}
        if not token.user.is_active:
            return "The account this API token belongs to is deactivated.", {}
    return "Send a valid API token: Authorization: Bearer <token>.", {}


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


def list_all_tokens(session: Session, actor: Actor, *, email: str | None = None, page: int = 1,
                    per_page: int = 50) -> Page:
    """Every account's API tokens with their owners, newest first (administrators only)."""
    _require_admin(actor)
    statement = select(ApiToken).join(User, User.id == ApiToken.user_id).options(
        contains_eager(ApiToken.user))
    if email:
        statement = statement.where(User.email == email.strip().lower())
    return paginate(session, statement.order_by(ApiToken.id.desc()), page, per_page)


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
    if not errors and new_password == current_password:
        errors.append(FieldError("password", "Choose a password different from the current one."))
    if errors:
        raise ValidationFailed([FieldError("new_password" if e.field == "password" else e.field,
                                           e.message, e.params) for e in errors])
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    session.flush()
    record_change(session, actor, "user.change_password", "user", user.id, None,
                  {"password_changed": True})
    return user


def set_scope(session: Session, actor: Actor, user_id: int, scope: str | None) -> User:
    """Limit an inspector or programme official to one province, or make it national."""
    _require_admin(actor)
    user = _account(session, user_id)
    errors: list[FieldError] = []
    if user.role not in ("inspector", "programme"):
        errors.append(FieldError("scope", "Only inspectors and programme officials have a scope."))
    code = resolve_scope(scope, user.role, errors)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(user)
    user.scope_province_code = code
    session.flush()
    record_change(session, actor, "user.scope", "user", user.id, before, snapshot(user))
    return user


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    """The actor's own API tokens, newest first (revoked ones included)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id)
                                .order_by(ApiToken.id.desc())))


def _users(actor: Actor, filters: dict[str, Any]) -> Any:
    _require_admin(actor)
    statement = select(User).options(joinedload(User.organization))
    for key, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(User, key) == value)
    return statement.order_by(User.email)


def list_users(session: Session, actor: Actor, **filters: Any) -> list[User]:
    """Every account with its organization loaded, by email (administrators only)."""
    return list(session.scalars(_users(actor, filters)))


def user_page(session: Session, actor: Actor, *, page: int = 1, per_page: int = 50,
              **filters: Any) -> Page:
    """Accounts by email, filtered by exact ``role``, ``organization_id``, ``is_active``
    (administrators only)."""
    return paginate(session, _users(actor, filters), page, per_page)


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Account %(id)s was not found.", {"id": user_id})
    return user


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate an account (its sessions and tokens stop working at the next request) or
    activate it again (its unrevoked tokens work again; its person signs in afresh)."""
    _require_admin(actor)
    user = _account(session, user_id)
    if not active and actor.user_id == user.id:
        raise Conflict("You cannot deactivate your own account.")
    if user.is_active == active:
        raise Conflict("This account is already active." if active
                       else "This account is already deactivated.")
    before = snapshot(user)
    user.is_active = active
    if not active:
        user.session_version += 1  # its sessions end for good, even if it is activated again
    session.flush()
    record_change(session, actor, "user.activate" if active else "user.deactivate", "user",
                  user.id, before, snapshot(user))
    return user


def generate_password() -> str:
    """A one-time password: 16 symbols without look-alikes (about 92 bits), in groups of four."""
    symbols = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(16))
    return "-".join(symbols[i:i + 4] for i in range(0, 16, 4))


def reset_password(session: Session, actor: Actor, user_id: int,
                   new_password: str | None = None) -> tuple[User, str | None]:
    """Set another account's password (or a generated one, returned once): its sessions end, and
    its person must choose their own password at the next sign-in. Tokens stay as they are."""
    _require_admin(actor)
    user = _account(session, user_id)
    if actor.user_id == user.id:
        raise Conflict("Change your own password on your account page.")
    generated = None if new_password else generate_password()
    errors: list[FieldError] = []
    _check_password_rules(new_password or generated, errors)
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new_password or generated or "")
    user.session_version += 1
    user.must_change_password = True
    session.flush()
    record_change(session, actor, "user.reset_password", "user", user.id, None,
                  {"password_reset": True, "generated": generated is not None,
                   "must_change_password": True})
    return user, generated
