"""The small holes: concurrent changes answer 409 (never 500), spreadsheet cells never run as
formulas, the SQLite files are private, and SQL values never reach an error message or a log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import stat
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tests.test_photos import jpeg_with_gps, upload
from tests.workspace_client import signed_in
from tracelabel import codes, create_app, migrations
from tracelabel.extensions import Database
from tracelabel.models import ApiToken, AuditEntry, Batch, ImageBlob, ProductPhoto, User
from tracelabel.services import batches as batch_service
from tracelabel.services import search
from tracelabel.services.audit import verify_chain
from tracelabel.spreadsheet import safe_cell, safe_row

THREADS = 8


def at_once(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released together; their results, errors re-raised."""
    start = threading.Barrier(count)

    def task(i: int):
        start.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(task, i) for i in range(count)]
        return [future.result(timeout=120) for future in futures]


def answer(response) -> tuple[int, dict]:
    """A response's status and JSON body, read in the thread that made it."""
    return response.status_code, response.get_json(silent=True) or {}


# --- concurrent changes -----------------------------------------------------------------------

def test_concurrent_unit_issuing_never_fails_and_never_overlaps(app, make, session):
    owner = make.producer()
    batch = make.batch(owner, publish=True)

    def issue(i: int) -> tuple[int, dict]:
        return answer(app.test_client().post(f"/api/v1/batches/{batch.id}/units",
                                             json={"count": i + 1}, headers=owner.headers))

    results = at_once(THREADS, issue)
    assert {status for status, _ in results} <= {201, 409}, results
    issued = sorted((body["first"], body["last"]) for status, body in results if status == 201)
    assert issued, results
    session.expire_all()
    total = session.get(Batch, batch.id).units_issued
    assert total == sum(last - first + 1 for first, last in issued)
    expected_first = 1
    for first, last in issued:  # contiguous and disjoint: no serial twice, none skipped
        assert first == expected_first, issued
        expected_first = last + 1
    assert verify_chain(session).ok


def test_unit_issuing_on_a_batch_suspended_meanwhile_is_a_conflict(client, make, session):
    owner, inspector = make.producer(), make.account("inspector")
    batch = make.batch(owner, publish=True)
    batch_service.change_batch_status(session, inspector.actor, batch.id, "suspend", "Kiểm tra")
    session.commit()
    response = client.post(f"/api/v1/batches/{batch.id}/units", json={"count": 5},
                           headers=owner.headers)
    assert response.status_code == 409
    session.expire_all()
    assert session.get(Batch, batch.id).units_issued == 0


def test_a_stale_write_is_a_409_a_person_understands(client, make, monkeypatch):
    owner = make.producer()
    batch = make.batch(owner)

    def stale(*_args, **_kwargs):
        raise StaleDataError("UPDATE statement on table 'batches' expected to update 1 row(s); "
                             "0 were matched.")

    monkeypatch.setattr(batch_service, "update_batch", stale)
    response = client.patch(f"/api/v1/batches/{batch.id}", json={"note": "x"}, headers=owner.headers)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "chưa được lưu" in response.get_json()["title"]
    english = client.patch(f"/api/v1/batches/{batch.id}?lang=en", json={"note": "x"},
                           headers=owner.headers)
    assert english.status_code == 409
    assert english.get_json()["title"].startswith("Someone else changed the same record")


def lot_body(product_id: int, lot: str = "CHE-2612-01") -> dict:
    return {"product_id": product_id, "lot": lot,
            "production_date": (dt.date.today() - dt.timedelta(days=2)).isoformat()}


def test_simultaneous_duplicate_lots_give_one_batch_and_no_500(app, make, session):
    owner = make.producer()
    product = make.product(owner)

    def create(_i: int) -> tuple[int, dict]:
        return answer(app.test_client().post("/api/v1/batches", json=lot_body(product.id),
                                             headers=owner.headers))

    statuses = sorted(status for status, _ in at_once(2, create))
    assert statuses in ([201, 409], [201, 422]), statuses
    assert session.scalar(select(func.count()).select_from(Batch)) == 1


@pytest.fixture
def no_lot_precheck(monkeypatch):
    """The race made certain: the check before the insert sees nothing, the constraint fires."""
    monkeypatch.setattr(batch_service, "_check_lot", lambda *args, **kwargs: None)


