"""The API's request and response shapes (marshmallow), from which the OpenAPI document is built."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from tracelabel.labels import TEMPLATES as LABEL_TEMPLATES
from tracelabel.links import batch_trace_url
from tracelabel.models import (
    AREA_CODE_STATUSES,
    BATCH_STATUSES,
    CERTIFICATE_SCHEMES,
    CERTIFICATE_SUBJECTS,
    OCOP_GROUPS,
    TRACE_STEPS,
    VERIFICATION_STATUSES,
)
from tracelabel.models.enums import ISSUING_LEVELS
from tracelabel.services import where_to_buy
from tracelabel.services.labels import SYMBOLOGIES as LABEL_SYMBOLOGIES
from tracelabel.services.photos import public_photo_of
from tracelabel.services.places import place_view


def absolute_url(path: str) -> str:
    """A site path as a full URL under the configured public URL."""
    return current_app.config["PUBLIC_URL"] + path


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class CleanSchema(Schema):
    """Refuses NUL characters anywhere in the input: no database stores them in text."""

    @pre_load
    def refuse_nul(self, data: Any, **_kwargs: Any) -> Any:
        if hasattr(data, "items"):
            bad = [key for key, value in data.items() if _has_nul(value)]
            if bad:
                raise ValidationError({key: ["Remove the NUL character."] for key in bad})
        return data


def text(max_length: int, *, required: bool = False, **kwargs: Any) -> fields.String:
    """A text field of bounded length."""
    bounds = validate.Length(min=1 if required else 0, max=max_length)
    return fields.String(required=required, validate=bounds, allow_none=not required, **kwargs)


def choice(values: tuple[str, ...], **kwargs: Any) -> fields.String:
    """A text field from a closed vocabulary."""
    return fields.String(validate=validate.OneOf(values), **kwargs)


def identifier(**kwargs: Any) -> fields.Integer:
    """A record id (a positive integer)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), **kwargs)


class InputSchema(CleanSchema):
    """Bodies reject unknown fields, so a typo is an error rather than silently ignored."""

    class Meta:
        unknown = RAISE


class ListQuerySchema(CleanSchema):
    """Page selection shared by the list endpoints."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageSchema(Schema):
    """The envelope of a list."""

    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


# Products

class PointOfSaleInSchema(InputSchema):
    name = text(where_to_buy.POINT_LIMITS["name"], required=True)
    address = text(where_to_buy.POINT_LIMITS["address"], required=True)
    commune = text(where_to_buy.POINT_LIMITS["commune"], metadata={
        "description": "the commune's name or official code (2025 map), inside the producer's "
                       "province"})
    commune_code = fields.String(allow_none=True, validate=validate.Regexp(r"^\d{1,5}$"), metadata={
        "description": "read when commune is not given (answers carry both)"})
    hours = text(where_to_buy.POINT_LIMITS["hours"], metadata={"description": "opening hours"})


class OnlineListingInSchema(InputSchema):
    url = fields.String(required=True, validate=validate.Length(1, where_to_buy.URL_LIMIT),
                        metadata={"description": "https:// or http:// only"})
    platform = fields.String(required=True, validate=validate.Length(1, where_to_buy.PLATFORM_LIMIT),
                             metadata={"description": "e.g. Shopee, TikTok Shop, Facebook"})


class ProductInSchema(InputSchema):
    name = text(200, required=True, metadata={"description": "Vietnamese name"})
    name_en = text(200)
    brand = text(200)
    model_code = text(100)
    ocop_group = choice(OCOP_GROUPS, required=True)
    unit = text(100)
    gtin = fields.String(allow_none=True, validate=validate.Regexp(r"^\s*\d{8,14}\s*$"),
                         metadata={"description": "GTIN-8, -12, -13 or -14; stored as 14 digits"})
    description = text(5000)
    standards = fields.List(fields.String(validate=validate.Length(1, 100)),
                            validate=validate.Length(max=30))
    warnings = text(5000)
    storage_instructions = text(5000)
    shelf_life_days = fields.Integer(allow_none=True, validate=validate.Range(1, 36500))
    points_of_sale = fields.List(fields.Nested(PointOfSaleInSchema),
                                 validate=validate.Length(max=where_to_buy.MAX_POINTS_OF_SALE),
                                 metadata={"description": "where to buy: shops, tourist stops"})
    online_listings = fields.List(fields.Nested(OnlineListingInSchema),
                                  validate=validate.Length(max=where_to_buy.MAX_ONLINE_LISTINGS),
                                  metadata={"description": "shop pages, livestream channels"})


class ProductPatchSchema(ProductInSchema):
    pass


class PhotoSchema(Schema):
    id = fields.Integer()
    url = fields.Function(lambda photo: absolute_url(public_photo_of(photo).src))
    srcset = fields.Function(lambda photo: public_photo_of(photo).srcset)
    width = fields.Function(lambda photo: public_photo_of(photo).width)
    height = fields.Function(lambda photo: public_photo_of(photo).height)


class PointOfSaleSchema(Schema):
    name = fields.String()
    address = fields.String()
    commune = fields.String(allow_none=True)
    commune_code = fields.String(allow_none=True)
    hours = fields.String(allow_none=True)


class PointsOfSaleField(fields.List):
    """Stored points of sale, answered with their commune's name beside its code."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(where_to_buy.points_of_sale_view(value), attr, obj, **kwargs)


