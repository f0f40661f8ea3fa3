"""Test data of the inspector pages: two provinces, a lot made from another, a corrected event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from tests.factories import VN, Factory
from tracelabel.models import AuditEntry
from tracelabel.services import events

TODAY = dt.date.today()


def build_world(make: Factory, session: Any) -> dict[str, Any]:
    """Two producers, published batches in two provinces, BLEND-1 made from TEA-1, an inspector."""
    north = make.producer(make.organization("HTX Chè Tân Cương", province="Thái Nguyên"))
    south = make.producer(make.organization("HTX Bưởi Năm Roi", province="Vĩnh Long"))
    tea_area = make.area(north, code="VN-TNTC-0012")
    tea_product = make.product(north)
    certificate = make.certificate(north, tea_product, number="OCOP-TN-2026-01")
    tea = make.batch(north, tea_product, publish=True, area=tea_area, lot="TEA-1",
                     production_date=TODAY - dt.timedelta(days=40), certificate_ids=[certificate.id])
    harvest = tea.events[0]
    events.append_event(session, north.actor, tea.id, {
        "step": "harvesting", "occurred_at": dt.datetime.now(VN) - dt.timedelta(days=5),
        "area_id": tea_area.id, "note": "Sửa ngày thu hái", "supersedes_id": harvest.id})
    blend = make.batch(north, make.product(north, name="Trà xanh túi lọc"), publish=True,
                       area_ids=[], input_lots=[{"code": tea.code, "quantity": 5, "unit": "kg"}],
                       lot="BLEND-1")
    session.commit()
    grapefruit = make.batch(south, make.product(south, name="Bưởi Năm Roi"), publish=True,
                            lot="BUOI-1", area=make.area(south, code="VN-VLBR-0001",
                                                         province="Vĩnh Long"))
    return {"north": north, "south": south, "tea": tea, "blend": blend, "tea_area": tea_area,
            "grapefruit": grapefruit, "certificate": certificate, "harvest": harvest,
            "inspector": make.account("inspector")}


def audit_count(session: Any) -> int:
    """How many audit entries exist now."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry))


def last_entry(session: Any, action: str) -> AuditEntry:
    """The newest audit entry of an action."""
    session.expire_all()
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                           .order_by(AuditEntry.seq.desc())).first()
