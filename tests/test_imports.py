"""CSV import of batches: encodings, delimiters, headers, dry runs, and all-or-nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tracelabel.models import AuditEntry, Batch
from tracelabel.services.imports import TEMPLATE_CSV


@pytest.fixture
def producer_setup(make):
    owner = make.producer()
    product = make.product(owner, name="Miến dong Bình Liêu")
    area = make.area(owner, code="VN-QNBL-0003")
    facility = make.facility(owner, name="Xưởng chế biến miến dong Bản Chuồng")
    certificate = make.certificate(owner, product, number="OCOP-4S-0001/2025")
    return owner, product, area, facility, certificate


def post_csv(client, account, text, *, encoding="utf-8", dry_run=False):
    data = text.encode(encoding) if isinstance(text, str) else text
    form = {"file": (io.BytesIO(data), "lô.csv")}
    if dry_run:
        form["dry_run"] = "true"
    return client.post("/api/v1/imports", headers=account.headers, data=form,
                       content_type="multipart/form-data")


def batch_count(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Batch))


def test_the_template_imports_with_its_origin_links(client, producer_setup, session):
    owner, product, area, facility, certificate = producer_setup
    response = post_csv(client, owner, TEMPLATE_CSV, encoding="utf-8-sig")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["rows_written"] == 1
    batch = session.scalar(select(Batch))
    assert (batch.product_id, batch.lot, str(batch.production_date)) == (product.id, "MD-2612-01",
                                                                        "2026-12-01")
    assert [a.id for a in batch.areas] == [area.id]
    assert [f.id for f in batch.facilities] == [facility.id]
    assert [c.id for c in batch.certificates] == [certificate.id]
    assert batch.note == "Lô đầu vụ"
    assert batch.status == "draft"


def test_english_headers_commas_and_no_bom(client, producer_setup):
    owner, *_ = producer_setup
    text = ("product,lot,production_date,expiry_date,quantity,unit,area_codes\n"
            "Miến dong Bình Liêu,A-1,2026-11-01,2027-11-01,\"12,5\",kg,vn-qnbl-0003\n"
            "miến dong bình liêu,A-2,02/11/2026,,3,kg,VN-QNBL-0003\n")
    response = post_csv(client, owner, text)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["rows_written"] == 2


def test_dry_run_reports_every_bad_row_and_writes_nothing(client, producer_setup, session):
    owner, *_ = producer_setup
    text = ("sản phẩm;số lô;ngày sản xuất;hạn sử dụng;số lượng;mã vùng trồng\n"
            "Miến dong Bình Liêu;OK-1;01/11/2026;;10;VN-QNBL-0003\n"
            "Bánh không có;OK-2;01/11/2026;;10;\n"
            "Miến dong Bình Liêu;BAD-3;31/02/2026;;10;\n"
            "Miến dong Bình Liêu;BAD-4;01/11/2026;01/01/2020;mười;VN-XX-9999\n"
            "Miến dong Bình Liêu;OK-1;02/11/2026;;;\n")
    response = post_csv(client, owner, text, dry_run=True)
    assert response.status_code == 200
    report = response.get_json()
    assert report["dry_run"] is True and report["ok"] is False
    assert report["rows_read"] == 5
    by_line = {}
    for error in report["errors"]:
        by_line.setdefault(error["line"], set()).add(error["field"])
    assert by_line == {3: {"product"}, 4: {"production_date"}, 5: {"quantity", "areas"},
                       6: {"lot"}}
    assert batch_count(session) == 0


def test_one_bad_row_imports_nothing_and_names_the_line(client, producer_setup, session):
    owner, *_ = producer_setup
    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    rows = [f"Miến dong Bình Liêu;L-{n};01/11/2026" for n in range(1, 60)]
    rows[41] = "Miến dong Bình Liêu;L-42;not a date"
    text = "sản phẩm;số lô;ngày sản xuất\n" + "\n".join(rows) + "\n"
    response = post_csv(client, owner, text)
    assert response.status_code == 422
    problem = response.get_json()
    assert [(e["line"], e["field"]) for e in problem["errors"]] == [(43, "production_date")]
    assert batch_count(session) == 0
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits


@pytest.mark.parametrize(("language", "bad_lines", "title"), [
    ("en", 1, "1 row has errors; nothing was imported."),
    ("en", 2, "2 rows have errors; nothing was imported."),
    ("vi", 1, "1 dòng có lỗi; chưa nhập dòng nào."),
    ("vi", 2, "2 dòng có lỗi; chưa nhập dòng nào."),
])
def test_the_refusal_counts_bad_rows_in_the_callers_language(client, producer_setup, language,
                                                             bad_lines, title):
    owner, *_ = producer_setup
    rows = ["Miến dong Bình Liêu;L-1;01/11/2026", "Miến dong Bình Liêu;L-2;not a date",
            "Miến dong Bình Liêu;L-3;31/02/2026"][:1 + bad_lines]
    form = {"file": (io.BytesIO(("sản phẩm;số lô;ngày sản xuất\n" + "\n".join(rows)).encode()),
                     "lô.csv")}
    response = client.post("/api/v1/imports", data=form, content_type="multipart/form-data",
                           headers={**owner.headers, "Accept-Language": language})
    assert response.status_code == 422
    assert response.get_json()["title"] == title


@pytest.mark.parametrize(("data", "message"), [
    ("sản phẩm;số lô;ngày sản xuất\n".encode("utf-16"), "UTF-8"),
    (b"", "Tệp trống"),
    ("sản phẩm;số lô\nA;1\n".encode(), "Thiếu cột: production_date"),
    ("sản phẩm;số lô;ngày sản xuất;màu sắc\nA;1;01/01/2026;đỏ\n".encode(), "Cột không nhận ra: màu sắc"),
    ("sản phẩm;số lô;ngày sản xuất\n".encode(), "không có dòng dữ liệu"),
])
def test_unreadable_files_are_refused(client, producer_setup, session, data, message):
    owner, *_ = producer_setup
    response = post_csv(client, owner, data)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["errors"][0]["field"] == "file"
    assert message in problem["errors"][0]["message"]
    assert batch_count(session) == 0


def test_a_producer_cannot_import_against_another_organizations_records(client, producer_setup, make):
    other = make.producer()
    response = post_csv(client, other, TEMPLATE_CSV)
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} >= {"product"}


def test_inspectors_cannot_import(client, make):
    response = post_csv(client, make.account("inspector"), TEMPLATE_CSV)
    assert response.status_code == 403


def test_cli_import_with_dry_run_then_for_real(runner, producer_setup, tmp_path, session):
    owner, *_ = producer_setup
    path = tmp_path / "lô hàng.csv"
    path.write_text(TEMPLATE_CSV, encoding="utf-8-sig")
    org = str(owner.user.organization_id)
    dry = runner.invoke(args=["import", "batches", str(path), "--org", org, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 batch would be imported" in dry.output
    assert batch_count(session) == 0
    real = runner.invoke(args=["import", "batches", str(path), "--org", org])
    assert real.exit_code == 0, real.output
    assert batch_count(session) == 1
    again = runner.invoke(args=["import", "batches", str(path), "--org", org])
    assert again.exit_code != 0
    assert "line 2, lot" in again.output
    assert batch_count(session) == 1


def test_one_bad_row_among_ten_thousand_imports_nothing(client, producer_setup, session):
    """The issue's case at full size: 10,000 rows, one bad, nothing written, the line named."""
    owner, *_ = producer_setup
    rows = [f"Miến dong Bình Liêu;L-{n:05d};01/11/2026;;10;gói;VN-QNBL-0003" for n in range(10_000)]
    rows[6_543] = "Miến dong Bình Liêu;L-06543;30/02/2026;;10;gói;VN-QNBL-0003"
    text = "sản phẩm;số lô;ngày sản xuất;hạn sử dụng;số lượng;đơn vị;mã vùng trồng\n" + "\n".join(rows)
    # The multipart body is built here: the test client would spool a file this size to disk.
    body = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="lo.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n" + text.encode("utf-8-sig") + b"\r\n--b--\r\n")
    response = client.post("/api/v1/imports", headers=owner.headers, data=body,
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.get_json()["errors"]] == [
        (6_545, "production_date")]
    assert batch_count(session) == 0
