"""NFC tags (NTAG 424 DNA, SUN): NXP's published vectors, registration through the API, and taps.

The worked examples are NXP AN12196's (all-zero keys) and, for MAC inputs that are not empty, the
vectors of the open ``nfc-developer/sdm-backend`` tests; key diversification is AN10922's example.
"""

from __future__ import annotations

import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import select, text

from tests.browser import live_server
from tests.test_public_fixtures import build_world
from tracelabel import nfc
from tracelabel.models import AuditEntry, NfcTag, ScanCounter
from tracelabel.models.nfc import NEVER_TAPPED
from tracelabel.services import batches
from tracelabel.services import nfc_tags as nfc_service

ZERO_KEY = "0" * 32
UID = "04DE5F1EACC040"
E, C = "EF963FF7828658A599F3041510671E88", "94EED9EE65337086"  # AN12196: UID above, counter 61

# (meta-read key, file-read key, PICCData, SDMMAC, MAC input, UID, counter)
SUN_VECTORS = [
    pytest.param(ZERO_KEY, ZERO_KEY, E, C, b"", UID, 61, id="AN12196-empty-mac-input"),
    pytest.param(ZERO_KEY, ZERO_KEY, "FD91EC264309878BE6345CBE53BADF40", "ECC1E7F6C6C73BF6",
                 b"CEE9A53E3E463EF1F459635736738962&cmac=", "04958CAA5C5E80", 8,
                 id="AN12196-enc-file-data"),
    pytest.param("42AFF114F2CB3B6141BE6DC95DFC5416", "B62A9BAF092439BD43C62AEE96B970C5",
                 "8ACADDEF0A9B62CDAE39A16B83FC14DE", "238B2543A8DEBAD8",
                 b"B8436E11F627BB7F543FCC0C1E0D1A89", "041D3C8A2D6B80", 291, id="custom-keys"),
]


def make_tap(uid: str, counter: int, meta_key: str = ZERO_KEY, file_key: str = ZERO_KEY) -> str:
    """The query string a tag with these keys writes on a tap (what the tag itself computes)."""
    plain = bytes([0xC7]) + bytes.fromhex(uid) + counter.to_bytes(3, "little") + secrets.token_bytes(5)
    encryptor = Cipher(algorithms.AES(bytes.fromhex(meta_key)), modes.CBC(bytes(16))).encryptor()
    encrypted = encryptor.update(plain) + encryptor.finalize()
    mac = nfc.sdm_mac(bytes.fromhex(file_key), bytes.fromhex(uid), counter)
    return f"e={encrypted.hex().upper()}&c={mac.hex().upper()}"


# The pure module

@pytest.mark.parametrize(("meta", "file", "e", "c", "mac_input", "uid", "counter"), SUN_VECTORS)
def test_published_sun_messages_decrypt_and_verify(meta, file, e, c, mac_input, uid, counter):
    picc = nfc.verify_sun(bytes.fromhex(meta), bytes.fromhex(file), bytes.fromhex(e),
                          bytes.fromhex(c), mac_input)
    assert (picc.uid_hex, picc.counter) == (uid, counter)


def test_plain_sdm_mac_and_the_session_key_vector():
    # Plain UID/counter mirroring (sdm-backend's vector): the MAC of the empty input.
    assert nfc.sdm_mac(bytes(16), bytes.fromhex("041E3C8A2D6B80"), 6).hex().upper() == "4B00064004B0B3D3"
    key = nfc.session_mac_key(bytes(16), bytes.fromhex(UID), 61)
    assert len(key) == 16 and nfc.sdm_mac(bytes(16), bytes.fromhex(UID), 61) == bytes.fromhex(C)


def test_tampering_and_wrong_keys_are_refused():
    zero = bytes(16)
    with pytest.raises(nfc.SunError) as error:
        nfc.verify_sun(zero, zero, bytes.fromhex(E), bytes.fromhex("94EED9EE65337087"))
    assert error.value.reason == "bad_mac"
    with pytest.raises(nfc.SunError) as error:
        nfc.verify_sun(zero, bytes.fromhex("01" * 16), bytes.fromhex(E), bytes.fromhex(C))
    assert error.value.reason == "bad_mac"
    with pytest.raises(nfc.SunError) as error:
        nfc.verify_sun(bytes.fromhex("01" * 16), zero, bytes.fromhex(E), bytes.fromhex(C))
    assert error.value.reason == "not_decrypted"
    tampered = bytes.fromhex(E[:-2] + "89")
    with pytest.raises(nfc.SunError):
        nfc.verify_sun(zero, zero, tampered, bytes.fromhex(C))


