"""The database keeps the data valid, and reads datetimes back aware and equal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tracelabel.models import Batch, Certificate, TraceEvent, User


def test_aware_datetimes_read_back_equal(make, session):
    owner = make.producer()
    batch = make.batch(owner)
    moment = dt.datetime(2026, 5, 3, 8, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    event = TraceEvent(batch_id=batch.id, step="packing", occurred_at=moment,
                       occurred_offset_minutes=420)
    session.add(event)
    session.commit()
    session.expire_all()
    loaded = session.get(TraceEvent, event.id)
    assert loaded.occurred_at == moment
    assert loaded.occurred_at.tzinfo is not None
    assert loaded.occurred_at.utcoffset() == dt.timedelta(0)
    assert loaded.occurred_local.isoformat() == "2026-05-03T08:30:15.123456+07:00"


def test_naive_datetimes_are_refused(make, session):
    batch = make.batch(make.producer())
    session.add(TraceEvent(batch_id=batch.id, step="packing",
                           occurred_at=dt.datetime(2026, 5, 3, 8, 30)))
    with pytest.raises(Exception, match="naive"):
        session.flush()
    session.rollback()


def _violates(session, statement: str, params: dict) -> None:
    with pytest.raises(IntegrityError):
        session.execute(text(statement), params)
        session.flush()
    session.rollback()


def test_check_constraints_hold_in_the_database(make, session):
    owner = make.producer()
    product = make.product(owner)
    certificate = make.certificate(owner, product)
    batch = make.batch(owner, product)
    _violates(session, "UPDATE certificates SET stars = 6 WHERE id = :id", {"id": certificate.id})
    _violates(session, "UPDATE certificates SET stars = NULL WHERE id = :id", {"id": certificate.id})
    _violates(session, "UPDATE certificates SET valid_until = '2000-01-01' WHERE id = :id",
              {"id": certificate.id})
    _violates(session, "UPDATE batches SET status = 'lost' WHERE id = :id", {"id": batch.id})
    _violates(session, "UPDATE batches SET expiry_date = '2000-01-01' WHERE id = :id",
              {"id": batch.id})
    _violates(session, "UPDATE batches SET status = 'published', published_at = NULL "
                       "WHERE id = :id", {"id": batch.id})
    _violates(session, "UPDATE products SET ocop_group = 'cars' WHERE id = :id", {"id": product.id})
    _violates(session, "UPDATE users SET organization_id = NULL WHERE id = :id",
              {"id": owner.user.id})


def test_foreign_keys_and_unique_lots_hold_in_the_database(make, session):
    owner = make.producer()
    batch = make.batch(owner)
    _violates(session, "UPDATE batches SET product_id = 999999 WHERE id = :id", {"id": batch.id})
    other = make.batch(owner, batch.product)
    _violates(session, "UPDATE batches SET lot = :lot WHERE id = :id",
              {"lot": batch.lot, "id": other.id})
    foreign_product = make.product(make.producer())
    _violates(session, "UPDATE batches SET product_id = :p WHERE id = :id",
              {"p": foreign_product.id, "id": batch.id})


def test_certificate_subject_must_match_its_type(make, session):
    owner = make.producer()
    product = make.product(owner)
    certificate = make.certificate(owner, product)
    _violates(session, "UPDATE certificates SET subject_type = 'area' WHERE id = :id",
              {"id": certificate.id})
    assert session.get(Certificate, certificate.id).subject_id == product.id


def test_batch_version_grows_with_each_change(make, session):
    from tracelabel.services.batches import publish_batch

    owner = make.producer()
    batch = make.batch(owner)
    version = batch.version
    publish_batch(session, owner.actor, batch.id)
    session.commit()
    assert session.get(Batch, batch.id).version > version


def test_user_roles_are_closed(make, session):
    account = make.account("inspector")
    _violates(session, "UPDATE users SET role = 'superuser' WHERE id = :id", {"id": account.user.id})
    assert session.get(User, account.user.id).role == "inspector"