class OnlineListingSchema(Schema):
    url = fields.String()
    platform = fields.String()


class ProductSchema(ProductInSchema):
    id = fields.Integer()
    points_of_sale = PointsOfSaleField(fields.Nested(PointOfSaleSchema))
    online_listings = fields.List(fields.Nested(OnlineListingSchema))
    organization_id = fields.Integer()
    photos = fields.List(fields.Nested(PhotoSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ProductPageSchema(PageSchema):
    items = fields.List(fields.Nested(ProductSchema))


class ProductQuerySchema(ListQuerySchema):
    gtin = fields.String()
    ocop_group = choice(OCOP_GROUPS)


# Raw-material areas

class PlaceInSchema(InputSchema):
    """A place's input: names or codes of the 2025 map (services/places.py checks them)."""

    province = text(100, metadata={
        "description": "province (2025 map): its name as the official list spells it, with or "
                       "without Tỉnh/Thành phố, in any case, or its 2-digit code"})
    province_code = text(10, metadata={"description": "official 2-digit province code"})
    commune = text(100, metadata={
        "description": "commune (2025 map) inside the province: its name, with or without "
                       "Xã/Phường/Đặc khu, or its 5-digit code; given alone, it names the province"})
    commune_code = text(10, metadata={"description": "official 5-digit commune code"})


def _commune_of(record: Any) -> str | None:
    return place_view(record)["commune"]


class PlaceOutSchema(Schema):
    """A place as answered: names as the official list spells them, beside their codes."""

    province = fields.String(allow_none=True)
    province_code = fields.String(allow_none=True)
    commune = fields.Function(_commune_of, allow_none=True)
    commune_code = fields.String(allow_none=True)


class AreaInSchema(PlaceInSchema):
    name = text(200, required=True)
    material = text(200, required=True)
    code = text(40, metadata={"description": "official growing-area code, e.g. VN-DTOR-0017"})
    code_status = choice(AREA_CODE_STATUSES)
    code_status_since = fields.Date(allow_none=True)
    latitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(-180, 180))
    area_ha = fields.Float(allow_none=True, allow_nan=False,
                             validate=validate.Range(0.01, 10_000_000))
    standard = text(100)


class AreaPatchSchema(AreaInSchema):
    """A producer's change; ``code_status`` is refused (403) once the area is registered."""


class CodeStatusInSchema(InputSchema):
    code_status = choice(AREA_CODE_STATUSES, required=True)
    reason = text(2000, required=True)


class AreaSchema(PlaceOutSchema):
    id = fields.Integer()
    organization_id = fields.Integer()
    name = fields.String()
    material = fields.String()
    code = fields.String(allow_none=True)
    code_status = fields.String()
    code_status_since = fields.Date(allow_none=True)
    code_status_source = fields.String(metadata={
        "description": "producer (declared at registration) or authority (set by an inspector)"})
    code_status_reason = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    area_ha = fields.Float(allow_none=True)
    standard = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class AreaPageSchema(PageSchema):
    items = fields.List(fields.Nested(AreaSchema))


class AreaQuerySchema(ListQuerySchema):
    code = fields.String()
    province = fields.String()


# Facilities

class FacilityInSchema(PlaceInSchema):
    name = text(200, required=True)
    address = text(300, required=True)
    food_safety_cert_no = text(100)


class FacilityPatchSchema(FacilityInSchema):
    pass


class FacilitySchema(FacilityInSchema):
    commune = fields.Function(_commune_of, allow_none=True)  # a facility stores its code only
    id = fields.Integer()
    organization_id = fields.Integer()
    created_at = fields.AwareDateTime()


class FacilityPageSchema(PageSchema):
    items = fields.List(fields.Nested(FacilitySchema))


# Certificates

class CertificateInSchema(InputSchema):
    scheme = choice(CERTIFICATE_SCHEMES, required=True)
    number = text(100, required=True)
    issuer = text(200, required=True)
    issuing_level = choice(ISSUING_LEVELS, allow_none=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    subject_type = choice(CERTIFICATE_SUBJECTS, required=True)
    subject_id = identifier(allow_none=True)
    stars = fields.Integer(allow_none=True, strict=True, validate=validate.Range(3, 5))


class CertificatePatchSchema(InputSchema):
    number = text(100)
    issuer = text(200)
    issuing_level = choice(ISSUING_LEVELS, allow_none=True)
    valid_from = fields.Date()
    valid_until = fields.Date()
    stars = fields.Integer(allow_none=True, strict=True, validate=validate.Range(3, 5))


class CertificateSchema(CertificateInSchema):
    id = fields.Integer()
    organization_id = fields.Integer()
    verification_status = choice(VERIFICATION_STATUSES)
    verified_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class CertificatePageSchema(PageSchema):
    items = fields.List(fields.Nested(CertificateSchema))


class CertificateQuerySchema(ListQuerySchema):
    scheme = choice(CERTIFICATE_SCHEMES)
    subject_type = choice(CERTIFICATE_SUBJECTS)


# Batches

class InputLotInSchema(InputSchema):
    code = fields.String(validate=validate.Length(1, 40),
                         metadata={"description": "a tracelabel batch code"})
    batch_id = identifier()
    lot = text(40, metadata={"description": "a supplier's lot code"})
    supplier = text(200)
    quantity = fields.Float(allow_none=True, allow_nan=False,
                              validate=validate.Range(0.001, 10**10))
    unit = text(40)


class InputLotSchema(Schema):
    input_batch_id = fields.Integer(allow_none=True)
    lot = fields.String(allow_none=True)
    supplier = fields.String(allow_none=True)
    quantity = fields.Float(allow_none=True)
    unit = fields.String(allow_none=True)


class BatchInSchema(InputSchema):
    product_id = identifier(required=True)
    lot = text(40, required=True)
    production_date = fields.Date(required=True)
    expiry_date = fields.Date(allow_none=True)
    quantity = fields.Float(allow_none=True, allow_nan=False,
                              validate=validate.Range(0.001, 10**10))
    unit = text(40)
    note = text(5000)
    area_ids = fields.List(identifier(), validate=validate.Length(max=100))
    facility_ids = fields.List(identifier(), validate=validate.Length(max=100))
    certificate_ids = fields.List(identifier(), validate=validate.Length(max=100))
    input_lots = fields.List(fields.Nested(InputLotInSchema), validate=validate.Length(max=200))


class BatchPatchSchema(BatchInSchema):
    class Meta:
        exclude = ("product_id",)


class BatchSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    trace_url = fields.Function(lambda batch: batch_trace_url(current_app.config["PUBLIC_URL"], batch))
    organization_id = fields.Integer()
    product_id = fields.Integer()
    lot = fields.String()
    production_date = fields.Date()
    expiry_date = fields.Date(allow_none=True)
    quantity = fields.Float(allow_none=True)
    unit = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    status = choice(BATCH_STATUSES)
    status_reason = fields.String(allow_none=True)
    status_changed_at = fields.AwareDateTime(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)
    units_issued = fields.Integer()
    area_ids = fields.Function(lambda batch: [area.id for area in batch.areas])
    facility_ids = fields.Function(lambda batch: [facility.id for facility in batch.facilities])
    certificate_ids = fields.Function(lambda batch: [c.id for c in batch.certificates])
    input_lots = fields.List(fields.Nested(InputLotSchema), attribute="inputs")
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class BatchPageSchema(PageSchema):
    items = fields.List(fields.Nested(BatchSchema))
    total_is_lower_bound = fields.Boolean(
        metadata={"description": "true when more matches exist than were counted (1,000)"})


def query_id(**kwargs: Any) -> fields.Integer:
    """A record id in a query string."""
    return fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), **kwargs)


