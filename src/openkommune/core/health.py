"""`/healthz` (the process answers) and `/readyz` (it can serve: its dependencies work).

Apps add readiness checks in their `AppConfig.ready()` with
`register_readiness_check(name, check)`; a check returns None when all is well or a short
problem text (never a secret: the answer is readable by the load balancer). `/readyz` runs
every check and answers 200 `{"status": "ready", "checks": {name: "ok"}}` or 503 with the
problems, so a load balancer takes a worker without its database out of rotation.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from openkommune.core import worker
from openkommune.core.files import private_storage

logger = logging.getLogger(__name__)
ReadinessCheck = Callable[[], str | None]
_CHECKS: dict[str, ReadinessCheck] = {}


def register_readiness_check(name: str, check: ReadinessCheck) -> None:
    _CHECKS[name] = check


def readiness_problems() -> dict[str, str | None]:
    """Every check's problem (None = fine). A check that raises reports its error's kind
    only; the details go to the log."""
    results = {}
    for name, check in _CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:
            logger.warning("Readiness check %s failed", name, exc_info=True)
            results[name] = f"check failed: {type(error).__name__}"
    return results


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


@require_GET
def healthz(request):
    """The process is alive; touches nothing else (no database)."""
    return _json({"status": "ok"})


@require_GET
def readyz(request):
    problems = readiness_problems()
    ready = not any(problems.values())
    return _json(
        {
            "status": "ready" if ready else "not ready",
            "checks": {name: problem or "ok" for name, problem in problems.items()},
        },
        status=200 if ready else 503,
    )


# Core's checks -----------------------------------------------------------------------------


def database_problem() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def job_worker_problem() -> str | None:
    if not worker.uses_job_workers():
        return None  # jobs run in the web process
    age = worker.heartbeat_age()
    limit = settings.JOB_WORKER_MAX_SILENCE_SECONDS
    if age is None:
        return "no job worker has reported"
    if age > limit:
        return f"no job worker heartbeat for {age:.0f} s (limit {limit} s)"
    return None


_PROBE = b"openkommune readiness probe"


def private_storage_problem() -> str | None:
    storage = private_storage()
    name = storage.save(f"readiness/{uuid.uuid4().hex}", ContentFile(_PROBE))
    try:
        with storage.open(name, "rb") as stored:
            if stored.read() != _PROBE:
                return "private storage returned other bytes than written"
    finally:
        storage.delete(name)
    return None


def cache_problem() -> str | None:
    key = f"readiness:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            return "cache did not return what was stored"
    finally:
        cache.delete(key)
    return None


def register_core_checks() -> None:
    register_readiness_check("database", database_problem)
    if settings.REDIS_URL:
        # Sessions live there: without it nobody stays logged in.
        register_readiness_check("cache", cache_problem)
    register_readiness_check("job_worker", job_worker_problem)
    register_readiness_check("private_storage", private_storage_problem)
