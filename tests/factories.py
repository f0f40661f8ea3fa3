"""Test data built through the services, committed, with sensible Vietnamese defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracelabel.models import (
    Batch,
    Certificate,
    Facility,
    Organization,
    Product,
    RawMaterialArea,
    User,
)
from tracelabel.models.accounts import OrganizationPrefix
from tracelabel.services import accounts, batches, catalog, events
from tracelabel.services.accounts import actor_for
from tracelabel.services.actors import SYSTEM, Actor

VN = dt.timezone(dt.timedelta(hours=7))
PASSWORD = "mật-khẩu-thử-nghiệm"
# The GTINs the tests register: 893 6005 … (GS1 Vietnam) and 0 036000 … (a GTIN-12, UPC).
TEST_GS1_PREFIXES = ("8936005", "0036000")


@dataclass
class Account:
    """A user, the actor it acts as, and an API token for it."""

    user: User
    actor: Actor
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization headers for the API."""
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    """Builds and commits records; each call makes a new, distinct one."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.counter = itertools.count(1)

    def _commit(self, record: Any) -> Any:
        self.session.commit()
        return record

    def organization(self, name: str = "HTX Chè Tân Cương", **details: Any) -> Organization:
        """An organization; the test's first one owns the GS1 company prefixes of the GTINs the
        tests use (TEST_GS1_PREFIXES), later ones a prefix of their own, unless given."""
        n = next(self.counter)
        details.setdefault("province", "Thái Nguyên")
        if "gs1_prefixes" not in details:
            taken = self.session.scalar(select(OrganizationPrefix.id).where(
                OrganizationPrefix.prefix == TEST_GS1_PREFIXES[0]))
            details["gs1_prefixes"] = [f"8939{n:05d}"] if taken else list(TEST_GS1_PREFIXES)
        return self._commit(accounts.create_organization(
            self.session, SYSTEM, name=f"{name} {n}", tax_code=f"46{n:08d}", **details))

    def account(self, role: str, organization: Organization | None = None) -> Account:
        n = next(self.counter)
        user = accounts.create_user(self.session, SYSTEM, email=f"{role}{n}@example.vn",
                                    password=PASSWORD, role=role,
                                    organization_id=organization.id if organization else None)
        _token, plain = accounts.create_token(self.session, SYSTEM, user, "tests")
        self.session.commit()
        return Account(user, actor_for(user), plain)

    def producer(self, organization: Organization | None = None) -> Account:
        return self.account("producer", organization or self.organization())

    def product(self, owner: Account, **values: Any) -> Product:
        values = {"name": "Chè búp Tân Cương", "ocop_group": "beverage", "brand": "Tân Cương",
                  "standards": ["TCVN 1458:2009"], **values}
        return self._commit(catalog.create_record(self.session, owner.actor, Product, values))

    def area(self, owner: Account, **values: Any) -> RawMaterialArea:
        values = {"name": "Đồi chè Hoàng Nông", "material": "Lá chè tươi", "province": "Thái Nguyên",
                  "code": "VN-TNTC-0012", **values}
        return self._commit(catalog.create_record(self.session, owner.actor, RawMaterialArea, values))

    def facility(self, owner: Account, **values: Any) -> Facility:
        values = {"name": "Xưởng sao chè Tân Cương", "address": "Xã Tân Cương, Thái Nguyên", **values}
        return self._commit(catalog.create_record(self.session, owner.actor, Facility, values))

    def certificate(self, owner: Account, product: Product, **values: Any) -> Certificate:
        today = dt.date.today()
        values = {"scheme": "ocop", "number": f"OCOP-{next(self.counter)}", "stars": 4,
                  "issuer": "UBND tỉnh Thái Nguyên", "valid_from": today - dt.timedelta(days=10),
                  "valid_until": today + dt.timedelta(days=1000), "subject_type": "product",
                  "subject_id": product.id, **values}
        return self._commit(catalog.create_record(self.session, owner.actor, Certificate, values))

    def batch(self, owner: Account, product: Product | None = None, *, publish: bool = False,
              area: RawMaterialArea | None = None, **values: Any) -> Batch:
        product = product or self.product(owner)
        if area is None and "area_ids" not in values and "input_lots" not in values:
            area = self.area(owner)
        values = {"product_id": product.id, "lot": f"L{next(self.counter):04d}",
                  "production_date": dt.date.today() - dt.timedelta(days=3),
                  "expiry_date": dt.date.today() + dt.timedelta(days=300),
                  "area_ids": [area.id] if area else values.get("area_ids", []), **values}
        batch = batches.create_batch(self.session, owner.actor, values)
        events.append_event(self.session, owner.actor, batch.id, {
            "step": "harvesting", "occurred_at": dt.datetime.now(VN) - dt.timedelta(days=4),
            "area_id": area.id if area else None})
        if publish:
            batches.publish_batch(self.session, owner.actor, batch.id)
        return self._commit(batch)
