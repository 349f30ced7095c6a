"""/healthz and /readyz: the process answers; its dependencies work, else 503 naming them."""

import datetime

import pytest
from django.utils import timezone

from openkommune.core import health, worker
from openkommune.core.runtime_models import WorkerHeartbeat


@pytest.fixture
def checks():
    """The registry as the apps filled it, restored after the test."""
    saved = dict(health._CHECKS)
    yield health._CHECKS
    health._CHECKS.clear()
    health._CHECKS.update(saved)


def _beat(seconds_ago: float = 0) -> None:
    now = timezone.now()
    worker.beat("test-worker", started_at=now, now=now - datetime.timedelta(seconds=seconds_ago))


def test_healthz_answers_without_the_database(client):
    # Not marked django_db: pytest-django fails any database access in this test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_every_check_passes(client, settings):
    _beat()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert {"database", "job_worker", "private_storage"} <= set(body["checks"])
    assert set(body["checks"].values()) == {"ok"}


@pytest.mark.django_db
def test_the_storage_probe_leaves_no_file_behind(client, settings):
    _beat()
    before = sorted(p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file())
    assert client.get("/readyz").status_code == 200
    after = sorted(p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file())
    assert after == before


def _job_worker_check(client) -> tuple[int, str]:
    response = client.get("/readyz")
    return response.status_code, response.json()["checks"]["job_worker"]


@pytest.mark.django_db
def test_without_a_job_worker_heartbeat_readyz_is_503(client):
    WorkerHeartbeat.objects.all().delete()
    assert _job_worker_check(client) == (503, "no job worker has reported")


@pytest.mark.django_db
def test_a_silent_job_worker_makes_readyz_503(client, settings):
    settings.JOB_WORKER_MAX_SILENCE_SECONDS = 60
    _beat(seconds_ago=300)
    status, problem = _job_worker_check(client)
    assert status == 503
    assert problem.startswith("no job worker heartbeat for 30")


@pytest.mark.django_db
def test_jobs_run_in_the_web_process_need_no_worker(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    WorkerHeartbeat.objects.all().delete()
    assert _job_worker_check(client) == (200, "ok")


@pytest.mark.django_db
def test_a_registered_check_reporting_a_problem_gives_503(client, checks):
    _beat()
    health.register_readiness_check("virus_scanner", lambda: "clamd does not answer")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["virus_scanner"] == "clamd does not answer"
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_a_check_that_raises_reports_only_the_kind_of_error(client, checks):
    _beat()

    def broken():
        raise RuntimeError("password=geheim")

    health.register_readiness_check("broken", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broken"] == "check failed: RuntimeError"
    assert b"geheim" not in response.content


def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/gibt-es-nicht/").status_code == 301
