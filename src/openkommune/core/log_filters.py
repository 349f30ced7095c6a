"""Filters of the project's logging configuration (`settings.LOGGING`)."""

import json
import logging
import time

from openkommune.core.request_id import current_request_id


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


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (the current request's, or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


# Record attributes that may go into a JSON line besides the message. Everything else a
# caller passed in `extra` (Django passes the request object) stays out: no bodies, no query
# strings, no personal data by accident.
_JSON_EXTRAS = (
    "request_id",
    "status_code",
    "method",
    "path",
    "route",
    "duration_ms",
    "worker",
    "pool",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line (`OPENKOMMUNE_LOG_FORMAT=json`, on in `make serve`); times in
    UTC."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _JSON_EXTRAS:
            value = getattr(record, name, None)
            if value is not None and value != "-":
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)