class BatchQuerySchema(ListQuerySchema):
    code = fields.String(validate=validate.Length(1, 300),
                         metadata={"description": "a short code, unit code or a pasted trace URL"})
    lot = fields.String(validate=validate.Length(1, 40))
    status = choice(BATCH_STATUSES)
    product_id = query_id()
    product = fields.String(validate=validate.Length(1, 200), metadata={"description": "name contains"})
    organization_id = query_id()
    producer = fields.String(validate=validate.Length(1, 200), metadata={"description": "name contains"})
    province = fields.String(validate=validate.Length(1, 100))
    area_code = fields.String(validate=validate.Length(1, 40))
    area_id = query_id()
    certificate_scheme = choice(CERTIFICATE_SCHEMES)
    certificate_status = choice(("valid", "expired", "verified", "rejected", "unverified"))
    produced_from = fields.Date()
    produced_to = fields.Date()
    has_gaps = fields.Boolean(metadata={"description": "trace lacks an item of Circular 02/2024"})
    sort = choice(("newest", "production_date", "-production_date", "lot"), load_default="newest")


class LabelQuerySchema(CleanSchema):
    class Meta:
        unknown = EXCLUDE

    format = fields.String(load_default="pdf", validate=validate.OneOf(("png", "svg", "pdf", "zpl")))
    symbology = fields.String(load_default="qr", validate=validate.OneOf(LABEL_SYMBOLOGIES))
    template = fields.String(load_default=None, validate=validate.OneOf(tuple(LABEL_TEMPLATES)),
                             metadata={"description": "default: a4-3x8 for pdf, the smallest "
                                                      "roll that holds the symbology for zpl"})
    units = fields.String(validate=validate.Regexp(r"^\s*\d{1,9}\s*-\s*\d{1,9}\s*$"),
                          metadata={"description": "unit serials FROM-TO (issued first)"})
    dpi = fields.Integer(validate=validate.Range(72, 1200),
                         metadata={"description": "PNG resolution; ZPL printer: 203 or 300"})
    background = fields.Boolean(load_default=False, metadata={
        "description": "run as a background job (202 and the job's URL); runs above 20,000 "
                       "labels always do"})


