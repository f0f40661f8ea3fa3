"""The audit trail: every change is an entry; `audit verify` catches tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from tracelabel.models import AuditEntry
from tracelabel.services.audit import verify_chain


def entries(session):
    session.expire_all()
    return session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()


def test_every_change_writes_an_entry_with_before_and_after(client, make, session):
    owner = make.producer()
    product = make.product(owner)
    client.patch(f"/api/v1/products/{product.id}", json={"brand": "Nhãn mới"}, headers=owner.headers)
    last = entries(session)[-1]
    assert (last.action, last.entity_type, last.entity_id) == ("product.update", "product",
                                                               str(product.id))
    assert last.actor_user_id == owner.user.id
    assert last.before["brand"] == "Tân Cương"
    assert last.after["brand"] == "Nhãn mới"
    actions = [entry.action for entry in entries(session)]
    assert actions[:4] == ["organization.create", "user.create", "token.create", "product.create"]


def test_secrets_never_reach_the_trail(make, session):
    make.producer()
    for entry in entries(session):
        blob = repr(entry.before) + repr(entry.after)
        assert "password_hash" not in blob
        assert "token_hash" not in blob
        assert "argon2" not in blob


def test_refused_change_writes_no_entry(client, make, session):
    owner = make.producer()
    count = len(entries(session))
    client.post("/api/v1/products", json={"name": ""}, headers=owner.headers)
    client.post("/api/v1/products", json={"name": "Bánh", "ocop_group": "food", "gtin": "1"},
                headers=owner.headers)
    assert len(entries(session)) == count


@pytest.fixture
def trail(make, session):
    """A short trail: a producer and a published batch (about a dozen entries)."""
    owner = make.producer()
    make.batch(owner, publish=True)
    assert verify_chain(session).ok
    return entries(session)


def test_intact_chain_verifies(runner, trail):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{len(trail)} entries" in result.output


def test_altered_entry_is_named(runner, session, trail):
    target = trail[3]
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id)
                    .values(actor_label="someone else"))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"entry {target.seq} was altered" in result.output


def test_deleted_entry_is_named(runner, session, trail):
    target = trail[4]
    session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": target.id})
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"entry {target.seq} is missing" in result.output


def test_reordered_entries_are_named(runner, session, trail):
    (first_id, first_seq), (second_id, second_seq) = [(e.id, e.seq) for e in (trail[2], trail[5])]
    session.execute(update(AuditEntry).where(AuditEntry.id == first_id).values(seq=-1))
    session.execute(update(AuditEntry).where(AuditEntry.id == second_id).values(seq=first_seq))
    session.execute(update(AuditEntry).where(AuditEntry.id == first_id).values(seq=second_seq))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"entry {first_seq} does not follow" in result.output


def test_removed_tail_is_caught_by_the_head(runner, session, trail):
    session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": trail[-1].id})
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert "removed from the end" in result.output


def test_rewritten_hash_still_breaks_the_next_link(runner, session, trail):
    from tracelabel.services.audit import _hashed_fields, entry_digest

    target = session.get(AuditEntry, trail[3].id)
    target.actor_label = "forger"
    target.hash = entry_digest(_hashed_fields(target))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"entry {trail[4].seq} does not follow" in result.output
