"""The one table of label outputs: the API, the CLI and the workspace form all follow it."""

from __future__ import annotations

import html
import io
import re

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from tests.workspace_client import signed_in
from tracelabel.services.labels import LABEL_TABLE, label_options

OPTION = re.compile(r'<option[^>]*value="([^"]+)"')


def get_labels(client, account, batch_id, **query):
    return client.get(f"/api/v1/batches/{batch_id}/labels", query_string=query,
                      headers=account.headers, buffered=True)


@pytest.fixture
def gtin_batch(make):
    owner = make.producer()
    return owner, make.batch(owner, make.product(owner, gtin="8936005120011"), publish=True)


def test_zpl_without_a_template_uses_the_roll(client, gtin_batch):
    owner, batch = gtin_batch
    text = get_labels(client, owner, batch.id, format="zpl").data.decode()
    assert "^PW400" in text and "^LL240" in text  # 50 x 30 mm at 203 dpi
    retail = get_labels(client, owner, batch.id, format="zpl", symbology="qr+ean13")
    assert retail.status_code == 200, retail.get_json()
    text = retail.data.decode()
    assert "^PW799" in text and "^LL400" in text  # the 100 x 50 mm roll holds the EAN-13
    assert "^BY3^BEN," in text and "^FD893600512001^FS" in text


def test_qr_and_ean13_on_a_sheet_through_the_api(client, gtin_batch):
    owner, batch = gtin_batch
    response = get_labels(client, owner, batch.id, format="pdf", symbology="qr+ean13",
                          template="a4-2x5")
    assert response.status_code == 200, response.get_json()
    page = pypdfium2.PdfDocument(response.data)[0]
    image = page.render(scale=300 / 72, crop=(0, page.get_height() - 180, 300, 0)).to_pil()
    found = {str(code.format): code.text for code in zxingcpp.read_barcodes(image)}
    assert found["EAN-13"] == "8936005120011"
    assert found["QR Code"].startswith("HTTPS://")


def test_gs1_datamatrix_of_units_carries_ai_21(client, gtin_batch):
    owner, batch = gtin_batch
    assert client.post(f"/api/v1/batches/{batch.id}/units", json={"count": 2},
                       headers=owner.headers).status_code == 201
    png = get_labels(client, owner, batch.id, format="png", symbology="gs1-datamatrix",
                     units="2-2")
    [symbol] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert symbol.symbology_identifier == "]d2"
    assert symbol.text.startswith("(01)08936005120011(17)") and "(21)2." in symbol.text


@pytest.mark.parametrize(("query", "field"), [
    ({"format": "pdf", "symbology": "qr+ean13"}, "symbology"),  # no GTIN
    ({"format": "png", "symbology": "gs1-datamatrix"}, "symbology"),
    ({"format": "zpl", "symbology": "gs1-128"}, "symbology"),
])
def test_combinations_that_cannot_exist_without_a_gtin(client, make, query, field):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    response = get_labels(client, owner, batch.id, **query)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


@pytest.mark.parametrize(("query", "field"), [
    ({"format": "zpl", "symbology": "qr+ean13", "template": "roll-50x30"}, "template"),
    ({"format": "pdf", "symbology": "gs1-128", "template": "a4-3x8"}, "template"),
    ({"format": "pdf", "symbology": "ean13"}, "symbology"),
    ({"format": "svg", "symbology": "qr+upca"}, "symbology"),
    ({"format": "pdf", "symbology": "qr+upca"}, "symbology"),  # a GTIN-13 has no UPC-A
])
def test_impossible_combinations_name_the_field(client, gtin_batch, query, field):
    owner, batch = gtin_batch
    response = get_labels(client, owner, batch.id, **query)
    assert response.status_code == 422, response.data[:200]
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_cli_zpl_defaults_to_the_roll(runner, gtin_batch, tmp_path):
    _owner, batch = gtin_batch
    output = tmp_path / "tem.zpl"
    result = runner.invoke(args=["labels", batch.code, "--format", "zpl", "--symbology",
                                 "gs1-datamatrix", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "^BXN," in output.read_text() and "^PW400" in output.read_text()
    refused = runner.invoke(args=["labels", batch.code, "--format", "png", "--symbology",
                                  "qr+ean13", "-o", str(tmp_path / "x.png")])
    assert refused.exit_code != 0 and "symbology" in refused.output.lower() + str(refused.exception)


@pytest.mark.parametrize("gtin", [None, "8936005120011", "036000291452"])
def test_the_workspace_offers_only_what_the_service_prints(app, make, gtin):
    owner = make.producer()
    product = make.product(owner, **({"gtin": gtin} if gtin else {}))
    batch = make.batch(owner, product, publish=True)
    pages = signed_in(app, owner.user.email)
    review = pages.get(f"/workspace/batches/{batch.id}").get_data(as_text=True)
    offered = [html.unescape(v) for v in OPTION.findall(review) if v.count(":") == 2]
    expected = {f"{o.fmt}:{o.template or ''}:{o.symbology}"
                for o in label_options(product.gtin)}
    assert set(offered) == expected and len(offered) == len(expected)
    if gtin is None:
        assert not any("ean13" in value or "gs1" in value for value in offered)
    for value in offered:
        response = pages.get(f"/workspace/batches/{batch.id}/labels",
                             query_string={"output": value})
        assert response.status_code == 200, (value, response.get_data(as_text=True)[:300])


def test_every_table_entry_has_a_template_exactly_for_sheets_and_rolls():
    for option in LABEL_TABLE:
        assert (option.template is None) == (option.fmt in ("png", "svg"))
