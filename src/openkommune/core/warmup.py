"""Warm a fresh web worker before it takes traffic (gunicorn's `post_worker_init`).

A new worker process has imported Django but not the URL conf, the views, the templates, the
translation catalogues, the search index or a database connection; its first requests paid
for all of that (issue 13: ~2 s). `warm` sends a few GET requests through the WSGI
application inside the process (not over the network, not counted in the metrics), which
loads each of these the way a real request does. A failing warm-up is logged and never stops
the worker.
"""

from __future__ import annotations

import io
import logging
import time
from wsgiref.util import setup_testing_defaults

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
WARMUP_ENVIRON_KEY = "openkommune.warmup"


def _host() -> str:
    for host in settings.ALLOWED_HOSTS:
        if host and not host.startswith(".") and host != "*":
            return host
    return "localhost"


def _get(application, target: str) -> int:
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": _host(),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        WARMUP_ENVIRON_KEY: True,
    }
    setup_testing_defaults(environ)
    status = []
    body = application(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        for _chunk in body:
            pass
    finally:
        if hasattr(body, "close"):
            body.close()
    return int(status[0].split()[0]) if status else 0


def warm(application, paths: list[str]) -> dict[str, int]:
    """GET each path once; their status codes."""
    started = time.perf_counter()
    answers = {}
    for target in paths:
        try:
            answers[target] = _get(application, target)
        except Exception:
            logger.warning("Warm-up of %s failed", target, exc_info=True)
            answers[target] = 0
    # The request threads open their own connections; this one was only for the warm-up.
    connection.close()
    logger.info(
        "Worker warmed in %.0f ms: %s",
        (time.perf_counter() - started) * 1000,
        ", ".join(f"{path} {status}" for path, status in answers.items()),
    )
    return answers
