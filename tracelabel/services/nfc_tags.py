"""NFC tags of premium units: register them for a published batch, list them, and judge a tap.

Tag keys arrive as the supplier delivers them, are sealed under the instance's NFC storage key
(``nfc.KeyVault``) before they touch the session, and never leave this module in clear: not in a
return value meant for display, an audit entry, an error message or a log line.

A tap is judged in two steps so the view can keep the counter's write short: ``identify_tap`` reads
(decrypt, find the tag by its UID, check the MAC and that the counter moved forward), then
``accept_tap`` moves the tag's counter forward in one conditional UPDATE: of two taps carrying the
same counter, exactly one changes the row.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tracelabel import nfc
from tracelabel.models import Batch, NfcTag
from tracelabel.services.actors import Actor, require_owner
from tracelabel.services.audit import record_change
from tracelabel.services.batches import get_batch
from tracelabel.services.errors import Conflict, FieldError, ValidationFailed

logger = logging.getLogger(__name__)

MAX_TAGS_PER_REQUEST = 500
_UID = re.compile(r"^[0-9A-Fa-f]{14}$")
_KEY = re.compile(r"^[0-9A-Fa-f]{32}$")
KEY_FIELDS = ("meta_read_key", "file_read_key")


@dataclass(frozen=True)
class TagIn:
    """One tag to register, checked: upper-case UID, unit serial and the two 16-byte SDM keys."""

    uid: str
    serial: int
    meta_read_key: bytes
    file_read_key: bytes


def _check_tag(index: int, raw: dict[str, Any],
               units_issued: int) -> tuple[TagIn | None, list[FieldError]]:
    errors, where = [], f"tags.{index}"
    uid = raw.get("uid")
    if not isinstance(uid, str) or not _UID.match(uid.strip()):
        errors.append(FieldError(f"{where}.uid", "A tag UID is 14 hex digits (7 bytes)."))
    serial = raw.get("serial")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= units_issued:
        errors.append(FieldError(f"{where}.serial", "Unit %(serial)s has not been issued for this "
                                 "batch (%(issued)s issued so far).",
                                 {"serial": serial, "issued": units_issued}))
    for name in KEY_FIELDS:  # the message never repeats the value: it may be a real key
        if not isinstance(raw.get(name), str) or not _KEY.match(raw[name].strip()):
            errors.append(FieldError(f"{where}.{name}", "A key is 32 hex digits (16 bytes)."))
    if errors:
        return None, errors
    return TagIn(uid.strip().upper(), serial, bytes.fromhex(raw["meta_read_key"].strip()),
                 bytes.fromhex(raw["file_read_key"].strip())), []


def _check_request(batch: Batch, tags: list[dict[str, Any]]) -> list[TagIn]:
    if not 1 <= len(tags) <= MAX_TAGS_PER_REQUEST:
        raise ValidationFailed.one("tags", "Register between 1 and %(max)s tags at a time.",
                                   max=MAX_TAGS_PER_REQUEST)
    checked, errors = [], []
    seen_uids: set[str] = set()
    seen_serials: set[int] = set()
    for index, raw in enumerate(tags):
        tag, problems = _check_tag(index, raw, batch.units_issued)
        errors += problems
        if tag is None:
            continue
        if tag.uid in seen_uids:
            errors.append(FieldError(f"tags.{index}.uid", "This UID appears twice in the request."))
        if tag.serial in seen_serials:
            errors.append(FieldError(f"tags.{index}.serial",
                                     "This serial appears twice in the request."))
        seen_uids.add(tag.uid)
        seen_serials.add(tag.serial)
        checked.append(tag)
    if errors:
        raise ValidationFailed(errors)
    return checked


def _refuse_taken(session: Session, batch_id: int, tags: list[TagIn]) -> None:
    """409 naming each tag whose UID is registered already, or whose unit already has a tag."""
    uids = set(session.scalars(select(NfcTag.uid).where(NfcTag.uid.in_([t.uid for t in tags]))))
    serials = set(session.scalars(select(NfcTag.serial).where(
        NfcTag.batch_id == batch_id, NfcTag.serial.in_([t.serial for t in tags]))))
    errors = [FieldError(f"tags.{index}.uid", "Tag %(uid)s is registered already.", {"uid": t.uid})
              for index, t in enumerate(tags) if t.uid in uids]
    errors += [FieldError(f"tags.{index}.serial", "Unit %(serial)s already has a tag.",
                          {"serial": t.serial}) for index, t in enumerate(tags) if t.serial in serials]
    if errors:
        raise Conflict("Some tags or units are registered already; nothing was saved.",
                       errors=errors)


def register_tags(session: Session, actor: Actor, batch_id: int, tags: list[dict[str, Any]],
                  vault: nfc.KeyVault) -> list[NfcTag]:
    """Bind NFC tags to issued unit serials of a published batch, all or none, keys sealed."""
    batch = get_batch(session, actor, batch_id)
    require_owner(actor, batch)
    if batch.status != "published":
        raise Conflict("NFC tags are registered for published batches only; this one is "
                       "%(status)s.", {"status": batch.status})
    checked = _check_request(batch, tags)
    _refuse_taken(session, batch.id, checked)
    created = []
    for tag in checked:
        row = NfcTag(batch_id=batch.id, serial=tag.serial, uid=tag.uid,
                     meta_read_key=vault.seal(tag.meta_read_key),
                     file_read_key=vault.seal(tag.file_read_key),
                     meta_key_ref=vault.fingerprint(tag.meta_read_key),
                     created_by_id=actor.user_id)
        session.add(row)
        created.append(row)
    session.flush()
    for row in created:  # the trail names the tag and its unit, never a key
        record_change(session, actor, "nfc_tag.register", "nfc_tag", row.id, None,
                      {"batch_id": batch.id, "uid": row.uid, "serial": row.serial})
    return created


def list_tags(session: Session, actor: Actor, batch_id: int) -> list[NfcTag]:
    """The tags of a batch the actor may see, by unit serial."""
    batch = get_batch(session, actor, batch_id)
    return list(session.scalars(select(NfcTag).where(NfcTag.batch_id == batch.id)
                                .order_by(NfcTag.serial)))


# Taps

class TapRefused(Exception):
    """A tap that does not prove a genuine tag; ``reason`` says which check failed."""

    REASONS = ("malformed", "unknown_tag", "other_batch", "bad_mac", "replayed")

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Tap:
    """A tap that verified: which tag and unit, and the counter it carried."""

    tag_id: int
    serial: int
    counter: int


def _read_picc(session: Session, batch_id: int, encrypted: bytes,
               vault: nfc.KeyVault) -> nfc.PiccData:
    """Decrypt with each distinct meta-read key of the batch (one per supplier order, typically)."""
    sealed_keys = session.scalars(
        select(func.min(NfcTag.meta_read_key)).where(NfcTag.batch_id == batch_id)
        .group_by(NfcTag.meta_key_ref))
    for sealed in sealed_keys:
        try:
            return nfc.decrypt_picc_data(vault.open(sealed), encrypted)
        except nfc.SunError:
            continue
    raise TapRefused("unknown_tag")


def identify_tap(session: Session, batch_id: int, e: str | None, c: str | None,
                 vault: nfc.KeyVault) -> Tap:
    """Read a tap's ``e`` (PICCData) and ``c`` (SDMMAC) for a batch; TapRefused if not genuine."""
    try:
        encrypted, mac = nfc.parse_hex(e, nfc.PICC_BYTES, "e"), nfc.parse_hex(c, nfc.MAC_BYTES, "c")
    except nfc.SunError as error:
        raise TapRefused("malformed") from error
    picc = _read_picc(session, batch_id, encrypted, vault)
    tag = session.scalar(select(NfcTag).where(NfcTag.uid == picc.uid_hex))
    if tag is None:
        raise TapRefused("unknown_tag")
    if tag.batch_id != batch_id:
        raise TapRefused("other_batch")
    try:
        nfc.check_mac(vault.open(tag.file_read_key), picc, mac)
    except nfc.SunError as error:
        raise TapRefused("bad_mac") from error
    if picc.counter <= tag.last_counter:
        raise TapRefused("replayed")
    return Tap(tag.id, tag.serial, picc.counter)


def accept_tap(session: Session, tap: Tap) -> bool:
    """Move the tag's counter to the tap's, only forward; False if another tap got there first."""
    moved = session.execute(
        update(NfcTag).where(NfcTag.id == tap.tag_id, NfcTag.last_counter < tap.counter)
        .values(last_counter=tap.counter).execution_options(synchronize_session=False))
    return moved.rowcount == 1  # type: ignore[attr-defined]


def log_refusal(batch_id: int, reason: str) -> None:
    """Note a refused tap for operators: the batch and the reason, nothing from the URL."""
    logger.info("NFC tap refused for batch %s: %s", batch_id, reason)
