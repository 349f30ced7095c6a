"""Every request has an id: taken from a valid `X-Request-ID` or made, returned in the
response, and written into each log record of the request (JSON lines in production)."""

import datetime
import io
import json
import logging
import os
import subprocess
import sys

import pytest

from openkommune.core.log_filters import JsonFormatter, RequestIdFilter
from openkommune.core.request_id import LOG_PATH_KEY, REDACTED


@pytest.fixture
def json_lines():
    """JSON lines of the `django.request` logger, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_new_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


@pytest.mark.django_db
def test_a_valid_id_from_the_proxy_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21.req_42")
    assert response["X-Request-ID"] == "lb-7f3a9c21.req_42"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sent", ["kurz", "a" * 200, "abc def ghi jkl", "x\u00e4" * 8, "<script>1234"]
)
def test_an_invalid_id_is_replaced(client, sent):
    answered = client.get("/healthz", HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    assert answered != sent
    assert len(answered) == 32


@pytest.mark.django_db
def test_the_id_is_in_every_log_line_of_the_request(client, json_lines):
    response = client.get("/gibt-es-nicht/?token=geheim-123", HTTP_X_REQUEST_ID="trace-0001-abcdef")
    assert response.status_code == 404
    lines = json_lines()
    assert lines, "the 404 was not logged"
    assert {line["request_id"] for line in lines} == {"trace-0001-abcdef"}
    assert lines[0]["level"] == "WARNING"
    assert lines[0]["message"] == "Not Found: /gibt-es-nicht/"
    assert lines[0]["status_code"] == 404
    # No query string (it may carry a token), no request object.
    assert "geheim" not in json.dumps(lines)
    assert "request" not in lines[0]


def test_outside_a_request_the_line_has_no_id(json_lines):
    logging.getLogger("django.request").warning("Hintergrund")
    (line,) = json_lines()
    assert line["message"] == "Hintergrund"
    assert "request_id" not in line


def test_the_setting_switches_the_project_logging_to_json():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('openkommune.probe').warning('Ereignis %s', 42)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENKOMMUNE_LOG")}
    env |= {"DJANGO_SETTINGS_MODULE": "openkommune.settings", "OPENKOMMUNE_LOG_FORMAT": "json"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["logger"], line["message"], line["level"]) == (
        "openkommune.probe",
        "Ereignis 42",
        "WARNING",
    )
    env["OPENKOMMUNE_LOG_FORMAT"] = "text"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stderr.strip().splitlines()[-1] == "Ereignis 42"


@pytest.mark.django_db
def test_the_access_log_path_hides_link_tokens(client):
    response = client.get("/konto/passwort-neu/MQ/cb5xyz-0123456789abcdef0123456789abcdef/?a=b")
    logged = response.wsgi_request.META[LOG_PATH_KEY]
    assert logged == f"/konto/passwort-neu/{REDACTED}/{REDACTED}/"
    plain = client.get("/leistungen/suche/?q=hund").wsgi_request.META[LOG_PATH_KEY]
    assert plain == "/leistungen/suche/"


def test_gunicorn_logs_the_loggable_path():
    from types import SimpleNamespace

    from gunicorn.config import Config

    from openkommune.core.gunicorn_logging import Logger

    logger = Logger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/konto/passwort-neu/MQ/geheim/",
        "RAW_URI": "/konto/passwort-neu/MQ/geheim/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        LOG_PATH_KEY: f"/konto/passwort-neu/{REDACTED}/{REDACTED}/",
    }
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "abcdefgh1234")])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    assert atoms["U"] == f"/konto/passwort-neu/{REDACTED}/{REDACTED}/"
