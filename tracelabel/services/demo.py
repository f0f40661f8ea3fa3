"""Demo data that looks like the real programme: four OCOP producers of Quảng Ninh and Đà Nẵng."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracelabel import codes
from tracelabel.models import Batch, Certificate, Facility, Organization, Product, RawMaterialArea
from tracelabel.services import accounts, batches, catalog, events, organizations
from tracelabel.services.accounts import actor_for
from tracelabel.services.actors import SYSTEM, Actor

LOGINS_FILE = "demo_logins.json"
SERVED_URL_FILE = "demo_public_url"
DEMO_DOMAIN = "demo.tracelabel.vn"
VN_TIME = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class DemoLogins:
    """The demo accounts: (email, password, role)."""

    accounts: list[tuple[str, str, str]]


def _gtin(body12: str) -> str:
    return body12 + str(codes.gtin_check_digit(body12))


PRODUCERS: list[dict[str, Any]] = [
    {
        "org": {"name": "Hợp tác xã Miến dong Bình Liêu", "kind": "cooperative",
                "tax_code": "5701234567", "province_code": "22", "commune_code": "06838",
                "address": "Thôn Bản Chuồng, xã Bình Liêu, tỉnh Quảng Ninh", "phone": "0203 3878 123"},
        "login": "binhlieu",
        "product": {"name": "Miến dong Bình Liêu", "name_en": "Binh Lieu arrowroot vermicelli",
                    "brand": "Miến dong Bình Liêu", "ocop_group": "food", "unit": "Gói 500 g",
                    "standards": ["TCVN 13279:2021", "QCVN 8-2:2011/BYT"],
                    "warnings": "Không dùng khi bao bì bị rách hoặc sản phẩm có mùi lạ.",
                    "storage_instructions": "Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp.",
                    "description": "Miến làm từ tinh bột củ dong riềng trồng ở vùng cao Bình Liêu.",
                    "shelf_life_days": 365},
        "area": {"name": "Vùng trồng dong riềng Đồng Văn", "code": "VN-QNBL-0003",
                 "material": "Củ dong riềng", "province_code": "22", "commune_code": "06838",
                 "latitude": Decimal("21.548300"), "longitude": Decimal("107.418900"),
                 "area_ha": Decimal("45.50"), "standard": "VietGAP"},
        "facility": {"name": "Xưởng chế biến miến dong Bản Chuồng",
                     "address": "Thôn Bản Chuồng, xã Bình Liêu, tỉnh Quảng Ninh",
                     "province_code": "22", "commune_code": "06838",
                     "food_safety_cert_no": "127/2024/ATTP-CNĐK"},
        "stars": 4, "level": "province", "issuer": "UBND tỉnh Quảng Ninh",
        "lots": ["MD-2610-01", "MD-2611-01"],
        "steps": [("planting", "area", -240), ("harvesting", "area", -40),
                  ("processing", "facility", -2), ("packing", "facility", 0)],
    },
    {
        "org": {"name": "Công ty TNHH Nước mắm Cái Rồng", "kind": "enterprise",
                "tax_code": "5702345678", "province_code": "22", "commune_code": "06994",
                "address": "Khu 3, đặc khu Vân Đồn, tỉnh Quảng Ninh", "phone": "0203 3874 456",
                "gs1_prefixes": ["8936005"]},
        "login": "cairong",
        "product": {"name": "Nước mắm Cái Rồng 35 độ đạm", "name_en": "Cai Rong fish sauce 35°N",
                    "brand": "Cái Rồng", "ocop_group": "food", "unit": "Chai 500 ml",
                    "gtin": _gtin("893600512001"),
                    "standards": ["TCVN 5107:2018", "QCVN 8-1:2011/BYT"],
                    "warnings": "Sản phẩm có chứa cá (chất gây dị ứng).",
                    "storage_instructions": "Đậy kín nắp sau khi dùng; để nơi thoáng mát.",
                    "shelf_life_days": 730},
        "area": {"name": "Ngư trường cá cơm Vân Đồn", "material": "Cá cơm than",
                 "province_code": "22", "commune_code": "06994"},
        "facility": {"name": "Nhà thùng chượp Cái Rồng",
                     "address": "Khu 3, đặc khu Vân Đồn, tỉnh Quảng Ninh", "province_code": "22",
                     "commune_code": "06994",
                     "food_safety_cert_no": "85/2023/NNPTNT-QN"},
        "stars": 4, "level": "province", "issuer": "UBND tỉnh Quảng Ninh",
        "lots": ["CR2607A", "CR2609B"],
        "steps": [("harvesting", "area", -400), ("processing", "facility", -399),
                  ("packing", "facility", 0)],
        "recall": "Phát hiện hàm lượng histamine vượt ngưỡng cho phép ở lô này.",
    },
    {
        "org": {"name": "Hợp tác xã Sâm Ngọc Linh Nam Trà My", "kind": "cooperative",
                "tax_code": "4001234567", "province_code": "48", "commune_code": "20950",
                "address": "Thôn 2, xã Trà Linh, thành phố Đà Nẵng", "phone": "0235 3881 789"},
        "login": "ngoclinh",
        "product": {"name": "Sâm Ngọc Linh tươi", "name_en": "Fresh Ngoc Linh ginseng",
                    "brand": "Sâm Ngọc Linh Trà Linh", "ocop_group": "herbal", "unit": "Củ 100 g",
                    "standards": ["TCVN 12851:2019", "Dược điển Việt Nam V"],
                    "warnings": "Phụ nữ có thai và trẻ em dưới 12 tuổi hỏi ý kiến thầy thuốc.",
                    "storage_instructions": "Bảo quản ngăn mát tủ lạnh 2–8 °C.",
                    "shelf_life_days": 60},
        "area": {"name": "Vườn sâm dưới tán rừng núi Ngọc Linh", "code": "VN-QNAM-0105",
                 "material": "Sâm Ngọc Linh (Panax vietnamensis)", "province_code": "48",
                 "commune_code": "20950", "latitude": Decimal("15.083300"),
                 "longitude": Decimal("107.966700"), "area_ha": Decimal("12.00"),
                 "standard": "Hữu cơ"},
        "facility": {"name": "Cơ sở sơ chế sâm Trà Linh",
                     "address": "Thôn 2, xã Trà Linh, thành phố Đà Nẵng", "province_code": "48",
                     "commune_code": "20950"},
        "stars": 5, "level": "national", "issuer": "Bộ Nông nghiệp và Môi trường",
        "lots": ["NL-2611-07"],
        "steps": [("planting", "area", -1900), ("harvesting", "area", -2),
                  ("inspecting", "facility", -1), ("packing", "facility", 0)],
    },
    {
        "org": {"name": "Cơ sở Bánh dừa nướng Quý Thu", "kind": "household",
                "tax_code": "4002345678", "province_code": "48", "commune_code": "20623",
                "address": "Thôn Thi Thại, xã Duy Xuyên, thành phố Đà Nẵng", "phone": "0905 123 456",
                "gs1_prefixes": ["893600734"]},
        "login": "quythu",
        "product": {"name": "Bánh dừa nướng Quý Thu", "name_en": "Quy Thu baked coconut cake",
                    "brand": "Quý Thu", "ocop_group": "food", "unit": "Hộp 180 g",
                    "gtin": _gtin("893600734002"),
                    "standards": ["TCVN 5909:1995", "QCVN 8-3:2012/BYT"],
                    "warnings": "Có chứa đường; người tiểu đường cân nhắc khi dùng.",
                    "storage_instructions": "Đóng kín túi sau khi mở; tránh ẩm.",
                    "shelf_life_days": 180},
        "facility": {"name": "Lò bánh Quý Thu",
                     "address": "Thôn Thi Thại, xã Duy Xuyên, thành phố Đà Nẵng",
                     "province_code": "48", "commune_code": "20623",
                     "food_safety_cert_no": "42/2025/ATTP-QN"},
        "stars": 5, "level": "national", "issuer": "Bộ Nông nghiệp và Môi trường",
        "lots": ["QT261120"],
        "inputs": [{"lot": "DUA-2611-B", "supplier": "HTX Dừa Bình Định", "quantity": Decimal("500"),
                    "unit": "quả"}],
        "steps": [("receiving", "facility", -1), ("processing", "facility", 0),
                  ("packing", "facility", 0)],
    },
]
INSPECTOR_LOGIN = "thanhtra"
ADMIN_LOGIN = "admin"


def _load_logins(instance_path: str) -> dict[str, str]:
    path = Path(instance_path) / LOGINS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save_logins(instance_path: str, logins: dict[str, str]) -> None:
    path = Path(instance_path) / LOGINS_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(logins, handle, ensure_ascii=False, indent=1)


def seed(session: Session, instance_path: str, today: dt.date | None = None) -> DemoLogins:
    """Load the demo data once; later calls change nothing and return the same logins."""
    today = today or dt.date.today()
    passwords = _load_logins(instance_path)
    first_org = PRODUCERS[0]["org"]["tax_code"]
    if session.scalar(select(Organization.id).where(Organization.tax_code == first_org)) is None:
        passwords = {login: secrets.token_urlsafe(9) for login in
                     [p["login"] for p in PRODUCERS] + [INSPECTOR_LOGIN, ADMIN_LOGIN]}
        _create_everything(session, passwords, today)
        _save_logins(instance_path, passwords)
    else:
        _record_missing_prefixes(session)
    roles = {INSPECTOR_LOGIN: "inspector", ADMIN_LOGIN: "admin"}
    return DemoLogins([(f"{login}@{DEMO_DOMAIN}", password, roles.get(login, "producer"))
                       for login, password in passwords.items()])


def _record_missing_prefixes(session: Session) -> None:
    """Demo data loaded before organizations had GS1 company prefixes gets them now (once)."""
    for producer in PRODUCERS:
        wanted = producer["org"].get("gs1_prefixes")
        organization = session.scalar(select(Organization).where(
            Organization.tax_code == producer["org"]["tax_code"]))
        if wanted and organization is not None and not organization.gs1_prefixes:
            organizations.update_organization(session, SYSTEM, organization.id,
                                              {"gs1_prefixes": wanted})


def _create_everything(session: Session, passwords: dict[str, str], today: dt.date) -> None:
    def account(login: str, role: str, organization_id: int | None = None) -> Actor:
        user = accounts.create_user(session, SYSTEM, email=f"{login}@{DEMO_DOMAIN}",
                                    password=passwords[login], role=role,
                                    organization_id=organization_id)
        return actor_for(user)

    account(ADMIN_LOGIN, "admin")
    inspector = account(INSPECTOR_LOGIN, "inspector")
    for producer in PRODUCERS:
        organization = accounts.create_organization(session, SYSTEM, **producer["org"])
        actor = account(producer["login"], "producer", organization.id)
        _create_producer_records(session, actor, producer, today, inspector)


def _create_producer_records(session: Session, actor: Actor, producer: dict[str, Any],
                             today: dt.date, inspector: Actor) -> None:
    product = catalog.create_record(session, actor, Product, dict(producer["product"]))
    area = catalog.create_record(session, actor, RawMaterialArea, dict(producer["area"])) \
        if "area" in producer else None
    facility = catalog.create_record(session, actor, Facility, dict(producer["facility"]))
    ocop = catalog.create_record(session, actor, Certificate, {
        "scheme": "ocop", "number": f"OCOP-{producer['stars']}S-{product.id:04d}/2025",
        "issuer": producer["issuer"], "issuing_level": producer["level"],
        "stars": producer["stars"], "valid_from": today - dt.timedelta(days=300),
        "valid_until": today - dt.timedelta(days=300) + dt.timedelta(days=36 * 30),
        "subject_type": "product", "subject_id": product.id})
    certificate_ids = [ocop.id]
    if area is not None and area.standard:
        certificate_ids.append(catalog.create_record(session, actor, Certificate, {
            "scheme": "vietgap" if area.standard == "VietGAP" else "organic",
            "number": f"VG-{area.id:04d}-2025", "issuer": "Trung tâm Chứng nhận Phù hợp (QUACERT)",
            "valid_from": today - dt.timedelta(days=200), "valid_until": today + dt.timedelta(days=530),
            "subject_type": "area", "subject_id": area.id}).id)
    for index, lot in enumerate(producer["lots"]):
        batch = _create_batch(session, actor, producer, product, area, facility, certificate_ids,
                              lot, today - dt.timedelta(days=30 * (len(producer["lots"]) - 1 - index)))
        if producer.get("recall") and index == 0:
            batches.change_batch_status(session, inspector, batch.id, "recall", producer["recall"])


def _create_batch(session: Session, actor: Actor, producer: dict[str, Any], product: Product,
                  area: RawMaterialArea | None, facility: Facility, certificate_ids: list[int],
                  lot: str, packed_on: dt.date) -> Batch:
    shelf_life = dt.timedelta(days=producer["product"]["shelf_life_days"])
    batch = batches.create_batch(session, actor, {
        "product_id": product.id, "lot": lot, "production_date": packed_on,
        "expiry_date": packed_on + shelf_life, "quantity": Decimal("1200"),
        "unit": producer["product"]["unit"].split()[0].lower(),
        "area_ids": [area.id] if area else [], "facility_ids": [facility.id],
        "certificate_ids": certificate_ids, "input_lots": producer.get("inputs", [])})
    for step, where, days in producer["steps"]:
        moment = dt.datetime.combine(packed_on + dt.timedelta(days=days), dt.time(8, 30),
                                     tzinfo=VN_TIME)
        events.append_event(session, actor, batch.id, {
            "step": step, "occurred_at": min(moment, dt.datetime.now(VN_TIME)),
            "area_id": area.id if where == "area" and area else None,
            "facility_id": facility.id if where == "facility" else None})
    return batches.publish_batch(session, actor, batch.id)


def demo_batches(session: Session) -> list[Batch]:
    """The demo's own batches, oldest first (not those people made since): the ones whose trace
    pages the demo shows."""
    tax_codes = [producer["org"]["tax_code"] for producer in PRODUCERS]
    lots = [lot for producer in PRODUCERS for lot in producer["lots"]]
    return list(session.scalars(
        select(Batch).join(Organization, Batch.organization_id == Organization.id)
        .where(Organization.tax_code.in_(tax_codes), Batch.lot.in_(lots), Batch.status != "draft")
        .order_by(Batch.id)))


def save_served_url(instance_path: str, url: str) -> None:
    """Remember the address the demo serves at, for the codes later commands print."""
    (Path(instance_path) / SERVED_URL_FILE).write_text(url + "\n", encoding="utf-8")


def served_url(instance_path: str) -> str | None:
    """The address the demo last served at in this instance, or None."""
    path = Path(instance_path) / SERVED_URL_FILE
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").strip() or None
