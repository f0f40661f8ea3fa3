"""The record of what a published batch's trace states, frozen when the batch was published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracelabel.db import Base, UTCDateTime, utcnow


class PublishedRecord(Base):
    """The product, producer, areas, facilities and certificates a batch named when it was published.

    Later edits of those records serve future batches; the batch's trace keeps these values and shows
    a later change only as a dated note. ``digest`` is the SHA-256 of the canonical JSON of ``facts``,
    also written to the audit trail when the record is made.
    """

    __tablename__ = "published_records"

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"),
                                          primary_key=True)
    frozen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
