"""gunicorn's logger for the production profile (`gunicorn_config.logger_class`).

Its error log and access log use the project's format (`OPENKOMMUNE_LOG_FORMAT`): with
`json`, one object per line like the application's, and each access line carries the
request's id (from the `X-Request-ID` response header the middleware set). An access line
holds method, path, status, duration and id only: no query string (it may carry a token), no
secret path parts (reset and sign-up links, `request_id.loggable_path`), no client address,
no user agent, no referrer; and the pool that answered (`OPENKOMMUNE_POOL`, ADR 0016).
"""

from __future__ import annotations

import logging

from gunicorn.glogging import Logger as GunicornLogger

from openkommune.core.env import env_choice, env_str
from openkommune.core.log_filters import JsonFormatter
from openkommune.core.request_id import LOG_PATH_KEY


def _header(headers, name: str) -> str | None:
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items:
        if key.lower() == name:
            return value
    return None


class Logger(GunicornLogger):
    def setup(self, cfg):
        super().setup(cfg)
        # Read once, as settings.LOG_FORMAT reads it (not again for every access line).
        self.json = env_choice("OPENKOMMUNE_LOG_FORMAT", ("text", "json"), "text") == "json"
        self.pool = env_str("OPENKOMMUNE_POOL", "single")
        if self.json:
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(JsonFormatter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = environ.get(LOG_PATH_KEY) or atoms["U"]
        return atoms

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        if not self.json:
            super().access(resp, req, environ, request_time)
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        duration_ms = request_time.seconds * 1000 + request_time.microseconds / 1000
        method = environ.get("REQUEST_METHOD")
        path = environ.get(LOG_PATH_KEY) or environ.get("PATH_INFO")
        record = {
            "method": method,
            "path": path,
            "status_code": int(status),
            "duration_ms": round(duration_ms, 1),
            "request_id": _header(resp.headers, "x-request-id") or "-",
            "pool": self.pool,
        }
        self.access_log.log(logging.INFO, "%s %s %s", method, path, status, extra=record)
