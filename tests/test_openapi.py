"""The OpenAPI document describes every API route the app serves, with the methods it allows."""

from __future__ import annotations

import re


def test_openapi_document_covers_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    paths = document["paths"]
    served = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        served.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    assert served, "no API routes found"
    for path, methods in served.items():
        assert path in paths, f"{path} is served but not documented"
        assert methods == set(paths[path]) - {"parameters"}, path
    assert set(paths) == set(served)


def test_documented_errors_and_bodies(client):
    document = client.get("/api/v1/openapi.json").get_json()
    create = document["paths"]["/api/v1/batches"]["post"]
    assert "201" in create["responses"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"product_id", "lot", "production_date"} <= set(schema["required"])
