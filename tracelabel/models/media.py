"""Photos, stored in the database and addressed by the SHA-256 of their bytes."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from tracelabel.db import Base, UTCDateTime, utcnow


class ImageBlob(Base):
    """Image bytes, stored once whatever number of photos use them."""

    __tablename__ = "image_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhotoVariantColumns:
    """The columns of one width of a photo: its photo and width (the key), height and bytes.

    A mapped class names its photos' table in ``photo_table``; ``photo_id`` refers to its ``id``.
    """

    photo_table: ClassVar[str]

    @declared_attr
    def photo_id(cls) -> Mapped[int]:
        """The photo this is a width of; deleting the photo deletes its widths."""
        # First, as the migrations have it: declared attributes come after plain mixin columns,
        # and the primary key's column order is the table's.
        return mapped_column(ForeignKey(f"{cls.photo_table}.id", ondelete="CASCADE"),
                             primary_key=True, sort_order=-1)

    width: Mapped[int] = mapped_column(Integer, primary_key=True)
    height: Mapped[int] = mapped_column(Integer)
    blob_sha256: Mapped[str] = mapped_column(
        ForeignKey("image_blobs.sha256", ondelete="RESTRICT"), index=True
    )


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


class PhotoVariant(PhotoVariantColumns, Base):
    """One width of a photo, pointing at its bytes."""

    __tablename__ = "photo_variants"
    photo_table = "product_photos"
