"""Organizations (producers), user accounts and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracelabel.db import Base, UTCDateTime, utcnow
from tracelabel.models.enums import ORGANIZATION_KINDS, ROLES, one_of


class Organization(Base):
    """A producer: an enterprise, a cooperative or a household business."""

    __tablename__ = "organizations"
    __table_args__ = (one_of("kind", ORGANIZATION_KINDS, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="cooperative")
    tax_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    province: Mapped[str | None] = mapped_column(String(100))
    commune: Mapped[str | None] = mapped_column(String(100))
    # Official codes of the units on the map in force since 1 July 2025 (General Statistics Office):
    # two digits for a province, five for a commune. The names above are shown as the package spells
    # them once the codes are set.
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    commune_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organization")
    gs1_prefixes: Mapped[list[OrganizationPrefix]] = relationship(
        back_populates="organization", cascade="all, delete-orphan",
        order_by="OrganizationPrefix.prefix")


class OrganizationPrefix(Base):
    """A GS1 company prefix licensed to an organization: only its GTINs may start with it.

    Stored as it appears in the 13-digit form of a GTIN (a GTIN-14 without its indicator digit);
    a prefix belongs to one organization only.
    """

    __tablename__ = "organization_gs1_prefixes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(12), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="gs1_prefixes")


class User(Base):
    """A person who signs in: a producer of one organization, an inspector or an admin."""

    __tablename__ = "users"
    __table_args__ = (
        one_of("role", ROLES, "role"),
        CheckConstraint(
            "role <> 'producer' OR organization_id IS NOT NULL", name="producer_has_organization"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # An inspector's or programme official's province (official code); None means the whole country.
    scope_province_code: Mapped[str | None] = mapped_column(String(2))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # Raised whenever the account's sign-in sessions must end (deactivation, a password reset):
    # sessions carry a fingerprint of it and the password hash, and stop matching at once.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by an administrator's password reset: the person chooses their own before going on.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization | None] = relationship(back_populates="users")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(back_populates="tokens")
