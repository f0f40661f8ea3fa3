"""Tallies for the coverage dashboard, rolled up from ``scans`` and ``label_runs`` by the worker.

The public scan path and label printing write nothing here: a periodic job folds the scans and
label runs recorded since the last roll-up (by id) into per-product daily and per-organization
weekly scan counts and each batch's first printing, so the dashboard's figures cost a few indexed
reads however many scans, batches and label runs there are.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from tracelabel.db import Base, UTCDateTime, utcnow
from tracelabel.models.batches import Batch


class ProductScanDay(Base):
    """How many scans a product's codes had on one day (Vietnam time)."""

    __tablename__ = "product_scan_days"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    scans: Mapped[int] = mapped_column(Integer)


class OrganizationScanWeek(Base):
    """How many scans an organization's codes had in one week (starting Monday, Vietnam time)."""

    __tablename__ = "organization_scan_weeks"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    scans: Mapped[int] = mapped_column(Integer)


class LabelledBatch(Base):
    """When a batch first had labels printed: a product's labelled batches found without walking
    all its batches (most of which may never have been labelled)."""

    __tablename__ = "labelled_batches"
    __table_args__ = (Index("ix_labelled_batches_product_first", "product_id", "first_labelled_at"),)

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer)
    first_labelled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ScanRollup(Base):
    """The watermarks of the tallies (one row): every scan up to ``last_scan_id`` and every label
    run up to ``last_label_run_id`` is counted."""

    __tablename__ = "scan_rollups"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_scan_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_label_run_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# A product's latest published batch, and whether it was published by a date, read from this
# index alone (the dashboard asks it once per OCOP product).
Index("ix_batches_product_status_published", Batch.product_id, Batch.status, Batch.id,
      Batch.published_at)
