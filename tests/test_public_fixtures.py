"""Shared data for the public page tests: a published GTIN batch with units, and helpers.

Imported by the test_public_* modules (it holds no tests of its own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from tests.factories import VN, Account, Factory
from tracelabel import codes
from tracelabel.models import Batch, Certificate, Product
from tracelabel.services import batches, events

GTIN = "8936005120011"  # GTIN-13; the resolver serves it as 08936005120011
GTIN14 = "0" + GTIN
UNITS = 5
TODAY = dt.date.today()


@dataclass
class World:
    """A producer, its GTIN product, a published batch with units and an expired certificate."""

    owner: Account
    product: Product
    batch: Batch
    valid_certificate: Certificate
    expired_certificate: Certificate

    @property
    def dl_path(self) -> str:
        """The batch's Digital Link path."""
        return f"/01/{GTIN14}/10/{self.batch.lot}"


def unit_code(app: Flask, batch: Batch, serial: int) -> str:
    """The signed unit code of a serial, as labels print it."""
    return codes.make_unit_code(batch.code, serial, codes.parse_code_keys(app.config["CODE_KEYS"]))


def dl_serial(code: str) -> str:
    """The Digital Link serial (AI 21) of a unit code: its "SERIAL.KMAC" part."""
    return code.split(".", 1)[1]


def change_status(session: Session, make: Factory, batch: Batch, move: str,
                  reason: str = "Phát hiện vi sinh vật vượt ngưỡng") -> None:
    """Suspend, reinstate or recall as an inspector, and commit."""
    inspector = make.account("inspector")
    batches.change_batch_status(session, inspector.actor, batch.id, move, reason)
    session.commit()


def build_world(session: Session, make: Factory, **batch_values: Any) -> World:
    """The usual scene of these tests."""
    owner = make.producer(make.organization(
        commune="Tân Cương", address="Xóm Hồng Thái 2, xã Tân Cương", phone="0208 3855 123",
        email="htx@example.vn"))
    product = make.product(owner, gtin=GTIN, warnings="Không dùng cho trẻ dưới 3 tuổi.",
                           storage_instructions="Bảo quản nơi khô ráo, thoáng mát.",
                           shelf_life_days=365)
    area = make.area(owner, code="VN-TNTC-0012")
    facility = make.facility(owner, food_safety_cert_no="123/2025/ATTP-CNĐK")
    valid = make.certificate(owner, product)
    expired = make.certificate(owner, product, scheme="vietgap", stars=None,
                               number="VG-2019-77", issuer="Trung tâm chứng nhận VietGAP",
                               valid_from=TODAY - dt.timedelta(days=900),
                               valid_until=TODAY - dt.timedelta(days=30))
    batch = make.batch(owner, product, area=area, facility_ids=[facility.id],
                       certificate_ids=[valid.id, expired.id], note="Giá vốn nội bộ 42.000đ",
                       **batch_values)
    events.append_event(session, owner.actor, batch.id, {
        "step": "processing", "occurred_at": dt.datetime.now(VN) - dt.timedelta(days=2),
        "facility_id": facility.id, "note": "Ghi chú nội bộ: máy sao số 2 hỏng"})
    batches.publish_batch(session, owner.actor, batch.id)
    batches.issue_units(session, owner.actor, batch.id, UNITS)
    session.commit()
    return World(owner, product, batch, valid, expired)