@pytest.mark.parametrize("value", [None, "", "EF96", E + "00", "XF963FF7828658A599F3041510671E88"])
def test_malformed_hex_is_refused(value):
    with pytest.raises(nfc.SunError) as error:
        nfc.parse_hex(value, 16, "e")
    assert error.value.reason == "malformed"


def test_an10922_key_diversification_example():
    master = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    m = bytes.fromhex("04782E21801D803042F54E585020416275")  # UID ‖ AID ‖ system identifier
    assert nfc.diversify_key(master, m).hex().upper() == "A8DD63A3B89D54B37CA802473FDA9175"
    assert len(nfc.diversify_key(master, bytes.fromhex(UID))) == 16  # the short input: padded to 32
    with pytest.raises(ValueError):
        nfc.diversify_key(master, bytes(32))


def test_storage_keys_seal_rotate_and_refuse_a_foreign_key():
    old = nfc.generate_storage_key()
    vault = nfc.parse_storage_keys(old)
    sealed = vault.seal(b"k" * 16)
    assert b"k" * 16 not in sealed.encode() and vault.open(sealed) == b"k" * 16
    rotated = nfc.parse_storage_keys(f"{nfc.generate_storage_key()},{old}")
    assert rotated.open(sealed) == b"k" * 16
    with pytest.raises(nfc.StorageKeyError):
        nfc.parse_storage_keys(nfc.generate_storage_key()).open(sealed)
    assert vault.fingerprint(bytes(16)) == vault.fingerprint(bytes(16)) != vault.fingerprint(b"k" * 16)
    with pytest.raises(ValueError):
        nfc.parse_storage_keys(" , ")


# Registration

@pytest.fixture
def world(session, make):
    """A published GTIN batch with five units issued."""
    return build_world(session, make)


def tag(uid: str = UID, serial: int = 1, meta: str = ZERO_KEY, file: str = ZERO_KEY) -> dict:
    return {"uid": uid, "serial": serial, "meta_read_key": meta, "file_read_key": file}


def register(client, account, batch_id: int, *tags: dict):
    return client.post(f"/api/v1/batches/{batch_id}/nfc-tags", json={"tags": list(tags)},
                       headers=account.headers)


def tag_rows(session) -> list[NfcTag]:
    session.expire_all()
    return session.scalars(select(NfcTag).order_by(NfcTag.serial)).all()


def test_register_and_list_tags(app, client, session, world):
    response = register(client, world.owner, world.batch.id, tag(), tag("04958CAA5C5E80", 3))
    assert response.status_code == 201, response.get_json()
    items = response.get_json()["items"]
    assert [(item["uid"], item["serial"], item["last_counter"]) for item in items] == [
        (UID, 1, None), ("04958CAA5C5E80", 3, None)]
    listed = client.get(f"/api/v1/batches/{world.batch.id}/nfc-tags", headers=world.owner.headers)
    assert [item["serial"] for item in listed.get_json()["items"]] == [1, 3]
    assert not any("key" in name for item in listed.get_json()["items"] for name in item)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "nfc_tag.register")
                            .order_by(AuditEntry.seq)).first()
    assert entry.after == {"batch_id": world.batch.id, "uid": UID, "serial": 1}


def test_lowercase_uid_is_stored_upper_case(client, session, world):
    assert register(client, world.owner, world.batch.id, tag(UID.lower())).status_code == 201
    assert [row.uid for row in tag_rows(session)] == [UID]


@pytest.mark.parametrize(("bad", "field"), [
    ({"serial": 6}, "tags.1.serial"),  # five units issued
    ({"serial": 0}, "tags.1.serial"),
    ({"uid": "04DE5F1EACC0"}, "tags.1.uid"),
    ({"uid": "04DE5F1EACC0ZZ"}, "tags.1.uid"),
    ({"meta_read_key": "00" * 15}, "tags.1.meta_read_key"),
    ({"file_read_key": "G" * 32}, "tags.1.file_read_key"),
])
def test_a_bad_tag_is_named_by_index_and_nothing_is_written(client, session, world, bad, field):
    second = {**tag("04958CAA5C5E80", 2), **bad}
    response = register(client, world.owner, world.batch.id, tag(), second)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.get_json()["errors"]]
    assert tag_rows(session) == []


def test_duplicate_uids_and_units_are_refused(client, session, make, world):
    twice = register(client, world.owner, world.batch.id, tag(serial=1), tag(serial=2))
    assert twice.status_code == 422
    assert [e["field"] for e in twice.get_json()["errors"]] == ["tags.1.uid"]
    assert register(client, world.owner, world.batch.id, tag()).status_code == 201
    again = register(client, world.owner, world.batch.id, tag("04958CAA5C5E80", 2), tag(serial=3))
    assert again.status_code == 409
    assert [e["field"] for e in again.get_json()["errors"]] == ["tags.1.uid"]
    same_unit = register(client, world.owner, world.batch.id, tag("04958CAA5C5E80", 1))
    assert same_unit.status_code == 409
    other = make.batch(world.owner, world.product, publish=True)
    batches.issue_units(session, world.owner.actor, other.id, 2)
    session.commit()
    assert register(client, world.owner, other.id, tag(serial=1)).status_code == 409
    assert [row.uid for row in tag_rows(session)] == [UID]