def test_a_lot_taken_at_the_same_moment_is_a_409_naming_the_lot(client, make, session,
                                                                no_lot_precheck):
    owner = make.producer()
    product = make.product(owner)
    assert client.post("/api/v1/batches", json=lot_body(product.id),
                       headers=owner.headers).status_code == 201
    audit_before = session.scalar(select(func.count()).select_from(AuditEntry))
    response = client.post("/api/v1/batches", json=lot_body(product.id), headers=owner.headers)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["title"] == "Sản phẩm này đã có một lô hàng mang số lô này."
    assert problem["errors"] == [{"field": "lot", "message": problem["title"]}]
    english = client.post("/api/v1/batches?lang=en", json=lot_body(product.id),
                          headers=owner.headers)
    assert english.get_json()["title"] == "This product already has a batch with this lot code."
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Batch)) == 1
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    assert verify_chain(session).ok


def test_the_workspace_shows_the_lot_conflict_as_a_page(app, make, session, no_lot_precheck):
    owner = make.producer()
    product = make.product(owner)
    make.batch(owner, product, lot="CHE-2612-01")
    pages = signed_in(app, owner.user.email, language=None)
    response = pages.submit("/workspace/batches/new", {
        "product_id": str(product.id), "lot": "CHE-2612-01",
        "production_date": str(dt.date.today() - dt.timedelta(days=2)), "expiry_date": "",
        "quantity": "120", "unit": "hộp", "note": ""})
    assert response.status_code == 409
    assert "Sản phẩm này đã có một lô hàng mang số lô này." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Batch)) == 1


def test_the_same_photo_uploaded_at_once_shares_its_bytes(app, make, session):
    owner = make.producer()
    product = make.product(owner)
    data = jpeg_with_gps(700, 500)

    def send(_i: int) -> tuple[int, dict]:
        return answer(upload(app.test_client(), owner, product.id, data))

    results = at_once(4, send)
    assert {status for status, _ in results} <= {201, 409}, results
    saved = [body for status, body in results if status == 201]
    assert saved
    photos = session.scalars(select(ProductPhoto)).all()
    assert len(photos) == len(saved)
    shared = {frozenset(variant.blob_sha256 for variant in photo.variants) for photo in photos}
    assert len(shared) == 1  # every copy points at the same stored renditions
    assert set(session.scalars(select(ImageBlob.sha256))) == set(shared.pop())


def test_a_photo_whose_bytes_appear_meanwhile_is_saved_sharing_them(client, make, session,
                                                                    monkeypatch):
    owner = make.producer()
    first, second = make.product(owner), make.product(owner, name="Trà xanh Tân Cương")
    data = jpeg_with_gps(600, 400)
    assert upload(client, owner, first.id, data).status_code == 201
    blobs = session.scalar(select(func.count()).select_from(ImageBlob))
    real_get = Session.get

    def blind_to_blobs(self, entity, ident, **kwargs):  # as if the other upload were not yet seen
        return None if entity is ImageBlob else real_get(self, entity, ident, **kwargs)

    monkeypatch.setattr(Session, "get", blind_to_blobs)
    assert upload(client, owner, second.id, data).status_code == 201
    monkeypatch.undo()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ImageBlob)) == blobs


# --- spreadsheet cells ------------------------------------------------------------------------

@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(1)",
                                   "\t=1", "\r=1", "  =1+1", "\n@x", "-5"])
def test_formula_looking_text_is_quoted(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Chè búp Tân Cương", "OCOP 4★", "2026-12-01", "a=b", "",
                                   "ni:///sha-256;ab", "x-1"])
def test_plain_text_passes_unchanged(value):
    assert safe_cell(value) == value


def test_numbers_we_write_as_numbers_stay_numbers():
    assert safe_row([Decimal("-2.5"), -3, 1.5, None, "-3"]) == [Decimal("-2.5"), -3, 1.5, None,
                                                                "'-3"]


def test_csv_export_neutralises_formulas_and_keeps_vietnamese(client, make, session):
    owner = make.producer(make.organization(name="@SUM(1)"))
    inspector = make.account("inspector")
    evil = make.product(owner, name='=HYPERLINK("http://evil","x")')
    make.batch(owner, evil, publish=True, lot="+1", area=make.area(owner, name="-2+3"))
    make.batch(owner, make.product(owner, name="Chè búp Tân Cương"), publish=True, lot="CHE-01",
               area=make.area(owner, name="Đồi chè Hoàng Nông"), quantity=120, unit="kg")
    response = client.get("/api/v1/exports?format=csv", headers=inspector.headers)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_lot = {row["traceability_lot_code"]: row for row in rows}
    bad = by_lot["'+1"]
    assert bad["product_description"] == """'=HYPERLINK("http://evil","x")"""
    assert bad["location"] == "'-2+3"
    assert bad["lot_code_source"].startswith("'@SUM(1)")
    good = by_lot["CHE-01"]
    assert good["product_description"] == "Chè búp Tân Cương"
    assert good["location"] == "Đồi chè Hoàng Nông"
    assert good["quantity"] == "120.000"
    for row in rows:
        for value in row.values():
            assert not value.lstrip().startswith(("=", "+", "-", "@")), row


