"""System check: an installation without a virus scanner is told so (debug off), and a
scanner setting that names nothing importable stops it."""

from django.core import checks

from openkommune.submissions.checks import CLAMD_WITHOUT_SOCKET, NO_SCANNER, SCANNER_NOT_FOUND
from openkommune.submissions.virus_scan import NoOpScanner

NOOP = "openkommune.submissions.virus_scan.NoOpScanner"
CLAMD = "openkommune.submissions.virus_scan.ClamdScanner"


class QuietScanner(NoOpScanner):
    """An operator's own class that still scans nothing."""


def _messages() -> list[checks.CheckMessage]:
    # Through the check registry: the check must be registered, not only defined. (The
    # security tag leaves out the model checks, which need the database.)
    return checks.run_checks(tags=[checks.Tags.security])


def _ids() -> list[str]:
    return [message.id for message in _messages()]


def test_no_scanner_with_debug_off_is_a_warning(settings):
    settings.DEBUG = False
    settings.VIRUS_SCANNER = NOOP
    [warning] = [m for m in _messages() if m.id == NO_SCANNER]
    assert warning.level == checks.WARNING
    assert "OPENKOMMUNE_VIRUS_SCANNER" in warning.hint
    assert NO_SCANNER in _ids()


def test_a_subclass_of_the_no_op_scanner_counts_as_none(settings):
    settings.DEBUG = False
    settings.VIRUS_SCANNER = "tests.submissions.test_checks.QuietScanner"
    assert NO_SCANNER in _ids()


def test_development_and_a_real_scanner_are_fine(settings):
    settings.VIRUS_SCANNER = NOOP
    settings.DEBUG = True
    assert NO_SCANNER not in _ids()
    settings.DEBUG = False
    settings.VIRUS_SCANNER = CLAMD
    settings.CLAMD_SOCKET = "/run/clamav/clamd.ctl"
    assert not {NO_SCANNER, SCANNER_NOT_FOUND, CLAMD_WITHOUT_SOCKET} & set(_ids())


def test_the_clamd_scanner_without_a_socket_is_an_error(settings):
    settings.VIRUS_SCANNER = CLAMD
    settings.CLAMD_SOCKET = ""
    [error] = [m for m in _messages() if m.id == CLAMD_WITHOUT_SOCKET]
    assert error.level == checks.ERROR
    assert "OPENKOMMUNE_CLAMD_SOCKET" in error.msg


def test_a_scanner_that_cannot_be_imported_is_an_error(settings):
    settings.VIRUS_SCANNER = "openkommune.submissions.virus_scan.GibtEsNicht"
    [error] = [m for m in _messages() if m.id == SCANNER_NOT_FOUND]
    assert error.level == checks.ERROR
    assert "GibtEsNicht" in error.msg