def test_who_may_register(client, session, make, world):
    stranger, inspector = make.producer(), make.account("inspector")
    assert register(client, stranger, world.batch.id, tag()).status_code == 404
    assert register(client, inspector, world.batch.id, tag()).status_code == 403
    assert client.get(f"/api/v1/batches/{world.batch.id}/nfc-tags",
                      headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/batches/{world.batch.id}/nfc-tags",
                      headers=inspector.headers).status_code == 200
    draft = make.batch(world.owner, world.product)
    assert register(client, world.owner, draft.id, tag()).status_code == 409
    assert client.post(f"/api/v1/batches/{world.batch.id}/nfc-tags", json={"tags": []},
                       headers=world.owner.headers).status_code == 422
    assert tag_rows(session) == []


# Taps

def tap_url(world, query: str) -> str:
    return f"/n/{world.batch.code}?{query}"


def scan_count(session, batch_id: int, serial: int) -> int | None:
    session.expire_all()
    return session.scalar(select(ScanCounter.count).where(ScanCounter.batch_id == batch_id,
                                                          ScanCounter.serial == serial))


def test_a_tap_shows_the_unit_page_and_counts_a_scan(client, session, world):
    assert register(client, world.owner, world.batch.id, tag(serial=2)).status_code == 201
    page = client.get(tap_url(world, f"e={E}&c={C}"))
    assert page.status_code == 200 and world.product.name in page.get_data(as_text=True)
    assert scan_count(session, world.batch.id, 2) == 1
    assert tag_rows(session)[0].last_counter == 61
    listed = client.get(f"/api/v1/batches/{world.batch.id}/nfc-tags", headers=world.owner.headers)
    assert listed.get_json()["items"][0]["last_counter"] == 61
    later = client.get(tap_url(world, make_tap(UID, 62)), headers={"Accept": "application/json"})
    unit = later.get_json()["unit"]
    assert (unit["serial"], unit["genuine"]) == (2, True)
    assert unit["code"].startswith(f"{world.batch.code}.2.")


def test_a_replayed_or_older_link_is_not_genuine(client, session, world):
    register(client, world.owner, world.batch.id, tag())
    assert client.get(tap_url(world, f"e={E}&c={C}")).status_code == 200
    replay = client.get(tap_url(world, f"e={E}&c={C}"))
    assert replay.status_code == 404 and "đã được dùng" in replay.get_data(as_text=True)
    english = client.get(tap_url(world, f"e={E}&c={C}&lang=en"))
    assert english.status_code == 404 and "already been used" in english.get_data(as_text=True)
    assert client.get(tap_url(world, make_tap(UID, 60))).status_code == 404
    assert scan_count(session, world.batch.id, 1) == 1
    assert tag_rows(session)[0].last_counter == 61


def test_a_prefetch_or_head_verifies_but_does_not_use_up_the_tap(client, session, world):
    register(client, world.owner, world.batch.id, tag())
    assert client.head(tap_url(world, f"e={E}&c={C}")).status_code == 200
    assert client.get(tap_url(world, f"e={E}&c={C}"),
                      headers={"Sec-Purpose": "prefetch"}).status_code == 200
    assert tag_rows(session)[0].last_counter == NEVER_TAPPED
    assert client.get(tap_url(world, f"e={E}&c={C}")).status_code == 200


@pytest.mark.parametrize(("query", "words"), [
    (f"e={E}&c=94EED9EE65337087", "signature does not match"),  # tampered MAC
    (f"e={E[:-2]}89&c={C}", "not registered"),  # tampered PICCData: no longer decrypts
    (f"e={E}", "incomplete"),
    (f"e={E}&c=94EED9EE6533708", "incomplete"),
    (f"e=ZZ{E[2:]}&c={C}", "incomplete"),
    ("", "incomplete"),
])
def test_tampered_or_malformed_links_are_not_genuine(client, session, world, query, words):
    register(client, world.owner, world.batch.id, tag())
    response = client.get(tap_url(world, f"{query}&lang=en"))
    assert response.status_code == 404 and words in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert scan_count(session, world.batch.id, 1) is None


