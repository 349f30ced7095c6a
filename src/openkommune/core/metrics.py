"""Prometheus metrics at `/metrics`, readable only with `Authorization: Bearer <token>`
(`OPENKOMMUNE_METRICS_TOKEN`; without a token the endpoint does not exist: 404).

- counted per request by `MetricsMiddleware`: `openkommune_http_requests_total` and the
  histogram `openkommune_http_request_duration_seconds`, labelled by route name (the URL
  pattern's name, never the path with its ids), method and status class (`2xx` …);
- read from the database when scraped, by functions registered with `register_gauge` (core:
  job queue depth, age of the oldest ready job, the e-mails ready in the outbox and the age
  of the oldest (the job workers drain them, ADR 0027), job worker heartbeat age;
  submissions: those of the last hour).

With several gunicorn worker processes each writes its counters into files under
`PROMETHEUS_MULTIPROC_DIR` (set by `openkommune serve`), and a scrape adds them up
(prometheus_client's multiprocess mode; gunicorn's `child_exit` hook marks a dead worker's
files).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.db.models import Min, Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from openkommune.core import worker
from openkommune.core.warmup import WARMUP_ENVIRON_KEY

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "openkommune_http_requests_total",
    "HTTP requests answered, by route name, method and status class.",
    ["route", "method", "status"],
    registry=None,
)
LATENCY = Histogram(
    "openkommune_http_request_duration_seconds",
    "Time from the first middleware to the response, by route name and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

Gauge = Callable[[], float | None]
_GAUGES: dict[str, tuple[str, Gauge]] = {}


def register_gauge(name: str, documentation: str, read: Gauge) -> None:
    """A value read from the database at each scrape (apps call it in `ready()`)."""
    _GAUGES[name] = (documentation, read)


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class MetricsMiddleware:
    """Counts and times each request (placed right after `RequestIdMiddleware`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request.META.get(WARMUP_ENVIRON_KEY):
            return response
        route = route_of(request)
        method = request.method if request.method in _METHODS else "other"
        LATENCY.labels(route, method).observe(time.perf_counter() - started)
        REQUESTS.labels(route, method, f"{response.status_code // 100}xx").inc()
        return response


class _ThisProcess:
    """The request metrics of this process (one process: development, tests)."""

    def collect(self):
        yield from REQUESTS.collect()
        yield from LATENCY.collect()


class _FromDatabase:
    def collect(self):
        for name, (documentation, read) in _GAUGES.items():
            try:
                value = read()
            except Exception:
                logger.warning("Metric %s could not be read", name, exc_info=True)
                continue
            if value is not None:
                yield GaugeMetricFamily(name, documentation, value=value)


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_FromDatabase())
    return generate_latest(registry)


def _authorised(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@require_GET
def metrics(request):
    if not _authorised(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


# Core's gauges -----------------------------------------------------------------------------


def _ready_jobs():
    return DBTaskResult.objects.ready()


def job_queue_depth() -> float:
    return float(_ready_jobs().count())


def oldest_ready_job_age() -> float:
    """Since when the longest-waiting ready job could have run: queued at, or its `run_after`
    for a deferred one."""
    ready = _ready_jobs()
    waiting_since = [
        ready.filter(run_after=get_date_max()).aggregate(at=Min("enqueued_at"))["at"],
        ready.exclude(run_after=get_date_max()).aggregate(at=Min("run_after"))["at"],
    ]
    known = [at for at in waiting_since if at is not None]
    if not known:
        return 0.0
    return max(0.0, (timezone.now() - min(known)).total_seconds())


def _ready_emails():
    from openkommune.core.outbox_models import OutboxMail, OutboxStatus

    now = timezone.now()
    return OutboxMail.objects.filter(
        Q(status=OutboxStatus.PENDING, next_attempt_at__isnull=True)
        | Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=OutboxStatus.SENDING, claimed_until__lt=now)
    )


def outbox_depth() -> float:
    """E-mails ready to send and not held by a live claim (a backlog: the drainers lag)."""
    return float(_ready_emails().count())


def oldest_ready_email_age() -> float:
    """Since when the longest-waiting ready e-mail could have been sent: owed at, or due at
    for a retry."""
    ready = _ready_emails()
    waiting_since = [
        ready.filter(next_attempt_at__isnull=True).aggregate(at=Min("created_at"))["at"],
        ready.filter(next_attempt_at__isnull=False).aggregate(at=Min("next_attempt_at"))["at"],
    ]
    known = [at for at in waiting_since if at is not None]
    if not known:
        return 0.0
    return max(0.0, (timezone.now() - min(known)).total_seconds())


def register_core_gauges() -> None:
    register_gauge(
        "openkommune_job_queue_depth", "Jobs ready to run and not yet claimed.", job_queue_depth
    )
    register_gauge(
        "openkommune_job_oldest_ready_age_seconds",
        "Age of the oldest job ready to run (0 when none waits).",
        oldest_ready_job_age,
    )
    register_gauge(
        "openkommune_outbox_ready",
        "E-mails ready to send in the outbox, not held by a live claim.",
        outbox_depth,
    )
    register_gauge(
        "openkommune_outbox_oldest_ready_age_seconds",
        "Age of the oldest e-mail ready to send (0 when none waits).",
        oldest_ready_email_age,
    )
    register_gauge(
        "openkommune_job_worker_heartbeat_age_seconds",
        "Seconds since the newest job worker heartbeat (absent when none ever reported).",
        worker.heartbeat_age,
    )
