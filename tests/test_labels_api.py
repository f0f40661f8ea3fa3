"""Labels of a batch through the API and the CLI, read back by an independent scanner (zxing-cpp)."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from tracelabel import codes
from tracelabel.labels import TEMPLATES
from tracelabel.services.batches import issue_units

DPI = 300


def decode_pdf(data: bytes, template: str = "a4-3x8") -> list[list[str]]:
    """The QR text of each label on each page, read one label at a time as a phone would,
    from the page rasterised at 300 dpi (empty label slots are skipped)."""
    stock = TEMPLATES[template]
    per_mm = DPI / 25.4
    document = pypdfium2.PdfDocument(data)
    pages = []
    for page in document:
        image = page.render(scale=DPI / 72).to_pil()
        texts = []
        for slot in range(stock.per_page):
            x, y = stock.label_origin(slot)
            cell = image.crop((round(x * per_mm), round(y * per_mm),
                               round((x + stock.label_width) * per_mm),
                               round((y + stock.label_height) * per_mm)))
            texts += [r.text for r in zxingcpp.read_barcodes(cell, formats=zxingcpp.BarcodeFormat.QRCode)]
        pages.append(texts)
    document.close()
    return pages


def get_labels(client, account, batch_id, **query):
    return client.get(f"/api/v1/batches/{batch_id}/labels", query_string=query,
                      headers=account.headers)


def test_draft_batches_have_no_labels(client, make):
    owner = make.producer()
    batch = make.batch(owner)
    response = get_labels(client, owner, batch.id)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_batch_label_sheet_opens_the_trace_url(client, make):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    trace_url = client.get(f"/api/v1/batches/{batch.id}", headers=owner.headers).get_json()["trace_url"]
    response = get_labels(client, owner, batch.id, format="pdf", template="a4-3x8")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"nhan-{batch.code}.pdf" in response.headers["Content-Disposition"]
    (page,) = decode_pdf(response.data)
    assert len(page) == 24
    assert {text.lower() for text in page} == {trace_url.lower()}
    assert page[0] == trace_url.upper()


def test_unit_labels_are_distinct_and_verify_from_the_key(app, client, make, session):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    issue_units(session, owner.actor, batch.id, 30)
    session.commit()
    response = get_labels(client, owner, batch.id, format="pdf", units="1-30")
    assert response.status_code == 200
    pages = decode_pdf(response.data)
    assert [len(page) for page in pages] == [24, 6]
    urls = [url for page in pages for url in page]
    assert len(set(urls)) == 30
    keys = codes.parse_code_keys(app.config["CODE_KEYS"])
    serials = set()
    for url in urls:
        assert url.startswith("HTTPS://TRACE.EXAMPLE.VN/T/")
        unit = codes.parse_unit_code(url.rsplit("/", 1)[1], keys)
        assert unit.batch_code == batch.code
        serials.add(unit.serial)
    assert serials == set(range(1, 31))


def test_gtin_units_carry_a_digital_link_with_the_mac_in_ai_21(app, client, make, session):
    owner = make.producer()
    product = make.product(owner, gtin="8936005120011")
    batch = make.batch(owner, product, publish=True, lot="CR2611")
    issue_units(session, owner.actor, batch.id, 3)
    session.commit()
    response = get_labels(client, owner, batch.id, format="pdf", template="a4-2x5", units="2-3")
    (page,) = decode_pdf(response.data, "a4-2x5")
    keys = codes.parse_code_keys(app.config["CODE_KEYS"])
    for url in page:
        link = codes.parse_digital_link_url(url)
        assert (link.gtin, link.lot) == ("08936005120011", "CR2611")
        unit = codes.parse_unit_code(f"{batch.code}.{link.serial}", keys)
        assert unit.serial in (2, 3)


@pytest.mark.parametrize(("symbology", "expected"), [
    ("qr", None), ("code128", "batch_code"), ("ean13", "8936005120011"),
    ("gs1-128", "(01)08936005120011"),
])
def test_single_symbols_decode(client, make, symbology, expected):
    owner = make.producer()
    batch = make.batch(owner, make.product(owner, gtin="8936005120011"), publish=True)
    response = get_labels(client, owner, batch.id, format="png", symbology=symbology)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert len(results) == 1
    text = results[0].text
    if symbology == "qr":
        assert text.startswith("HTTPS://TRACE.EXAMPLE.VN/01/08936005120011/10/")
    elif expected == "batch_code":
        assert codes.parse_batch_code(text) == batch.code
    else:
        assert expected.strip("()01") in text.replace("(", "").replace(")", "") or expected in text


def test_zpl_and_svg(client, make):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    zpl = get_labels(client, owner, batch.id, format="zpl", template="roll-50x30")
    assert zpl.status_code == 200
    text = zpl.data.decode("utf-8")
    assert text.count("^XA") == 1 and "^CI28" in text and "Chè búp Tân Cương" in text
    svg = get_labels(client, owner, batch.id, format="svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.data.lstrip().startswith(b"<?xml") or b"<svg" in svg.data[:500]


@pytest.mark.parametrize(("query", "status", "field"), [
    ({"units": "1-5"}, 409, None),
    ({"units": "5-1"}, 422, "units"),
    ({"units": "abc"}, 422, "units"),
    ({"format": "docx"}, 422, "format"),
    ({"format": "png", "symbology": "ean13"}, 422, "symbology"),
    ({"format": "zpl", "template": "a4-3x8"}, 422, "template"),
    ({"format": "pdf", "symbology": "code128", "template": "a4-3x8"}, 422, "template"),
    ({"format": "png", "symbology": "qr+ean13"}, 422, "symbology"),
])
def test_bad_label_requests(client, make, query, status, field):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    response = get_labels(client, owner, batch.id, **query)
    assert response.status_code == status, response.get_json()
    if field:
        assert field in [e["field"] for e in response.get_json()["errors"]]


def test_label_permissions(client, make):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    assert get_labels(client, make.producer(), batch.id).status_code == 404
    assert get_labels(client, make.account("inspector"), batch.id).status_code == 403
    assert client.get(f"/api/v1/batches/{batch.id}/labels").status_code == 401


def test_issued_units_then_cli_labels(runner, client, make, tmp_path):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    assert client.post(f"/api/v1/batches/{batch.id}/units", json={"count": 48},
                       headers=owner.headers).status_code == 201
    output = tmp_path / "nhãn.pdf"
    result = runner.invoke(args=["labels", batch.code.lower(), "--units", "1-48", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "Wrote 48 labels" in result.output
    pages = decode_pdf(output.read_bytes())
    assert sum(len(page) for page in pages) == 48
    missing = tmp_path / "none.pdf"
    refused = runner.invoke(args=["labels", batch.code, "--units", "1-49", "-o", str(missing)])
    assert refused.exit_code != 0
    assert "issued" in refused.output
    assert not missing.exists() and not (tmp_path / "none.pdf.partial").exists()
    unknown = runner.invoke(args=["labels", "ZZZZZZZZZZZZ", "-o", str(missing)])
    assert unknown.exit_code != 0