# --- private SQLite files ---------------------------------------------------------------------

def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The usual umask (0022), under which SQLite alone would create 0644 files."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def sqlite_app(instance, monkeypatch):
    monkeypatch.setenv("TRACELABEL_INSTANCE_PATH", str(instance))
    for variable in ("DATABASE_URL", "SECRET_KEY", "CODE_KEYS"):
        monkeypatch.delenv("TRACELABEL_" + variable, raising=False)
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{instance / 'tracelabel.db'}",
                       "CODE_KEYS": codes.generate_code_key("A")})


def test_the_sqlite_database_and_its_wal_are_created_0600(tmp_path, monkeypatch, open_umask):
    app = sqlite_app(tmp_path / "instance", monkeypatch)
    engine = Database.engine_for(app)
    try:
        migrations.upgrade(engine)
        database = tmp_path / "instance" / "tracelabel.db"
        with engine.connect() as connection:
            connection.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
            connection.commit()
            assert mode(database) == 0o600
            for suffix in ("-wal", "-shm"):
                side = tmp_path / "instance" / f"tracelabel.db{suffix}"
                assert side.exists(), suffix
                assert mode(side) == 0o600, suffix
    finally:
        engine.dispose()


def test_an_existing_readable_database_is_tightened(tmp_path, monkeypatch, open_umask):
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "tracelabel.db"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    app = sqlite_app(instance, monkeypatch)
    engine = Database.engine_for(app)
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE probe (x INTEGER)"))
            connection.commit()
        assert mode(database) == 0o600
        assert mode(f"{database}-wal") == 0o600
    finally:
        engine.dispose()


def test_backups_are_written_0600(tmp_path, monkeypatch, open_umask):
    app = sqlite_app(tmp_path / "instance", monkeypatch)
    try:
        migrations.upgrade(Database.engine_for(app))
        archive = tmp_path / "backup.tar.gz"
        leftover = tmp_path / "backup.tar.gz.partial"  # an interrupted run left a readable file
        leftover.write_bytes(b"")
        os.chmod(leftover, 0o644)
        result = app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
        assert result.exit_code == 0, result.output
        assert mode(archive) == 0o600
    finally:
        Database.engine_for(app).dispose()


# --- SQL values out of messages and logs ------------------------------------------------------

@pytest.fixture
def hashes(make, session):
    """A producer and the password and token hashes that must never be shown."""
    owner = make.producer()
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == owner.user.id))
    return owner, token.token_hash, owner.user.password_hash


def test_an_integrity_error_message_carries_no_hash(session, hashes):
    owner, token_hash, _password_hash = hashes
    session.add(ApiToken(user_id=owner.user.id, name="copy", token_hash=token_hash,
                         token_prefix="tl_copy"))
    with pytest.raises(IntegrityError) as caught:
        session.flush()
    session.rollback()
    told = "".join(traceback.format_exception(caught.value))
    assert "uq_api_tokens_token_hash" in told or "api_tokens.token_hash" in told
    assert token_hash not in told


def insert_in_request(monkeypatch, record):
    """Make the batch search insert ``record`` (a clash or a bug, as a service might)."""

    def clash(db_session, *_args, **_kwargs):
        db_session.add(record())
        db_session.flush()

    monkeypatch.setattr(search, "search_batches", clash)


def test_a_conflict_in_a_request_logs_no_hash(client, hashes, monkeypatch, caplog):
    owner, token_hash, _password_hash = hashes
    insert_in_request(monkeypatch, lambda: ApiToken(user_id=owner.user.id, name="copy",
                                                    token_hash=token_hash, token_prefix="tl_x"))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    response = client.get("/api/v1/batches", headers=owner.headers)
    assert response.status_code == 409
    assert "conflict on GET /api/v1/batches" in caplog.text
    assert "INSERT INTO api_tokens" in caplog.text  # the SQL log was on, its values hidden
    assert token_hash not in caplog.text
    assert token_hash not in response.get_data(as_text=True)


def test_a_database_bug_in_a_request_logs_no_hash(client, hashes, monkeypatch, caplog):
    owner, _token_hash, password_hash = hashes
    insert_in_request(monkeypatch, lambda: User(email=None, password_hash=password_hash,
                                                role="inspector"))
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    response = client.get("/api/v1/batches", headers=owner.headers)
    assert response.status_code == 500
    assert "unhandled error on GET /api/v1/batches" in caplog.text
    assert "INSERT INTO users" in caplog.text  # the statement is there to debug with
    assert password_hash not in caplog.text
    assert password_hash not in response.get_data(as_text=True)
