"""settings.LOGGING: one line per event, and no traceback for a refused (4xx) request."""

import io
import logging

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.test import RequestFactory, override_settings
from django.utils.log import configure_logging


class _Output:
    def __init__(self):
        self.stream = io.StringIO()

    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def project_logging():
    """The project's logging as `make run` sets it up (DEBUG on), every console handler of
    every logger writing into one buffer."""
    output = _Output()
    with override_settings(DEBUG=True):
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
        loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
        for logger in loggers:
            for handler in getattr(logger, "handlers", []):
                if type(handler) is logging.StreamHandler:
                    handler.setStream(output.stream)
        yield output
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_one_event_is_one_line(project_logging):
    logging.getLogger("django.request").warning("ein Ereignis")
    logging.getLogger("openkommune.cases").warning("noch ein Ereignis")
    lines = project_logging.text().splitlines()
    assert lines.count("ein Ereignis") == 1
    assert lines.count("noch ein Ereignis") == 1


@pytest.mark.django_db
def test_a_403_is_logged_once_without_a_traceback(project_logging):
    request = RequestFactory().get("/behoerde/")
    response = response_for_exception(request, PermissionDenied("nicht erlaubt"))
    assert response.status_code == 403
    err = project_logging.text()
    assert err.count("Forbidden (Permission denied): /behoerde/") == 1
    assert "Traceback" not in err


def test_a_server_error_keeps_its_traceback(project_logging):
    try:
        raise RuntimeError("kaputt")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error", exc_info=True, extra={"status_code": 500}
        )
    err = project_logging.text()
    assert "Traceback" in err
    assert err.count("Internal Server Error") == 1
