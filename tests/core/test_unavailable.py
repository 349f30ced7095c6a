"""A database that cannot be reached gives the German 503 page (API: JSON) with Retry-After,
never a 500 with a traceback. (Against a real refused connection: tests/core/test_serve.py.)"""

import json

import pytest
from django.db import DatabaseError, InterfaceError, OperationalError
from django.test import RequestFactory

from openkommune.core.unavailable import is_database_unavailable, server_error


def _answer_after(error: Exception, path: str):
    request = RequestFactory().get(path)
    try:
        raise error
    except Exception:
        return server_error(request)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection to server at 127.0.0.1 failed: Connection refused"),
        InterfaceError("connection already closed"),
    ],
)
def test_pages_get_the_german_503_page(error):
    response = _answer_after(error, "/antrag/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "Dienst vorübergehend nicht verfügbar" in text
    assert '<html lang="de"' in text
    assert "Traceback" not in text
    assert "127.0.0.1" not in text


def test_the_api_gets_its_json_error():
    response = _answer_after(OperationalError("server closed the connection"), "/api/v1/x")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert json.loads(response.content)["error"]["code"] == "service_unavailable"


def test_a_database_error_wrapped_in_another_counts():
    cause = OperationalError("terminating connection due to administrator command")
    wrapped = RuntimeError("while rendering")
    wrapped.__cause__ = cause
    assert is_database_unavailable(wrapped)
    assert not is_database_unavailable(RuntimeError("while rendering"))


@pytest.mark.parametrize("error", [RuntimeError("kaputt"), DatabaseError("syntax error")])
def test_other_errors_keep_the_500_page(error):
    response = _answer_after(error, "/antrag/")
    assert response.status_code == 500
    assert "Technischer Fehler" in response.content.decode()


def test_the_url_conf_uses_it():
    from openkommune import urls

    assert urls.handler500 == "openkommune.core.unavailable.server_error"
