"""Field capture: photos of chain events, and the answers kept for ``Idempotency-Key`` replays."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracelabel.db import Base, UTCDateTime, utcnow
from tracelabel.models.media import PhotoVariantColumns


class EventPhoto(Base):
    """A photo taken at one step of the chain; only a public one ever reaches the trace page."""

    __tablename__ = "event_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("trace_events.id", ondelete="CASCADE"),
                                          index=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    upload_sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    variants: Mapped[list[EventPhotoVariant]] = relationship(
        cascade="all, delete-orphan", order_by="EventPhotoVariant.width", lazy="selectin"
    )


class EventPhotoVariant(PhotoVariantColumns, Base):
    """One width of an event photo, pointing at bytes shared with every other photo store."""

    __tablename__ = "event_photo_variants"
    photo_table = "event_photos"


class IdempotencyKey(Base):
    """The first successful answer to a request sent with ``Idempotency-Key``, per user.

    ``fingerprint`` is a digest of the method, path and body: the same key with another request is
    refused rather than answered with the first one's result.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