def test_wrong_keys_unknown_uids_and_other_batches_are_not_genuine(client, session, make, world):
    register(client, world.owner, world.batch.id, tag(file="01" * 16))
    wrong_key = client.get(tap_url(world, f"e={E}&c={C}&lang=en"))
    assert wrong_key.status_code == 404 and "signature" in wrong_key.get_data(as_text=True)
    other = make.batch(world.owner, world.product, publish=True)
    batches.issue_units(session, world.owner.actor, other.id, 1)
    session.commit()
    register(client, world.owner, other.id, tag("04958CAA5C5E80", 1))
    moved = client.get(tap_url(world, make_tap("04958CAA5C5E80", 9) + "&lang=en"))
    assert moved.status_code == 404 and "another product batch" in moved.get_data(as_text=True)
    unknown = client.get(tap_url(world, make_tap("04000000000001", 5) + "&lang=en"))
    assert unknown.status_code == 404 and "not registered" in unknown.get_data(as_text=True)
    foreign_meta = client.get(tap_url(world, make_tap(UID, 70, meta_key="02" * 16) + "&lang=en"))
    assert foreign_meta.status_code == 404 and "not registered" in foreign_meta.get_data(as_text=True)
    json_answer = client.get(tap_url(world, f"e={E}&c={C}"), headers={"Accept": "application/json"})
    assert json_answer.status_code == 404 and json_answer.mimetype == "application/problem+json"


def test_unknown_or_draft_batches_are_not_found(client, make, world):
    draft = make.batch(world.owner, world.product)
    assert client.get(f"/n/{draft.code}?e={E}&c={C}").status_code == 404
    assert client.get(f"/n/NOTACODE?e={E}&c={C}").status_code == 404


def test_only_one_of_two_taps_with_the_same_counter_moves_the_counter(client, session, world):
    register(client, world.owner, world.batch.id, tag())
    vault = nfc.parse_storage_keys(client.application.config["NFC_KEY"])
    first = nfc_service.identify_tap(session, world.batch.id, E, C, vault)
    second = nfc_service.identify_tap(session, world.batch.id, E, C, vault)
    assert first == second  # both read before either wrote
    assert nfc_service.accept_tap(session, first) is True
    assert nfc_service.accept_tap(session, second) is False
    session.commit()


def test_concurrent_taps_of_one_link_let_exactly_one_through(app, client, session, world):
    """The same tap sent by several clients at once, against a live server (several connections)."""
    register(client, world.owner, world.batch.id, tag())
    links = [f"e={E}&c={C}"] * 6 + [make_tap(UID, 62)] * 6

    def open_link(query: str) -> int:
        try:
            with urlopen(f"{base}{tap_url(world, query)}", timeout=30) as response:
                return response.status
        except HTTPError as error:
            error.close()
            return error.code

    with live_server(app) as base, ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(open_link, links))
    assert sorted(statuses[:6]) == [200] + [404] * 5
    assert sorted(statuses[6:]) == [200] + [404] * 5
    assert tag_rows(session)[0].last_counter == 62
    assert scan_count(session, world.batch.id, 1) == 1  # one network: the second tap is a repeat


# Secrecy

def test_keys_appear_in_no_answer_trail_row_or_log(app, client, session, world, caplog):
    caplog.set_level(logging.DEBUG)
    meta, file = secrets.token_hex(16).upper(), secrets.token_hex(16).upper()
    answers = [register(client, world.owner, world.batch.id, tag(meta=meta, file=file)),
               register(client, world.owner, world.batch.id, tag("04958CAA5C5E80", 2, meta, file[:-1])),
               register(client, world.owner, world.batch.id, tag(meta=meta, file=file)),
               client.get(f"/api/v1/batches/{world.batch.id}/nfc-tags", headers=world.owner.headers),
               client.get(tap_url(world, make_tap(UID, 3, meta, file))),
               client.get(tap_url(world, make_tap(UID, 3, meta, file))),
               client.get(tap_url(world, make_tap(UID, 4, meta, "03" * 16)))]
    assert [answer.status_code for answer in answers] == [201, 422, 409, 200, 200, 404, 404]
    secrets_hex = {meta, meta.lower(), file, file.lower(), file[:-1], file[:-1].lower()}
    texts = [answer.get_data(as_text=True) for answer in answers]
    texts += [str((entry.before, entry.after)) for entry in session.scalars(select(AuditEntry))]
    row = session.execute(text("SELECT * FROM nfc_tags")).one()
    texts += [str(value) for value in row]
    texts += [caplog.text]
    assert not [secret for secret in secrets_hex for body in texts if secret in body]
    assert nfc.parse_storage_keys(app.config["NFC_KEY"]).open(row.meta_read_key) == bytes.fromhex(meta)


def test_the_storage_key_is_generated_private_in_the_instance_folder(app):
    path = Path(app.instance_path) / "nfc_key"
    assert path.read_text().strip() == app.config["NFC_KEY"]
    assert path.stat().st_mode & 0o777 == 0o600
