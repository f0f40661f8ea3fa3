"""The closed vocabularies of the domain, shared by models, services and schemas."""

from sqlalchemy import CheckConstraint

ORGANIZATION_KINDS = ("enterprise", "cooperative", "household")
# "programme": a provincial OCOP office (or the national one), reading coverage of its scope.
ROLES = ("producer", "inspector", "admin", "programme")
# Decision 148/QĐ-TTg (2023) groups; "textile" kept for products rated before 2023.
OCOP_GROUPS = ("food", "beverage", "herbal", "handicraft", "ornamental", "tourism", "textile")
AREA_CODE_STATUSES = ("active", "suspended", "revoked")
CODE_STATUS_SOURCES = ("producer", "authority")
CERTIFICATE_SCHEMES = (
    "ocop", "vietgap", "globalgap", "organic", "haccp", "iso22000", "food_safety", "other",
)
CERTIFICATE_SUBJECTS = ("product", "area", "facility", "organization")
VERIFICATION_STATUSES = ("unverified", "verified", "rejected")
ISSUING_LEVELS = ("province", "national")
BATCH_STATUSES = ("draft", "published", "suspended", "recalled")
TRACE_STEPS = (
    "planting", "harvesting", "receiving", "processing", "packing", "storing", "shipping",
    "inspecting", "other",
)


def one_of(column: str, values: tuple[str, ...], name: str, *, nullable: bool = False) -> CheckConstraint:
    """A CHECK constraint keeping a text column inside its vocabulary."""
    listed = ", ".join(f"'{value}'" for value in values)
    condition = f"{column} IN ({listed})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=name)
