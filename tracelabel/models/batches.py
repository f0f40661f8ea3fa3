"""Batches (lots), their origin chain of trace events, and the scans of their codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from tracelabel.db import Base, UTCDateTime, utcnow
from tracelabel.models.accounts import Organization, User
from tracelabel.models.capture import EventPhoto
from tracelabel.models.catalog import Certificate, Facility, Product, RawMaterialArea
from tracelabel.models.enums import BATCH_STATUSES, TRACE_STEPS, one_of

batch_areas = Table(
    "batch_areas",
    Base.metadata,
    Column("batch_id", ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("raw_material_areas.id", ondelete="RESTRICT"), primary_key=True),
    # One step forward from an area (a recall's question) reads this index alone.
    Index("ix_batch_areas_area_batch", "area_id", "batch_id"),
)
batch_facilities = Table(
    "batch_facilities",
    Base.metadata,
    Column("batch_id", ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("facility_id", ForeignKey("facilities.id", ondelete="RESTRICT"), primary_key=True,
           index=True),
)
batch_certificates = Table(
    "batch_certificates",
    Base.metadata,
    Column("batch_id", ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("certificate_id", ForeignKey("certificates.id", ondelete="RESTRICT"), primary_key=True,
           index=True),
)


class Batch(Base):
    """A lot of one product: its code, dates, origin links, status and unit labels issued.

    ``version`` grows with every change of the row (SQLAlchemy's version counter), so a cached public
    view of the batch can be keyed by it and a concurrent change is detected instead of lost.
    """

    __tablename__ = "batches"
    __table_args__ = (
        one_of("status", BATCH_STATUSES, "status"),
        UniqueConstraint("product_id", "lot", name="uq_batches_product_lot"),
        CheckConstraint(
            "expiry_date IS NULL OR expiry_date >= production_date", name="expiry_after_production"
        ),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint("units_issued >= 0", name="units_issued"),
        CheckConstraint(
            "status = 'draft' OR published_at IS NOT NULL", name="published_has_time"
        ),
        ForeignKeyConstraint(
            ["product_id", "organization_id"],
            ["products.id", "products.organization_id"],
            name="fk_batches_product_organization",
            ondelete="RESTRICT",
        ),
        Index("ix_batches_organization_status", "organization_id", "status"),
        Index("ix_batches_production_date", "production_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    product_id: Mapped[int] = mapped_column(index=True)
    lot: Mapped[str] = mapped_column(String(40), index=True)
    production_date: Mapped[dt.date] = mapped_column(Date)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    unit: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    units_issued: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    organization: Mapped[Organization] = relationship()
    product: Mapped[Product] = relationship(foreign_keys=[product_id],
                                            primaryjoin="Batch.product_id == Product.id")
    areas: Mapped[list[RawMaterialArea]] = relationship(secondary=batch_areas,
                                                        order_by="RawMaterialArea.id")
    facilities: Mapped[list[Facility]] = relationship(secondary=batch_facilities,
                                                      order_by="Facility.id")
    certificates: Mapped[list[Certificate]] = relationship(secondary=batch_certificates,
                                                           order_by="Certificate.id")
    inputs: Mapped[list[BatchInput]] = relationship(
        back_populates="batch", foreign_keys="BatchInput.batch_id",
        cascade="all, delete-orphan", order_by="BatchInput.id",
    )
    events: Mapped[list[TraceEvent]] = relationship(
        back_populates="batch", cascade="all, delete-orphan",
        order_by="(TraceEvent.occurred_at, TraceEvent.id)",
    )
    scans: WriteOnlyMapped[Scan] = relationship(cascade="all, delete-orphan",
                                                passive_deletes=True)
    status_changed_by: Mapped[User | None] = relationship(foreign_keys=[status_changed_by_id])


class BatchInput(Base):
    """An input lot of a batch: another batch in tracelabel, or a lot described by its supplier."""

    __tablename__ = "batch_inputs"
    __table_args__ = (
        CheckConstraint("input_batch_id IS NOT NULL OR lot IS NOT NULL", name="names_a_lot"),
        CheckConstraint("input_batch_id IS NULL OR input_batch_id <> batch_id", name="not_itself"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    input_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", ondelete="RESTRICT"), index=True
    )
    lot: Mapped[str | None] = mapped_column(String(40), index=True)
    supplier: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    unit: Mapped[str | None] = mapped_column(String(40))

    batch: Mapped[Batch] = relationship(back_populates="inputs", foreign_keys=[batch_id])
    input_batch: Mapped[Batch | None] = relationship(foreign_keys=[input_batch_id])


class TraceEvent(Base):
    """One step of the origin chain (after GS1 EPCIS): what, when, where, why and who recorded it.

    Once the batch is published the chain is append-only: a correction is a new event whose
    ``supersedes_id`` names the event it replaces (each event is superseded at most once).
    """

    __tablename__ = "trace_events"
    __table_args__ = (
        one_of("step", TRACE_STEPS, "step"),
        CheckConstraint(
            "occurred_offset_minutes BETWEEN -840 AND 840", name="offset_range"
        ),
        Index("ix_trace_events_batch_occurred", "batch_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    occurred_offset_minutes: Mapped[int] = mapped_column(Integer, default=0)
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("raw_material_areas.id", ondelete="RESTRICT"), index=True
    )
    facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilities.id", ondelete="RESTRICT"), index=True
    )
    place: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("trace_events.id", ondelete="RESTRICT"), unique=True
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Three times: ``occurred_at`` when it happened (the trace and EPCIS use it), ``recorded_at`` when
    # the person recorded it (on a phone offline, maybe hours before sending), ``received_at`` when
    # it reached the server.
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the phone was, when the person agreed to share it: for inspectors, never public.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    position_accuracy_m: Mapped[int | None] = mapped_column(Integer)

    batch: Mapped[Batch] = relationship(back_populates="events")
    area: Mapped[RawMaterialArea | None] = relationship()
    facility: Mapped[Facility | None] = relationship()
    supersedes: Mapped[TraceEvent | None] = relationship(remote_side=[id])
    recorded_by: Mapped[User | None] = relationship()
    photos: Mapped[list[EventPhoto]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="EventPhoto.id", lazy="selectin")

    @property
    def occurred_local(self) -> dt.datetime:
        """The event time in the time zone it was recorded with."""
        zone = dt.timezone(dt.timedelta(minutes=self.occurred_offset_minutes))
        return self.occurred_at.astimezone(zone)


class Scan(Base):
    """One resolution of a batch or unit code on the public side (no raw IP: a salted hash).

    ``serial`` is the unit's serial, or 0 for the batch code itself (as in ``ScanCounter``).
    """

    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_batch_scanned", "batch_id", "scanned_at"),
        # One client's recent scans of one code (repeat detection), and its distinct clients.
        Index("ix_scans_code_client", "batch_id", "serial", "client_hash", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    serial: Mapped[int | None] = mapped_column(Integer)
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_hash: Mapped[str] = mapped_column(String(32))


class ScanCounter(Base):
    """How often a code was scanned: serial 0 stands for the batch code itself."""

    __tablename__ = "scan_counters"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    serial: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_scan_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_scan_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LabelRun(Base):
    """One printing of a batch's labels (a sheet, a roll, a ZPL job or a single symbol file).

    A batch with a run is *labelled*: the province's coverage counts products whose published
    batches have at least one.
    """

    __tablename__ = "label_runs"
    __table_args__ = (
        CheckConstraint("label_count >= 1", name="label_count"),
        Index("ix_label_runs_batch_created", "batch_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    output_format: Mapped[str] = mapped_column(String(10))
    symbology: Mapped[str] = mapped_column(String(20))
    template: Mapped[str | None] = mapped_column(String(40))
    first_serial: Mapped[int | None] = mapped_column(Integer)
    last_serial: Mapped[int | None] = mapped_column(Integer)
    label_count: Mapped[int] = mapped_column(Integer)
