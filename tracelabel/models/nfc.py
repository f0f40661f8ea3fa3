"""NFC tags (NTAG 424 DNA with Secure Dynamic Messaging) bound to unit serials of a batch."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracelabel.db import Base, UTCDateTime, utcnow

NEVER_TAPPED = -1  # ``last_counter`` before the first accepted tap (a tag may start at 0)


class NfcTag(Base):
    """One tag on one unit: its UID, its SDM keys sealed under the instance's NFC storage key, and
    the highest read counter accepted so far (a tap must carry a higher one).

    ``meta_key_ref`` is a keyed one-way fingerprint of the meta-read key: a tap's UID is only known
    after decryption, so the resolver decrypts once per distinct meta-read key of the batch (usually
    one per supplier order), not once per tag, and then finds the tag by its UID.
    """

    __tablename__ = "nfc_tags"
    __table_args__ = (
        UniqueConstraint("batch_id", "serial"),
        CheckConstraint("serial >= 1", name="serial"),
        CheckConstraint("last_counter >= -1", name="last_counter"),
        Index("ix_nfc_tags_batch_meta_key", "batch_id", "meta_key_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    serial: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str] = mapped_column(String(14), unique=True)  # upper-case hex
    meta_read_key: Mapped[str] = mapped_column(String(200))  # sealed, never the key itself
    file_read_key: Mapped[str] = mapped_column(String(200))  # sealed, never the key itself
    meta_key_ref: Mapped[str] = mapped_column(String(32))
    last_counter: Mapped[int] = mapped_column(Integer, default=NEVER_TAPPED)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
