"""System checks of the submissions app (`openkommune check`, and before `migrate`,
`runserver` and the workers).

Without a virus scanner every upload is accepted as "nicht geprüft": right for development
and the demo, wrong for an installation citizens use. The check says so whenever debug is
off, so an operator sees it on every deployment rather than only with `check --deploy`."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from openkommune.submissions.virus_scan import ClamdScanner, scanning_enabled

NO_SCANNER = "submissions.W001"
SCANNER_NOT_FOUND = "submissions.E001"
CLAMD_WITHOUT_SOCKET = "submissions.E002"


@checks.register(checks.Tags.security)
def check_virus_scanner(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        scanner = import_string(settings.VIRUS_SCANNER)
    except ImportError as error:
        # Every upload would fail with a 500: better to stop at start-up.
        return [
            checks.Error(
                f"OPENKOMMUNE_VIRUS_SCANNER names {settings.VIRUS_SCANNER!r}, which cannot "
                f"be imported: {error}",
                hint="Use openkommune.submissions.virus_scan.ClamdScanner or the dotted "
                "path of another scanner class.",
                id=SCANNER_NOT_FOUND,
            )
        ]
    if (
        isinstance(scanner, type)
        and issubclass(scanner, ClamdScanner)
        and not settings.CLAMD_SOCKET
    ):
        # Every upload would fail with a 500 as well.
        return [
            checks.Error(
                "OPENKOMMUNE_VIRUS_SCANNER is the ClamdScanner, but OPENKOMMUNE_CLAMD_SOCKET "
                "is empty.",
                hint="Set OPENKOMMUNE_CLAMD_SOCKET to clamd's Unix socket or host:port "
                '(see docs/security.md, "Virus scanning").',
                id=CLAMD_WITHOUT_SOCKET,
            )
        ]
    if settings.DEBUG or scanning_enabled():
        return []
    return [
        checks.Warning(
            "No virus scanner is configured: uploads are accepted unscanned and marked "
            "'nicht geprüft' on the attachment and the receipt.",
            hint="Set OPENKOMMUNE_VIRUS_SCANNER=openkommune.submissions.virus_scan."
            "ClamdScanner and OPENKOMMUNE_CLAMD_SOCKET (see docs/security.md).",
            id=NO_SCANNER,
        )
    ]
