"""Schemathesis against /api/v1/openapi.json with a producer's token: no 5xx, no answer that breaks
the document. The CI run is bounded (TRACELABEL_FUZZ_EXAMPLES, default 20 per operation); a longer
run: TRACELABEL_FUZZ_EXAMPLES=500 pytest tests/test_fuzz_api.py.

Schemathesis's own pytest plugin does not run under pytest 9 yet, so each operation's strategy is
driven with Hypothesis directly; the checks are schemathesis's defaults (server errors, status codes,
content types, response schemas, negative data rejected, and more). One is left out: a request the
schema allows may still break a domain rule JSON Schema cannot say (a lot already used, an area
certificate without the area's id), and the answer to that is a 422 naming the field."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import Factory
from tracelabel.extensions import Database

EXAMPLES = int(os.environ.get("TRACELABEL_FUZZ_EXAMPLES", "20"))


def test_api_never_errors_and_keeps_its_contract(app):
    app.config["RATELIMIT_ENABLED"] = False
    with Database.session_factory_for(app)() as session:
        make = Factory(session)
        owner = make.producer()
        make.batch(owner, publish=True)
        headers = {"Authorization": f"Bearer {owner.token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        exercise()
