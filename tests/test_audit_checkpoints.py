"""Signed checkpoints: a chain rewritten with every hash recomputed still fails against copies."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import delete, select

from tracelabel.models import AuditCheckpoint, AuditEntry, AuditHead
from tracelabel.services.audit import _hashed_fields, entry_digest, verify_chain

WELL_KNOWN = "/.well-known/tracelabel/audit"


def checkpoint(runner) -> str:
    """Run `tracelabel audit checkpoint`, which must succeed."""
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result.output


def save_publication(client, path: Path, query: str = "") -> dict:
    """Fetch the public document, as a third party would, and keep a copy of it."""
    response = client.get(WELL_KNOWN + query)
    assert response.status_code == 200
    path.write_bytes(response.data)
    return response.get_json()


def verify_with(runner, path: Path):
    return runner.invoke(args=["audit", "verify", "--checkpoints", str(path)])


def rewrite_entry(session, seq: int, after: dict) -> None:
    """The attack: change one entry, then recompute every later hash and the head as the service
    would, so the chain alone still verifies."""
    session.expire_all()
    rows = session.scalars(select(AuditEntry).where(AuditEntry.seq >= seq)
                           .order_by(AuditEntry.seq)).all()
    previous = rows[0].prev_hash
    for row in rows:
        if row.seq == seq:
            row.after = after
        row.prev_hash = previous
        row.hash = previous = entry_digest(_hashed_fields(row))
    session.get(AuditHead, 1).hash = previous
    session.commit()


@pytest.fixture
def history(make, runner):
    """Two checkpoints: one after a producer and a product, one after a published batch."""
    owner = make.producer()
    make.product(owner)
    checkpoint(runner)
    make.batch(owner, publish=True)
    checkpoint(runner)
    return owner


def test_checkpoint_is_signed_with_a_key_kept_outside_the_database(app, runner, session, make):
    make.producer()
    output = checkpoint(runner)
    head = session.get(AuditHead, 1)
    assert f"Checkpoint signed: entry {head.seq}, hash {head.hash}, key " in output
    key_file = Path(app.instance_path) / "audit_signing_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "PRIVATE KEY" not in output
    row = session.scalars(select(AuditCheckpoint)).one()
    assert "PRIVATE" not in json.dumps([row.public_key, row.signature, row.key_id])


def test_head_unchanged_signs_nothing_new(runner, make, client):
    make.producer()
    checkpoint(runner)
    assert "nothing signed" in checkpoint(runner)
    assert len(client.get(WELL_KNOWN).get_json()["checkpoints"]) == 1


def test_empty_trail_has_nothing_to_sign(runner):
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1
    assert "nothing to sign" in result.output


def test_published_signatures_verify_with_any_ed25519_tool(client, session, history):
    response = client.get(WELL_KNOWN)
    assert response.status_code == 200
    assert "max-age=60" in response.headers["Cache-Control"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.get_json()
    assert document["algorithm"] == "Ed25519"
    (key,) = document["keys"]
    public_key = serialization.load_pem_public_key(key["public_key_pem"].encode())
    assert isinstance(public_key, Ed25519PublicKey)
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base64.b64decode(key["public_key"]) == raw
    assert key["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    newest, oldest = document["checkpoints"]
    assert (oldest["previous_seq"], newest["previous_seq"]) == (0, oldest["seq"])
    for mark in document["checkpoints"]:
        hashes = mark["entry_hashes"]
        assert len(hashes) == mark["seq"] - mark["previous_seq"]
        assert hashlib.sha256("".join(hashes).encode()).hexdigest() == mark["entries_digest"]
        message = document["message_format"].format(**mark).encode("utf-8")
        public_key.verify(base64.b64decode(mark["signature"]), message)  # raises if forged
        entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == mark["seq"])).one()
        assert (hashes[-1], mark["hash"]) == (entry.hash, entry.hash)
    assert newest["seq"] == session.get(AuditHead, 1).seq


def test_rewritten_and_rehashed_chain_is_caught_naming_the_entry(runner, session, client,
                                                                 tmp_path, history):
    saved = tmp_path / "audit.json"
    document = save_publication(client, saved)
    target = document["checkpoints"][0]["previous_seq"] + 2  # inside the newer checkpoint
    assert verify_with(runner, saved).exit_code == 0
    rewrite_entry(session, target, {"note": "rewritten"})
    assert verify_chain(session).ok  # the chain alone cannot tell

    result = verify_with(runner, saved)
    assert result.exit_code == 1
    assert f"entry {target} was changed or removed" in result.output
    assert f"entry {target - 1} still matches" in result.output
    plain = runner.invoke(args=["audit", "verify"])  # the stored checkpoints see it too
    assert plain.exit_code == 1
    assert f"entry {target} was changed" in plain.output
    refused = runner.invoke(args=["audit", "checkpoint"])  # nor is the rewrite signed over
    assert refused.exit_code == 1
    assert "no longer contains the last checkpoint" in refused.output


def test_operator_with_the_key_cannot_resign_a_rewrite_unseen(runner, session, client,
                                                              tmp_path, history):
    saved = tmp_path / "audit.json"
    save_publication(client, saved)
    rewrite_entry(session, 2, {"note": "rewritten"})
    session.execute(delete(AuditCheckpoint))
    session.commit()
    checkpoint(runner)  # a fresh signature over the rewritten chain
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = verify_with(runner, saved)
    assert result.exit_code == 1
    assert "entry 2 was changed or removed" in result.output


def test_copy_without_entry_hashes_names_the_range(runner, session, client, tmp_path, history):
    document = client.get(WELL_KNOWN).get_json()
    bare = [{k: v for k, v in mark.items() if k != "entry_hashes"}
            for mark in document["checkpoints"]]
    saved = tmp_path / "list.json"
    saved.write_text(json.dumps(bare))
    older, newer = bare[1]["seq"], bare[0]["seq"]
    rewrite_entry(session, older + 2, {"note": "rewritten"})
    result = verify_with(runner, saved)
    assert result.exit_code == 1
    assert f"first changed entry lies between entry {older + 1} and entry {newer}" in result.output


def test_removed_tail_is_caught_even_with_the_head_rewound(runner, session, client, tmp_path,
                                                           history):
    saved = tmp_path / "audit.json"
    save_publication(client, saved)
    last = session.get(AuditHead, 1).seq
    session.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    previous = session.scalars(select(AuditEntry.hash).where(AuditEntry.seq == last - 1)).one()
    head = session.get(AuditHead, 1)
    head.seq, head.hash = last - 1, previous
    session.commit()
    assert verify_chain(session).ok
    result = verify_with(runner, saved)
    assert result.exit_code == 1
    assert f"entry {last} was changed or removed" in result.output


def forge(saved: Path, change) -> None:
    document = json.loads(saved.read_text())
    change(document["checkpoints"][0])
    saved.write_text(json.dumps(document))


def flip_signature(mark: dict) -> None:
    signature = bytearray(base64.b64decode(mark["signature"]))
    signature[0] ^= 1
    mark["signature"] = base64.b64encode(bytes(signature)).decode()


def sign_with_a_stranger_key(mark: dict) -> None:
    stranger = Ed25519PrivateKey.generate()
    raw = stranger.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)
    mark["public_key"] = base64.b64encode(raw).decode()
    mark["key_id"] = hashlib.sha256(raw).hexdigest()[:16]
    message = ("tracelabel-audit-checkpoint/v1\n{seq}\n{hash}\n{signed_at}\n{previous_seq}\n"
               "{entries_digest}").format(**mark).encode()
    mark["signature"] = base64.b64encode(stranger.sign(message)).decode()


@pytest.mark.parametrize("change, words", [
    (flip_signature, "has a bad signature"),
    (lambda mark: mark.update(hash="0" * 64), "has a bad signature"),
    (lambda mark: mark.update(signed_at="2020-01-01T00:00:00Z"), "has a bad signature"),
    (lambda mark: mark["entry_hashes"].reverse(), "do not match its signed digest"),
    (sign_with_a_stranger_key, "a key the document does not list"),
])
def test_forged_checkpoint_is_refused(runner, client, tmp_path, history, change, words):
    saved = tmp_path / "audit.json"
    seq = save_publication(client, saved)["checkpoints"][0]["seq"]
    forge(saved, change)
    result = verify_with(runner, saved)
    assert result.exit_code == 1
    assert f"checkpoint at entry {seq}" in result.output
    assert words in result.output


@pytest.mark.parametrize("content, words", [
    ("not json", "cannot read"),
    ("[]", "no checkpoints"),
    ('{"checkpoints": [{"seq": 1}]}', "checkpoint #1: 'previous_seq' is missing"),
    ('[{"seq": "1", "previous_seq": 0}]', "'seq' is missing or malformed"),
    ("[" * 100000, "cannot read"),
])
def test_unreadable_checkpoint_file_is_a_clear_error(runner, history, tmp_path, content, words):
    saved = tmp_path / "bad.json"
    saved.write_text(content)
    result = verify_with(runner, saved)
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(args=["audit", "verify", "--checkpoints", str(tmp_path / "none")])
    assert missing.exit_code == 2


def test_rotated_key_stays_published_and_old_checkpoints_verify(app, runner, client, make,
                                                                tmp_path, history):
    key_file = Path(app.instance_path) / "audit_signing_key"
    key_file.rename(tmp_path / "retired_key")
    make.product(history)
    checkpoint(runner)
    saved = tmp_path / "audit.json"
    document = save_publication(client, saved)
    assert len(document["keys"]) == 2
    assert len({mark["key_id"] for mark in document["checkpoints"]}) == 2
    result = verify_with(runner, saved)
    assert result.exit_code == 0, result.output
    assert "It matches the 3 signed checkpoints" in result.output


def test_configured_key_path_must_exist(app, runner, make, tmp_path):
    make.producer()
    app.config["AUDIT_SIGNING_KEY"] = str(tmp_path / "mounted" / "key.pem")
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert not (tmp_path / "mounted").exists()


def test_configured_key_is_used(app, runner, make, client, tmp_path):
    make.producer()
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "key.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    app.config["AUDIT_SIGNING_KEY"] = str(path)
    checkpoint(runner)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    (published,) = client.get(WELL_KNOWN).get_json()["keys"]
    assert published["public_key"] == base64.b64encode(raw).decode()
    path.write_text("not a key")
    make.producer()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1
    assert "not an unencrypted Ed25519 private key" in result.output


def test_publication_is_paged_newest_first(runner, client, make, history):
    make.product(history)
    checkpoint(runner)
    all_seqs = [mark["seq"] for mark in client.get(WELL_KNOWN).get_json()["checkpoints"]]
    assert all_seqs == sorted(all_seqs, reverse=True) and len(all_seqs) == 3
    first = client.get(WELL_KNOWN + "?limit=2").get_json()
    assert [mark["seq"] for mark in first["checkpoints"]] == all_seqs[:2]
    assert first["next"].startswith("https://trace.example.vn" + WELL_KNOWN)
    rest = client.get(first["next"].removeprefix("https://trace.example.vn")).get_json()
    assert [mark["seq"] for mark in rest["checkpoints"]] == all_seqs[2:]
    assert rest["next"] is None
    newer = client.get(f"{WELL_KNOWN}?after_seq={all_seqs[1]}").get_json()
    assert [mark["seq"] for mark in newer["checkpoints"]] == all_seqs[:1]


@pytest.mark.parametrize("query", ["?limit=0", "?limit=100000", "?after_seq=abc",
                                   "?before_seq=-1"])
def test_bad_paging_argument_is_a_problem(client, query):
    response = client.get(WELL_KNOWN + query)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_plain_verify_reports_the_stored_checkpoints(runner, history):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "It matches the 2 signed checkpoints of the database" in result.output
