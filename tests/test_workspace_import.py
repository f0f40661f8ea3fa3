"""The CSV import page: a dry run listing bad rows by line, then an all-or-nothing import."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.workspace_client import field_errors, signed_in
from tracelabel.models import Batch
from tracelabel.services.imports import TEMPLATE_CSV

HEADER = "sản phẩm;số lô;ngày sản xuất;hạn sử dụng;số lượng;đơn vị;mã vùng trồng\n"


@pytest.fixture
def owner(make):
    owner = make.producer()
    make.product(owner, name="Miến dong Bình Liêu")
    make.area(owner, code="VN-QNBL-0003")
    return owner


@pytest.fixture
def pages(app, owner):
    return signed_in(app, owner.user.email)


def upload(pages, text: str, *, dry_run: bool):
    data = {"file": (io.BytesIO(text.encode("utf-8")), "lo-hang.csv")}
    if dry_run:
        data["dry_run"] = "y"
    return pages.submit("/workspace/import", data, content_type="multipart/form-data")


def batch_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Batch))


def rows(count: int, bad_line: int | None = None) -> str:
    lines = [HEADER]
    for n in range(2, count + 2):
        lot = f"MD-{n:04d}"
        day = "31/02/2026" if n == bad_line else "01/11/2026"
        lines.append(f"Miến dong Bình Liêu;{lot};{day};;100;gói;VN-QNBL-0003\n")
    return "".join(lines)


def test_template_download(pages):
    response = pages.get("/workspace/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.decode("utf-8-sig") == TEMPLATE_CSV
    assert "attachment" in response.headers["Content-Disposition"]


def test_dry_run_reports_and_writes_nothing_then_the_import_writes_all(pages, session):
    checked = upload(pages, rows(3), dry_run=True)
    assert checked.status_code == 200
    assert "All 3 rows are correct" in checked.get_data(as_text=True)
    assert batch_count(session) == 0
    imported = upload(pages, rows(3), dry_run=False)
    assert imported.status_code == 302
    assert imported.headers["Location"] == "/workspace/batches?status=draft"
    assert batch_count(session) == 3
    assert "3 batches imported as drafts." in pages.get(imported.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("dry_run", [True, False])
def test_one_bad_row_is_named_by_line_and_nothing_is_imported(pages, session, dry_run):
    response = upload(pages, rows(6, bad_line=5), dry_run=dry_run)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "1 of 6 rows have errors; nothing was imported." in body
    assert '<td data-label="Line">5</td>' in body
    assert '<td data-label="Line">4</td>' not in body
    assert batch_count(session) == 0


def test_missing_or_unreadable_files_are_refused_next_to_the_field(pages, session):
    missing = pages.submit("/workspace/import", {"dry_run": "y"}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert field_errors(missing.get_data(as_text=True))["file"] == ["Choose a CSV file."]
    data = {"file": (io.BytesIO(b"\xff\xfe\x00garbage\x00"), "x.csv")}
    unreadable = pages.submit("/workspace/import", data, content_type="multipart/form-data")
    assert unreadable.status_code == 422
    assert "file" in field_errors(unreadable.get_data(as_text=True))
    header_only = upload(pages, HEADER, dry_run=False)
    assert "file" in field_errors(header_only.get_data(as_text=True))
    assert batch_count(session) == 0
