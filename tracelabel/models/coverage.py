"""Scan tallies for the coverage dashboard, rolled up from ``scans`` when the dashboard is read.

The public scan path writes nothing here: a reader of the dashboard folds the scans recorded since
the last roll-up (by id) into per-product daily and per-organization weekly counts, so the
dashboard's scan figures cost a few indexed reads however many scans there are.
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


class ScanRollup(Base):
    """The watermark of the tallies: every scan up to ``last_scan_id`` is counted (one row)."""

    __tablename__ = "scan_rollups"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_scan_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    rolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# A product's latest published batch, and whether any published batch of it was labelled, read
# from this index alone (the dashboard asks it once per OCOP product).
Index("ix_batches_product_status", Batch.product_id, Batch.status, Batch.id)
