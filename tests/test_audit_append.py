"""Appending many audit entries in one final step (an import's) chains them exactly as one
``record_change`` each would: `audit verify` passes, and tampering is still caught."""

from __future__ import annotations

from sqlalchemy import select, update

from tracelabel.models import AuditEntry, AuditHead
from tracelabel.services.actors import SYSTEM
from tracelabel.services.audit import PendingChange, append_changes, record_change, verify_chain


def test_a_bulk_append_continues_the_chain_and_tampering_is_caught(make, session, runner):
    make.producer()
    record_change(session, SYSTEM, "test.one", "thing", 1, None, {"tên": "Chè Tân Cương"})
    appended = append_changes(session, SYSTEM, [
        PendingChange("batch.create", "batch", n, None, {"lot": f"L-{n}", "ghi chú": "Lô đầu vụ"})
        for n in range(1, 6)])
    record_change(session, SYSTEM, "test.two", "thing", 2, {"a": 1}, {"a": 2})
    session.commit()
    assert appended == 5
    seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))
    assert session.get(AuditHead, 1).seq == seqs[-1]
    assert verify_chain(session).ok
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    bulk = session.scalar(select(AuditEntry).where(AuditEntry.action == "batch.create",
                                                   AuditEntry.entity_id == "3"))
    session.execute(update(AuditEntry).where(AuditEntry.id == bulk.id)
                    .values(after={"lot": "L-999", "ghi chú": "Lô đầu vụ"}))
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.bad_seq == bulk.seq


def test_an_empty_append_takes_no_position(make, session):
    make.producer()
    head = session.get(AuditHead, 1).seq
    assert append_changes(session, SYSTEM, []) == 0
    session.commit()
    assert session.get(AuditHead, 1, populate_existing=True).seq == head
