"""Property-based API tests: schemathesis generates requests from our served OpenAPI document
(valid and invalid ones) and checks that every response matches the documented status codes
and schemas — in particular that bad input never produces a 500."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@pytest.fixture
def _keep_test_connection_open():
    # The WSGI handler closes the database connection when a request starts and finishes,
    # which would end the test transaction; Django's own test client disconnects the same
    # receivers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_test_connection_open")
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_document(case):
    excluded = []
    if case.operation.path.endswith("/responsible"):
        # `plz` and `ars` are mutually exclusive, which an OpenAPI query schema cannot
        # express: a schema-valid request with both is rightly refused with 422.
        excluded.append(positive_data_acceptance)
    if any(map(_has_refused_text, (case.body, case.query, case.path_parameters))):
        # NUL and lone surrogates (body, query, path) are refused with 422 (documented on every
        # operation); JSON Schema cannot say so for the free-form `data` object.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)


def _has_refused_text(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_refused_text(k) or _has_refused_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_refused_text(item) for item in value)
    return False
