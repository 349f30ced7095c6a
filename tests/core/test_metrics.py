"""/metrics: Prometheus text behind a bearer token; requests counted by route, method and
status class; queue, heartbeat and submission figures read from the database when scraped."""

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from openkommune.core import outbox, worker
from openkommune.core.jobs import enqueue
from openkommune.core.models import OutboxMail
from openkommune.submissions.models import Application
from openkommune.submissions.services import application_submit
from openkommune.tenancy.scoping import scopes_disabled
from tests.submissions.factories import fill, make_offer, start

TOKEN = "metrics-test-token-1234"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def _scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _requests(samples, route, method="GET", status="2xx") -> float:
    key = (
        "openkommune_http_requests_total",
        (("method", method), ("route", route), ("status", status)),
    )
    return samples.get(key, 0.0)


def test_without_a_configured_token_there_is_no_endpoint(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer falsch", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_a_wrong_or_missing_token_is_refused(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert b"openkommune_http" not in response.content


@pytest.mark.django_db
def test_requests_are_counted_by_route_method_and_status_class(client, token):
    before = _scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.post("/healthz")  # 405
    client.get("/gibt-es-nicht/123/")
    after = _scrape(client)

    def added(*labels):
        return _requests(after, *labels) - _requests(before, *labels)

    assert added("healthz") == 2
    assert added("healthz", "POST", "4xx") == 1
    assert added("unmatched", "GET", "4xx") == 1
    count = (
        "openkommune_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "healthz")),
    )
    assert after[count] - before.get(count, 0) == 2
    # No path with ids as a label: one label value for every unknown address.
    assert not any("123" in str(labels) for _name, labels in after)


@pytest.mark.django_db
def test_queue_depth_oldest_job_and_heartbeat_are_read_when_scraped(client, token):
    DBTaskResult.objects.all().delete()
    worker.beat("w-metrics", started_at=timezone.now())
    enqueue(outbox.SEND_JOB, "00000000-0000-0000-0000-000000000000")
    enqueue(outbox.SEND_JOB, "00000000-0000-0000-0000-000000000001")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=90))
    samples = _scrape(client)
    assert samples[("openkommune_job_queue_depth", ())] == 2
    assert 90 <= samples[("openkommune_job_oldest_ready_age_seconds", ())] < 150
    assert samples[("openkommune_job_worker_heartbeat_age_seconds", ())] < 60
    assert ("openkommune_submissions_last_hour", ()) in samples


@pytest.mark.django_db
def test_the_outbox_backlog_is_read_when_scraped(client, token):
    OutboxMail.objects.all().delete()
    now = timezone.now()
    minutes = datetime.timedelta(minutes=1)
    OutboxMail.objects.bulk_create(
        [
            # owed two minutes ago, not yet sent: ready
            OutboxMail(kind="x", status="pending", created_at=now - 2 * minutes),
            # a retry due one minute ago: ready
            OutboxMail(kind="x", status="pending", next_attempt_at=now - minutes),
            # a retry not yet due, a live claim, sent: not ready
            OutboxMail(kind="x", status="pending", next_attempt_at=now + minutes),
            OutboxMail(kind="x", status="sending", claimed_until=now + minutes),
            OutboxMail(kind="x", status="sent", created_at=now - 9 * minutes),
            # a claim that expired (its drainer died): ready
            OutboxMail(kind="x", status="sending", claimed_until=now - minutes),
        ]
    )
    samples = _scrape(client)
    assert samples[("openkommune_outbox_ready", ())] == 3
    assert 120 <= samples[("openkommune_outbox_oldest_ready_age_seconds", ())] < 180


@pytest.mark.django_db
def test_submissions_of_the_last_hour_are_counted_across_authorities(client, token):
    draft, _token = start(make_offer())
    fill(draft)
    application_submit(draft=draft, idempotency_key="metrics-1")
    assert _scrape(client)[("openkommune_submissions_last_hour", ())] == 1
    with scopes_disabled():
        Application.objects.update(submitted_at=timezone.now() - datetime.timedelta(hours=2))
    assert _scrape(client)[("openkommune_submissions_last_hour", ())] == 0
