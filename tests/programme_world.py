"""A hand-built province where every count of the coverage dashboard is known (tests of the
dashboard, its API, its workbook and the officials' scopes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update

from tests.factories import PASSWORD, Account, Factory
from tests.test_photos import jpeg_with_gps
from tracelabel.db import utcnow
from tracelabel.models import Batch, LabelRun, Organization, Product, Scan
from tracelabel.services import accounts, batches, inspection, photos
from tracelabel.services.accounts import actor_for
from tracelabel.services.actors import SYSTEM
from tracelabel.services.trace import vietnam_today

QUANG_NINH, DA_NANG = "22", "48"
BINH_LIEU, VAN_DON, HAI_CHAU = "06838", "06994", "20242"


def official(make: Factory, role: str, scope: str | None) -> Account:
    """An inspector or programme official with a scope (a province, or national)."""
    n = next(make.counter)
    user = accounts.create_user(make.session, SYSTEM, email=f"{role}{n}@example.gov.vn",
                                password=PASSWORD, role=role, scope=scope)
    _token, plain = accounts.create_token(make.session, SYSTEM, user, "tests")
    make.session.commit()
    return Account(user, actor_for(user), plain)


def producer_in(make: Factory, province_code: str, commune_code: str | None) -> Account:
    """A producer whose organization sits in a province and commune (official codes)."""
    owner = make.producer(make.organization(address="Thôn Bản Chuồng"))
    make.session.execute(update(Organization).where(Organization.id == owner.user.organization_id)
                         .values(province_code=province_code, commune_code=commune_code))
    make.session.commit()
    return owner


@dataclass
class World:
    today: dt.date
    inspector: Account
    products: dict[str, int]
    batches: dict[str, int]


def _label(client, owner: Account, batch_id: int) -> None:
    response = client.get(f"/api/v1/batches/{batch_id}/labels?format=svg&symbology=qr",
                          headers=owner.headers)
    assert response.status_code == 200, response.get_data(as_text=True)


def _scan(session, batch_id: int, days_ago: int) -> None:
    session.add(Scan(batch_id=batch_id, serial=0, client_hash=f"n{days_ago}",
                     scanned_at=utcnow() - dt.timedelta(days=days_ago)))


def build(make: Factory, client) -> World:
    """Quảng Ninh: P1 … P7 (see the expected counts in tests/test_coverage.py); Đà Nẵng: PD."""
    session, today = make.session, vietnam_today()
    inspector = official(make, "inspector", None)
    q1 = producer_in(make, QUANG_NINH, BINH_LIEU)
    q2 = producer_in(make, QUANG_NINH, VAN_DON)
    d1 = producer_in(make, DA_NANG, HAI_CHAU)
    old = today - dt.timedelta(days=400)

    def rated(owner: Account, name: str, group: str, stars: int, until: dt.date, **extra) -> int:
        product = make.product(owner, name=name, ocop_group=group, **extra)
        certificate = make.certificate(owner, product, stars=stars, valid_from=old, valid_until=until)
        products[name] = product.id
        certificates[name] = certificate.id
        return product.id

    products: dict[str, int] = {}
    certificates: dict[str, int] = {}
    far = today + dt.timedelta(days=900)
    ready = {"warnings": "Để nơi khô ráo"}
    rated(q1, "Miến dong Bình Liêu", "food", 4, far, **ready)
    rated(q1, "Trà hoa vàng", "beverage", 3, today + dt.timedelta(days=30))
    rated(q2, "Chả mực Hạ Long", "food", 5, far)
    rated(q2, "Sá sùng khô", "food", 4, today - dt.timedelta(days=10))
    rated(q2, "Gốm Đông Triều", "handicraft", 4, far)
    rated(q2, "Nước mắm Cái Rồng", "food", 3, far)
    products["Rượu ba kích"] = make.product(q1, name="Rượu ba kích", ocop_group="beverage").id
    rated(d1, "Mắm nêm Đà Nẵng", "food", 4, far)
    photos.add_photo(session, q1.actor, products["Miến dong Bình Liêu"], jpeg_with_gps(300, 200))
    session.commit()

    def product(name: str) -> Product:
        return session.get(Product, products[name])

    made = {name: make.batch(owner, product(name), publish=True).id
            for name, owner in (("Miến dong Bình Liêu", q1), ("Trà hoa vàng", q1),
                                ("Gốm Đông Triều", q2), ("Rượu ba kích", q1),
                                ("Mắm nêm Đà Nẵng", d1))}
    made["Nước mắm Cái Rồng"] = make.batch(q2, product("Nước mắm Cái Rồng"), publish=True,
                                           expiry_date=None).id
    for name, owner in (("Miến dong Bình Liêu", q1), ("Gốm Đông Triều", q2),
                        ("Rượu ba kích", q1), ("Mắm nêm Đà Nẵng", d1), ("Nước mắm Cái Rồng", q2)):
        _label(client, owner, made[name])
    inspection.review_certificate(session, inspector.actor, certificates["Chả mực Hạ Long"],
                                  "rejected", "Số chứng nhận không có trong quyết định")
    batches.change_batch_status(session, inspector.actor, made["Gốm Đông Triều"], "recall",
                                "Men gốm có chì")
    # P1's batch was published and labelled a month ago (the as-of test reads back in time).
    month_ago = utcnow() - dt.timedelta(days=30)
    session.execute(update(Batch).where(Batch.id == made["Miến dong Bình Liêu"])
                    .values(published_at=month_ago))
    session.execute(update(LabelRun).where(LabelRun.batch_id == made["Miến dong Bình Liêu"])
                    .values(created_at=month_ago))
    _scan(session, made["Miến dong Bình Liêu"], 10)
    _scan(session, made["Miến dong Bình Liêu"], 11)
    _scan(session, made["Trà hoa vàng"], 60)
    _scan(session, made["Mắm nêm Đà Nẵng"], 3)
    session.commit()
    return World(today, inspector, products, made)
