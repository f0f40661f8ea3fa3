"""The coverage as an XLSX workbook (XlsxWriter): one sheet per breakdown, dates as dates and
counts as numbers, headers in Vietnamese then English."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

import xlsxwriter

from tracelabel.services.programme import Counts, Coverage
from tracelabel.web.programme.figures import commune_name

COUNT_HEADERS = ["Sản phẩm OCOP / OCOP products", "Có tem điện tử / Labelled",
                 "% có tem / % labelled", "Đạt Thông tư 02 / Meeting Circular 02",
                 "Quét trong 30 ngày / Scanned in 30 days", "Quét trong 90 ngày / Scanned in 90 days"]
SUMMARY = [("ocop_products", "Sản phẩm OCOP / OCOP products"),
           ("labelled", "Có tem điện tử / Labelled"),
           ("labelled_percent", "% có tem / % labelled"),
           ("meeting_circular_02", "Đạt Thông tư 02 / Meeting Circular 02"),
           ("scanned_30_days", "Quét trong 30 ngày / Scanned in 30 days"),
           ("scanned_90_days", "Quét trong 90 ngày / Scanned in 90 days"),
           ("reevaluation_due", "Đến hạn đánh giá lại trong 90 ngày / Re-evaluation due in 90 days"),
           ("lapsed", "Hết hạn, chưa đánh giá lại / Lapsed")]


def _counts(counts: Counts) -> list[Any]:
    return [counts.ocop_products, counts.labelled, counts.labelled_percent,
            counts.meeting_circular_02, counts.scanned_30_days, counts.scanned_90_days]


def _sheet(book: Any, name: str, headers: list[str], rows: list[list[Any]], formats: dict) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, headers, formats["head"])
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(n, col, dt.datetime.combine(value, dt.time()), formats["date"])
            elif isinstance(value, float):
                sheet.write_number(n, col, value, formats["percent"])
            elif value is None:
                sheet.write_blank(n, col, None)
            else:
                sheet.write(n, col, value)
    sheet.set_column(0, len(headers) - 1, 22)
    sheet.freeze_panes(1, 0)


def write_workbook(coverage: Coverage, out: IO[bytes]) -> None:
    """Write the workbook of the coverage to ``out``."""
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    formats = {"head": book.add_format({"bold": True, "text_wrap": True}),
               "date": book.add_format({"num_format": "yyyy-mm-dd"}),
               "percent": book.add_format({"num_format": "0.0"})}
    totals = {"reevaluation_due": coverage.reevaluation_due, "lapsed": coverage.lapsed,
              **{key: getattr(coverage.totals, key) for key, _label in SUMMARY[:6]}}
    summary = [["Tỉnh / Province", coverage.province_name or "Toàn quốc / Whole country", None],
               ["Mã tỉnh / Province code", coverage.province_code or "", None],
               ["Tính đến ngày / As of", coverage.as_of, "as_of"]]
    summary += [[label, totals[key], key] for key, label in SUMMARY]
    _sheet(book, "Tổng quan", ["Chỉ số / Figure", "Giá trị / Value", "Khóa / Key"], summary,
           formats)
    _sheet(book, "Theo xã", ["Mã xã / Commune code", "Xã / Commune", *COUNT_HEADERS],
           [[code or "", commune_name(code) or "", *_counts(c)]
            for code, c in coverage.by_commune.items()], formats)
    _sheet(book, "Theo nhóm", ["Nhóm / Group", *COUNT_HEADERS],
           [[group, *_counts(c)] for group, c in coverage.by_group.items()], formats)
    _sheet(book, "Theo sao", ["Sao / Stars", *COUNT_HEADERS],
           [[stars, *_counts(c)] for stars, c in coverage.by_stars.items()], formats)
    _sheet(book, "Mã vùng trồng", ["Trạng thái / Status", "Số vùng / Areas"],
           [[status, count] for status, count in coverage.area_codes.items()], formats)
    _sheet(book, "Lượt quét theo tuần", ["Tuần từ / Week from", "Lượt quét / Scans"],
           [[week, scans] for week, scans in coverage.scans_per_week], formats)
    book.close()
