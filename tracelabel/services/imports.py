"""CSV import of batches and their origin links: every bad row reported, the import all-or-nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracelabel import codes
from tracelabel.models import Certificate, Facility, Organization, Product, RawMaterialArea
from tracelabel.services import batch_bulk
from tracelabel.services.actors import Actor, owning_organization
from tracelabel.services.errors import NotFound

MAX_ROWS = 50_000
JOB_ROWS = 5_000  # larger files are written by a background job, once every row is checked
LIST_SEPARATOR = "|"
# Column names as people write them, in Vietnamese or English, to the field each one fills.
HEADERS = {
    "product": "product", "sản phẩm": "product", "san pham": "product", "tên sản phẩm": "product",
    "product_id": "product_id", "gtin": "gtin", "mã gtin": "gtin",
    "lot": "lot", "số lô": "lot", "lô": "lot", "so lo": "lot",
    "production_date": "production_date", "ngày sản xuất": "production_date", "nsx": "production_date",
    "expiry_date": "expiry_date", "hạn sử dụng": "expiry_date", "hsd": "expiry_date",
    "quantity": "quantity", "số lượng": "quantity", "unit": "unit", "đơn vị": "unit",
    "area_codes": "areas", "areas": "areas", "vùng nguyên liệu": "areas", "mã vùng trồng": "areas",
    "facilities": "facilities", "cơ sở": "facilities", "cơ sở chế biến": "facilities",
    "certificates": "certificates", "chứng nhận": "certificates",
    "input_lots": "input_lots", "lô nguyên liệu": "input_lots", "note": "note", "ghi chú": "note",
}
TEMPLATE_CSV = (
    "sản phẩm;số lô;ngày sản xuất;hạn sử dụng;số lượng;đơn vị;mã vùng trồng;cơ sở chế biến;"
    "chứng nhận;lô nguyên liệu;ghi chú\n"
    "Miến dong Bình Liêu;MD-2612-01;01/12/2026;01/12/2027;1200;gói;VN-QNBL-0003;"
    "Xưởng chế biến miến dong Bản Chuồng;OCOP-4S-0001/2025;;Lô đầu vụ\n"
)


@dataclass(frozen=True)
class RowError:
    """What is wrong on one line of the file (line 1 is the header)."""

    line: int
    field: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    """The outcome: rows that were (or, in a dry run, would be) written, and every bad row."""

    rows_written: int = 0
    rows_read: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row was refused (the edge commits only then, and never for a dry run)."""
        return not self.errors


class ImportRejected(Exception):
    """The file as a whole cannot be read (encoding, header, size)."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class UnknownOrganization(NotFound):
    """The import names an organization that does not exist."""


def save_job_input(folder: Path, data: bytes) -> Path:
    """Keep an uploaded file for the job that imports it (removed when the job ends)."""
    path = folder / f"import-{secrets.token_hex(8)}.csv"
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(data)
    return path


def _text(data: bytes) -> str:
    if b"\x00" in data:
        raise ImportRejected("Save the file as CSV UTF-8 (the file is not UTF-8).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected("Save the file as CSV UTF-8 (the file is not UTF-8).") from None


def _reader(text: str) -> tuple[list[str], list[list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportRejected("The file is empty.")
    if len(rows) - 1 > MAX_ROWS:
        raise ImportRejected("Import at most %(max)s rows at a time.", max=MAX_ROWS)
    return rows[0], rows[1:]


def _columns(header: list[str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    unknown = []
    for index, name in enumerate(header):
        key = re.sub(r"\s+", " ", name.strip().lower())
        if key in HEADERS:
            columns[index] = HEADERS[key]
        elif key:
            unknown.append(name.strip())
    if unknown:
        raise ImportRejected("Unknown columns: %(names)s.", names=", ".join(unknown))
    missing = {"lot", "production_date"} - set(columns.values())
    if not ({"product", "product_id", "gtin"} & set(columns.values())):
        missing.add("product")
    if missing:
        raise ImportRejected("Missing columns: %(names)s.", names=", ".join(sorted(missing)))
    return columns


DATE_SHAPES = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})([/.-])(\d{1,2})\5(\d{4})")


def parse_date(value: str) -> dt.date:
    """A date as YYYY-MM-DD or, as Vietnamese spreadsheets write it, DD/MM/YYYY."""
    value = value.strip()
    shape = DATE_SHAPES.fullmatch(value)
    if shape:  # the usual shapes without strptime, which costs more than the rest of a row
        year, month, day = ((shape[1], shape[2], shape[3]) if shape[1]
                            else (shape[7], shape[6], shape[4]))
        return dt.date(int(year), int(month), int(day))
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def parse_quantity(value: str) -> Decimal:
    """A quantity; a decimal comma is accepted ("12,5"), thousands separators are not."""
    value = value.strip().replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


@dataclass
class _Lookups:
    """The organization's records, loaded once, found by the names and codes people type."""

    products: dict[str, Product]
    areas: dict[str, RawMaterialArea]
    facilities: dict[str, Facility]
    certificates: dict[str, Certificate]

    @classmethod
    def load(cls, session: Session, organization_id: int) -> _Lookups:
        def owned(model: type) -> list[Any]:
            return list(session.scalars(select(model).where(model.organization_id == organization_id)))

        products, areas = owned(Product), owned(RawMaterialArea)
        return cls(
            products={key: p for p in products for key in (p.name.lower(), p.gtin or "", str(p.id)) if key},
            areas={key: a for a in areas for key in (a.name.lower(), (a.code or "").upper()) if key},
            facilities={f.name.lower(): f for f in owned(Facility)},
            certificates={c.number.upper(): c for c in owned(Certificate)},
        )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _find_many(names: str, table: dict[str, Any], column: str, line: int, errors: list[RowError],
               *, upper: bool = False) -> list[int]:
    found = []
    for name in _split(names):
        record = table.get(name.upper() if upper else name.lower()) or table.get(name.upper())
        if record is None:
            errors.append(RowError(line, column, "No record matches %(name)s.", {"name": name}))
        else:
            found.append(record.id)
    return found


