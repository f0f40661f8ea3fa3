"""Photos, stored in the database and addressed by the SHA-256 of their bytes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracelabel.db import Base, UTCDateTime, utcnow


class ImageBlob(Base):
    """Image bytes, stored once whatever number of photos use them."""

    __tablename__ = "image_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProductPhoto(Base):
    """A photo of a product, kept as a few renditions of different widths."""

    __tablename__ = "product_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    upload_sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    variants: Mapped[list[PhotoVariant]] = relationship(
        cascade="all, delete-orphan", order_by="PhotoVariant.width", lazy="selectin"
    )


class PhotoVariant(Base):
    """One width of a photo, pointing at its bytes."""

    __tablename__ = "photo_variants"

    photo_id: Mapped[int] = mapped_column(
        ForeignKey("product_photos.id", ondelete="CASCADE"), primary_key=True
    )
    width: Mapped[int] = mapped_column(Integer, primary_key=True)
    height: Mapped[int] = mapped_column(Integer)
    blob_sha256: Mapped[str] = mapped_column(
        ForeignKey("image_blobs.sha256", ondelete="RESTRICT"), index=True
    )
