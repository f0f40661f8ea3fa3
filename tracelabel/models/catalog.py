"""What a producer registers once and reuses: products, raw-material areas, facilities, certificates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracelabel.db import Base, UTCDateTime, utcnow
from tracelabel.models.accounts import Organization, User
from tracelabel.models.enums import (
    AREA_CODE_STATUSES,
    CERTIFICATE_SCHEMES,
    CERTIFICATE_SUBJECTS,
    CODE_STATUS_SOURCES,
    ISSUING_LEVELS,
    OCOP_GROUPS,
    VERIFICATION_STATUSES,
    one_of,
)
from tracelabel.models.media import ProductPhoto


class Product(Base):
    """An OCOP product of one organization, with what Circular 02/2024 asks a trace to show."""

    __tablename__ = "products"
    __table_args__ = (
        one_of("ocop_group", OCOP_GROUPS, "ocop_group"),
        UniqueConstraint("id", "organization_id", name="uq_products_id_organization"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(200))
    model_code: Mapped[str | None] = mapped_column(String(100))
    ocop_group: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(100))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    standards: Mapped[list[str]] = mapped_column(JSON, default=list)
    warnings: Mapped[str | None] = mapped_column(Text)
    storage_instructions: Mapped[str | None] = mapped_column(Text)
    shelf_life_days: Mapped[int | None] = mapped_column(
        CheckConstraint("shelf_life_days > 0", name="shelf_life_days")
    )
    # Where to buy: [{name, address, commune_code, hours}] and [{url, platform}], live (not frozen
    # at publication: shops open and close).
    points_of_sale: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    online_listings: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    # Name, English name and brand folded (lower case, no diacritics, đ → d) for the directory search.
    search_text: Mapped[str | None] = mapped_column(String(700))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    photos: Mapped[list[ProductPhoto]] = relationship(
        order_by="(ProductPhoto.position, ProductPhoto.id)", cascade="all, delete-orphan",
        passive_deletes=True,
    )


class RawMaterialArea(Base):
    """A growing area ("vùng nguyên liệu"), with its official code and that code's status."""

    __tablename__ = "raw_material_areas"
    __table_args__ = (
        one_of("code_status", AREA_CODE_STATUSES, "code_status"),
        one_of("code_status_source", CODE_STATUS_SOURCES, "code_status_source"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude"),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude"
        ),
        CheckConstraint("area_ha IS NULL OR area_ha > 0", name="area_ha"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(40), index=True)
    code_status: Mapped[str] = mapped_column(String(20), default="active")
    code_status_since: Mapped[dt.date | None] = mapped_column(Date)
    # Who stated the status: the producer when it registered the area, or an inspector since (the
    # audit trail names which inspector).
    code_status_source: Mapped[str] = mapped_column(String(20), default="producer")
    code_status_reason: Mapped[str | None] = mapped_column(Text)
    material: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(100))
    commune: Mapped[str | None] = mapped_column(String(100))
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    commune_code: Mapped[str | None] = mapped_column(String(5))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    area_ha: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    standard: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()


class Facility(Base):
    """A processing or packing establishment."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    province: Mapped[str | None] = mapped_column(String(100))
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    commune_code: Mapped[str | None] = mapped_column(String(5))
    food_safety_cert_no: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()


class Certificate(Base):
    """A certificate (OCOP stars, VietGAP, organic, …) covering a product, area, facility or producer.

    The subject is held by one of three foreign keys so the database itself keeps it valid; an
    organization-wide certificate uses none of them.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        one_of("scheme", CERTIFICATE_SCHEMES, "scheme"),
        one_of("subject_type", CERTIFICATE_SUBJECTS, "subject_type"),
        one_of("verification_status", VERIFICATION_STATUSES, "verification_status"),
        one_of("issuing_level", ISSUING_LEVELS, "issuing_level", nullable=True),
        CheckConstraint(
            "(scheme = 'ocop' AND stars IS NOT NULL AND stars BETWEEN 3 AND 5)"
            " OR (scheme <> 'ocop' AND stars IS NULL)",
            name="stars",
        ),
        CheckConstraint("valid_until >= valid_from", name="validity"),
        CheckConstraint(
            "(subject_type = 'product' AND product_id IS NOT NULL AND area_id IS NULL"
            " AND facility_id IS NULL)"
            " OR (subject_type = 'area' AND area_id IS NOT NULL AND product_id IS NULL"
            " AND facility_id IS NULL)"
            " OR (subject_type = 'facility' AND facility_id IS NOT NULL AND product_id IS NULL"
            " AND area_id IS NULL)"
            " OR (subject_type = 'organization' AND product_id IS NULL AND area_id IS NULL"
            " AND facility_id IS NULL)",
            name="subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(20), index=True)
    number: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(200))
    issuing_level: Mapped[str | None] = mapped_column(String(20))
    stars: Mapped[int | None] = mapped_column()
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date, index=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("raw_material_areas.id", ondelete="RESTRICT"), index=True
    )
    facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilities.id", ondelete="RESTRICT"), index=True
    )
    verification_status: Mapped[str] = mapped_column(String(20), default="unverified")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verification_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    product: Mapped[Product | None] = relationship()
    area: Mapped[RawMaterialArea | None] = relationship()
    facility: Mapped[Facility | None] = relationship()
    verified_by: Mapped[User | None] = relationship()

    @property
    def subject_id(self) -> int | None:
        """The id of what the certificate covers (the organization's for an organization-wide one)."""
        return {
            "product": self.product_id,
            "area": self.area_id,
            "facility": self.facility_id,
            "organization": self.organization_id,
        }[self.subject_type]

    def validity_on(self, day: dt.date) -> str:
        """``valid``, ``not_yet_valid`` or ``expired`` on the given day."""
        if day < self.valid_from:
            return "not_yet_valid"
        return "expired" if day > self.valid_until else "valid"