def _product(cells: dict[str, str], lookups: _Lookups, line: int, errors: list[RowError]) -> int | None:
    for column in ("product_id", "gtin", "product"):
        value = cells.get(column, "").strip()
        if not value:
            continue
        key = value.lower()
        if column == "gtin":
            try:
                key = codes.normalize_gtin(value)
            except codes.CodeError as error:
                errors.append(RowError(line, column, error.message))
                return None
        product = lookups.products.get(key)
        if product is None:
            errors.append(RowError(line, column, "No product of yours matches %(name)s.", {"name": value}))
            return None
        return product.id
    errors.append(RowError(line, "product", "Name the product."))
    return None


def _input_lots(value: str) -> list[dict[str, Any]]:
    lots = []
    for part in _split(value):
        try:
            lots.append({"code": codes.parse_batch_code(part)})
        except codes.CodeError:
            lots.append({"lot": part})
    return lots


def _row_values(cells: dict[str, str], lookups: _Lookups, line: int,
                errors: list[RowError]) -> dict[str, Any]:
    values: dict[str, Any] = {"product_id": _product(cells, lookups, line, errors),
                              "lot": cells.get("lot", "").strip() or None}
    for column in ("production_date", "expiry_date"):
        raw = cells.get(column, "").strip()
        try:
            values[column] = parse_date(raw) if raw else None
        except ValueError:
            errors.append(RowError(line, column, "Write the date as DD/MM/YYYY or YYYY-MM-DD."))
    if cells.get("quantity", "").strip():
        try:
            values["quantity"] = parse_quantity(cells["quantity"])
        except ValueError:
            errors.append(RowError(line, "quantity", "Write the quantity as a number."))
    values["unit"] = cells.get("unit", "").strip() or None
    values["note"] = cells.get("note", "").strip() or None
    values["area_ids"] = _find_many(cells.get("areas", ""), lookups.areas, "areas", line, errors,
                                    upper=True)
    values["facility_ids"] = _find_many(cells.get("facilities", ""), lookups.facilities,
                                        "facilities", line, errors)
    values["certificate_ids"] = _find_many(cells.get("certificates", ""), lookups.certificates,
                                           "certificates", line, errors, upper=True)
    values["input_lots"] = _input_lots(cells.get("input_lots", ""))
    return values


def import_batches(session: Session, actor: Actor, data: bytes, *, dry_run: bool = False,
                   organization_id: int | None = None,
                   progress: Callable[[float], None] | None = None) -> ImportReport:
    """Create a draft batch per row; the edge commits only when ``report.ok`` and not a dry run.

    Every row is read and checked first, against records loaded once for the whole file; then,
    only if no row was refused, every batch is written in one go and the audit entries appended
    last (the chain's head is held for that final step only).
    """
    owner = owning_organization(actor, organization_id)
    if session.get(Organization, owner) is None:
        raise UnknownOrganization("There is no organization %(id)s.", {"id": owner})
    header, rows = _reader(_text(data))
    columns = _columns(header)
    lookups = _Lookups.load(session, owner)
    report = ImportReport(dry_run=dry_run)
    checked: list[tuple[int, dict[str, Any]]] = []
    for offset, row in enumerate(rows):
        if progress is not None and offset % 1000 == 0:
            progress(0.5 * offset / len(rows))
        if not any(cell.strip() for cell in row):
            continue
        report.rows_read += 1
        cells = {columns[i]: cell for i, cell in enumerate(row) if i in columns}
        row_errors: list[RowError] = []
        values = _row_values(cells, lookups, offset + 2, row_errors)
        report.errors.extend(row_errors)
        if not row_errors:
            checked.append((offset + 2, values))
    if report.rows_read == 0:
        raise ImportRejected("The file has a header but no rows.")
    if progress is not None:
        progress(0.5)
    outcome = batch_bulk.create_batches(session, actor, [values for _, values in checked], owner,
                                        write=report.ok and not dry_run)
    for index, errors in outcome.errors.items():
        line = checked[index][0]
        report.errors.extend(RowError(line, e.field, e.message, e.params) for e in errors)
    report.errors.sort(key=lambda error: error.line)
    report.rows_written = outcome.checked if report.ok else 0
    return report
