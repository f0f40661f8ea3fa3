"""The domain model; importing this package registers every table on ``Base.metadata``."""

from tracelabel.models.accounts import ApiToken, Organization, User
from tracelabel.models.audit import AuditCheckpoint, AuditEntry, AuditHead
from tracelabel.models.batches import (
    Batch,
    BatchInput,
    LabelRun,
    Scan,
    ScanCounter,
    TraceEvent,
    batch_areas,
    batch_certificates,
    batch_facilities,
)
from tracelabel.models.capture import EventPhoto, EventPhotoVariant, IdempotencyKey
from tracelabel.models.catalog import Certificate, Facility, Product, RawMaterialArea
from tracelabel.models.coverage import OrganizationScanWeek, ProductScanDay, ScanRollup
from tracelabel.models.enums import (
    AREA_CODE_STATUSES,
    BATCH_STATUSES,
    CERTIFICATE_SCHEMES,
    CERTIFICATE_SUBJECTS,
    OCOP_GROUPS,
    ORGANIZATION_KINDS,
    ROLES,
    TRACE_STEPS,
    VERIFICATION_STATUSES,
)
from tracelabel.models.jobs import JOB_KINDS, JOB_STATES, Job
from tracelabel.models.media import ImageBlob, PhotoVariant, ProductPhoto
from tracelabel.models.nfc import NfcTag
from tracelabel.models.published import PublishedRecord

__all__ = [
    "AREA_CODE_STATUSES",
    "BATCH_STATUSES",
    "CERTIFICATE_SCHEMES",
    "CERTIFICATE_SUBJECTS",
    "JOB_KINDS",
    "JOB_STATES",
    "OCOP_GROUPS",
    "ORGANIZATION_KINDS",
    "ROLES",
    "TRACE_STEPS",
    "VERIFICATION_STATUSES",
    "ApiToken",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "Batch",
    "BatchInput",
    "Certificate",
    "EventPhoto",
    "EventPhotoVariant",
    "Facility",
    "IdempotencyKey",
    "ImageBlob",
    "Job",
    "LabelRun",
    "NfcTag",
    "Organization",
    "OrganizationScanWeek",
    "PhotoVariant",
    "Product",
    "ProductPhoto",
    "ProductScanDay",
    "PublishedRecord",
    "RawMaterialArea",
    "Scan",
    "ScanCounter",
    "ScanRollup",
    "TraceEvent",
    "User",
    "batch_areas",
    "batch_certificates",
    "batch_facilities",
]
