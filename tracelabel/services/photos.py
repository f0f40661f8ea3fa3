"""Product photos: add and remove (the owning producer only), and the public rendition."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tracelabel import images
from tracelabel.models import (
    EventPhoto,
    EventPhotoVariant,
    ImageBlob,
    PhotoVariant,
    Product,
    ProductPhoto,
)
from tracelabel.services.actors import Actor, get_visible, require_owner
from tracelabel.services.audit import record_change
from tracelabel.services.errors import NotFound, ValidationFailed

MEDIA_PREFIX = "/media/"
MAX_PHOTOS_PER_PRODUCT = 8
# The width the trace page shows first: light on a slow network, sharp enough on a phone.
PUBLIC_WIDTH = 320


def media_path(sha256: str) -> str:
    """The public path at which a stored rendition is served."""
    return f"{MEDIA_PREFIX}{sha256}.{images.OUTPUT_EXTENSION}"


def _store_blob(session: Session, variant: images.ImageVariant) -> str:
    digest = variant.sha256
    if session.get(ImageBlob, digest) is None:
        # The same picture uploaded twice at once: the second insert finds the first's row and
        # shares it, instead of failing on the content-addressed key.
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgres_insert
        session.execute(insert(ImageBlob).values(
            sha256=digest, media_type=images.OUTPUT_MEDIA_TYPE, byte_size=len(variant.data),
            data=variant.data).on_conflict_do_nothing())
    return digest


def _photo_record(photo: ProductPhoto) -> dict[str, object]:
    return {"product_id": photo.product_id, "upload_sha256": photo.upload_sha256,
            "variants": {str(v.width): v.blob_sha256 for v in photo.variants}}


def add_photo(session: Session, actor: Actor, product_id: int, data: bytes) -> ProductPhoto:
    """Check, strip and resize an upload, store its renditions, and attach it to the product."""
    product = get_visible(session, Product, product_id, actor, "Product")
    require_owner(actor, product)
    if len(product.photos) >= MAX_PHOTOS_PER_PRODUCT:
        raise ValidationFailed.one("file", "A product has at most %(max)s photos.",
                                   max=MAX_PHOTOS_PER_PRODUCT)
    try:
        variants = images.process_photo(data)
    except images.ImageRejected as error:
        raise ValidationFailed.one("file", error.message, **error.params) from None
    photo = ProductPhoto(product_id=product.id, position=len(product.photos),
                         upload_sha256=hashlib.sha256(data).hexdigest(),
                         uploaded_by_id=actor.user_id)
    for variant in variants:
        photo.variants.append(PhotoVariant(width=variant.width, height=variant.height,
                                           blob_sha256=_store_blob(session, variant)))
    product.photos.append(photo)
    session.flush()
    record_change(session, actor, "photo.add", "product_photo", photo.id, None, _photo_record(photo))
    return photo


def remove_photo(session: Session, actor: Actor, product_id: int, photo_id: int) -> None:
    """Detach a photo from the product; bytes no other photo uses are deleted too."""
    product = get_visible(session, Product, product_id, actor, "Product")
    require_owner(actor, product)
    photo = next((p for p in product.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound("This product has no photo %(id)s.", {"id": photo_id})
    before = _photo_record(photo)
    digests = {variant.blob_sha256 for variant in photo.variants}
    product.photos.remove(photo)
    session.flush()
    for digest in digests:
        if not session.scalar(select(exists().where(PhotoVariant.blob_sha256 == digest))):
            session.execute(delete(ImageBlob).where(ImageBlob.sha256 == digest))
    record_change(session, actor, "photo.remove", "product_photo", photo_id, before, None)


def store_renditions(session: Session, data: bytes) -> list[tuple[int, int, str]]:
    """Check, strip and resize an upload and store its renditions: (width, height, digest) each."""
    try:
        variants = images.process_photo(data)
    except images.ImageRejected as error:
        raise ValidationFailed.one("file", error.message, **error.params) from None
    return [(v.width, v.height, _store_blob(session, v)) for v in variants]


def _only_internal(session: Session, sha256: str) -> bool:
    """True when only internal event photos use these bytes (never served publicly)."""
    def event_use(public: bool) -> Any:
        return exists().where(EventPhotoVariant.blob_sha256 == sha256,
                              EventPhoto.id == EventPhotoVariant.photo_id,
                              EventPhoto.is_public.is_(public))
    if not session.scalar(select(event_use(False))):
        return False
    return not session.scalar(select(event_use(True) | exists().where(
        PhotoVariant.blob_sha256 == sha256)))


def stored_image(session: Session, sha256: str) -> ImageBlob | None:
    """The stored rendition with this digest, or None (also for an internal event photo's)."""
    blob = session.get(ImageBlob, sha256)
    return None if blob is None or _only_internal(session, sha256) else blob


@dataclass(frozen=True)
class PublicPhoto:
    """What a trace page needs to show a product's photo."""

    src: str
    srcset: str
    width: int
    height: int


def public_photo_of(photo: ProductPhoto | EventPhoto) -> PublicPhoto:
    """The small rendition as ``src`` and every rendition in ``srcset``."""
    variants = sorted(photo.variants, key=lambda v: v.width)
    small = next((v for v in variants if v.width >= PUBLIC_WIDTH), variants[-1])
    srcset = ", ".join(f"{media_path(v.blob_sha256)} {v.width}w" for v in variants)
    return PublicPhoto(media_path(small.blob_sha256), srcset, small.width, small.height)


def public_photo(session: Session, product_id: int) -> PublicPhoto | None:
    """The product's first photo for the trace page, or None when it has none."""
    photo = session.scalar(select(ProductPhoto).where(ProductPhoto.product_id == product_id)
                           .order_by(ProductPhoto.position, ProductPhoto.id).limit(1))
    return public_photo_of(photo) if photo else None
