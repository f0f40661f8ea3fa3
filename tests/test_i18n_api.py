"""The API answers in Vietnamese by default and in English on request, diacritics intact."""

from __future__ import annotations


def test_errors_are_vietnamese_by_default_and_english_on_request(client, make):
    owner = make.producer()
    vietnamese = client.post("/api/v1/products", json={"name": "Trà", "ocop_group": "beverage",
                                                       "gtin": "8936005120012"}, headers=owner.headers)
    assert vietnamese.status_code == 422
    assert vietnamese.get_json()["title"] == "Một số trường chưa hợp lệ."
    assert "GTIN" in vietnamese.get_json()["errors"][0]["message"]
    english = client.post("/api/v1/products?lang=en", json={"name": "Trà", "ocop_group": "beverage",
                                                             "gtin": "8936005120012"},
                          headers={**owner.headers})
    assert english.get_json()["title"] == "Some fields are not valid."
    by_header = client.post("/api/v1/batches", json={"product_id": 999999, "lot": "A",
                                                     "production_date": "2026-01-01"},
                            headers={**owner.headers, "Accept-Language": "en-US,en;q=0.8"})
    assert by_header.get_json()["errors"][0]["message"] == (
        "No product with this id belongs to the organization.")


def test_status_words_are_translated_inside_messages(client, make):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    again = client.post(f"/api/v1/batches/{batch.id}/publish", headers=owner.headers)
    assert again.status_code == 409
    assert again.get_json()["title"] == (
        "Chỉ lô hàng nháp mới được công bố; lô này đang ở trạng thái đã công bố.")


def test_missing_token_is_explained_in_vietnamese(client):
    response = client.get("/api/v1/products")
    assert response.status_code == 401
    assert response.get_json()["title"].startswith("Hãy gửi mã truy cập API hợp lệ")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
