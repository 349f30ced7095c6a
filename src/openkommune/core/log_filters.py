"""Filters of the project's logging configuration (`settings.LOGGING`)."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Keep the line, drop the traceback for 4xx responses.

    Django logs a 403 (PermissionDenied) and a 400 (SuspiciousOperation) with the exception
    attached, so every refused request would print a traceback although nothing failed: the
    client was refused. 5xx records keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