class ReadinessItemSchema(Schema):
    item = fields.String()
    label = fields.String()
    ok = fields.Boolean()


class GapSchema(Schema):
    item = fields.String()
    message = fields.String()


class ReadinessSchema(Schema):
    batch_id = fields.Integer()
    ready = fields.Boolean()
    items = fields.List(fields.Nested(ReadinessItemSchema))
    gaps = fields.List(fields.Nested(GapSchema))


class StatusChangeSchema(InputSchema):
    reason = text(2000, required=True)


class UnitsInSchema(InputSchema):
    count = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1_000_000))


class UnitsSchema(Schema):
    batch_id = fields.Integer()
    first = fields.Integer()
    last = fields.Integer()


# Trace events

class EventInSchema(InputSchema):
    step = choice(TRACE_STEPS, required=True)
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    area_id = identifier(allow_none=True)
    facility_id = identifier(allow_none=True)
    place = text(300)
    note = text(5000)
    supersedes_id = identifier(allow_none=True)
    recorded_at = fields.AwareDateTime(format="iso", allow_none=True, metadata={
        "description": "when the person recorded it (a phone may send it later); default now"})
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90), allow_nan=False,
                            metadata={"description": "where the phone was (never public)"})
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180), allow_nan=False)
    position_accuracy_m = fields.Float(allow_none=True, validate=validate.Range(0, 100_000),
                                       allow_nan=False)


class EventPhotoSchema(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    public = fields.Boolean(attribute="is_public")
    url = fields.Function(lambda photo: absolute_url(public_photo_of(photo).src)
                          if photo.is_public else None,
                          metadata={"description": "public photos only; internal ones: null"})


class EventSchema(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    step = fields.String()
    occurred_at = fields.Function(lambda event: event.occurred_local.isoformat())
    area_id = fields.Integer(allow_none=True)
    facility_id = fields.Integer(allow_none=True)
    place = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)
    recorded_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime(metadata={"description": "when it reached the server"})
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    position_accuracy_m = fields.Integer(allow_none=True)
    photos = fields.List(fields.Nested(EventPhotoSchema))


class EventListSchema(Schema):
    items = fields.List(fields.Nested(EventSchema))
