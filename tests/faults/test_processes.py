"""Faults of the production profile, with real processes, real signals and a real
PostgreSQL (a private cluster, tests/faults/conftest.py); no test hooks in production code.

1. A gunicorn worker is killed (kill -9) in the middle of a submit: the test holds a table
   lock that the submit's INSERT waits for, finds the worker by the backend's client port
   and kills it. Its transaction never commits; the retry with the same Idempotency-Key
   creates exactly one application, one case, one confirmation e-mail; the audit chains
   verify; gunicorn has replaced the worker.
2. The job worker is killed in the middle of sending: its outbox drainer (ADR 0027) has
   claimed the batch of ready e-mails and waits for a mail server that accepted the
   connection and never answers. The batch stays `sending` until its claim expires; after
   the restart a drainer takes it again and each e-mail is delivered once (the killed
   attempt never got past the greeting), on its second attempt. No e-mail is a job any
   more; the job queue holds nothing left running. (Receipts are rendered on their first
   request, not by a job: ADR 0013.)
3. PostgreSQL stops (`pg_ctl stop -m fast`) and starts again while readers and writers
   keep the web server busy: meanwhile pages get the German 503 page and the API its JSON
   error, both with Retry-After, never a 500; afterwards everything answers again without
   any manual step, and every submission answered with 201 exists.

The cluster restart runs last (module order).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest
import requests

from tests.faults.conftest import DATABASE
from tests.forms.test_definitions import valid
from tests.support.postgres_cluster import runs_in_the_postgres_pass, wait_until
from tests.support.processes import (
    ROOT,
    kill_hard,
    mail_server,
    pid_of_connection,
    start_job_worker,
    stop,
    web_server,
)

pytestmark = runs_in_the_postgres_pass

SUBMIT = "/api/v1/applications"
INSERT_APPLICATION = 'INSERT INTO "submissions_application"'


def _without_proof(data: dict) -> dict:
    return data | {
        "hunde": [{k: v for k, v in dog.items() if k != "nachweis"} for dog in data["hunde"]]
    }


def _body(version: int) -> dict:
    return {
        "form": "hundesteuer",
        "version": version,
        "postcode": "39104",
        "email": "erika.beispiel@example.de",
        # The API takes no files: the example without its optional proof.
        "data": _without_proof(valid("hundesteuer")),
    }


@pytest.fixture(scope="module")
def web(platform, tmp_path_factory):
    _cluster, environment, _version = platform
    with web_server(environment, tmp_path_factory.mktemp("web")) as server:
        yield server


def _value(cluster, sql: str, params=()):
    return cluster.value(sql, params, database=DATABASE)


def _application(cluster, reference: str) -> int | None:
    rows = cluster.sql(
        "SELECT id FROM submissions_application WHERE reference = %s",
        (reference,),
        database=DATABASE,
    )
    return rows[0][0] if rows else None


def _confirmations(cluster, application_id: int) -> int:
    return _value(
        cluster,
        "SELECT count(*) FROM core_outboxmail m JOIN django_content_type t "
        "ON t.id = m.subject_type_id AND t.app_label = 'submissions' "
        "AND t.model = 'application' WHERE m.subject_id = %s AND m.kind = %s",
        (application_id, "submissions.application_confirmation"),
    )


def _verify_audit(environment: dict) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "openkommune.cli", "verify_audit"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _waiting_backends(cluster, query_start: str) -> list[tuple[int, int]]:
    """(backend pid, client port) of each session of the database waiting for a lock while
    running a statement that starts with `query_start`."""
    return cluster.sql(
        "SELECT pid, client_port FROM pg_stat_activity WHERE datname = %s "
        "AND wait_event_type = 'Lock' AND query LIKE %s",
        (DATABASE, query_start + "%"),
    )


# 1. A web worker killed in the middle of a submit ----------------------------------------


def test_a_web_worker_killed_during_a_submit_loses_and_duplicates_nothing(platform, web):
    cluster, environment, version = platform
    body, key = _body(version), str(uuid.uuid4())
    applications = _value(cluster, "SELECT count(*) FROM submissions_application")
    workers_before = web.workers()
    answers: list[object] = []

    client = requests.Session()  # an anonymous caller's keys count per session

    def submit() -> None:
        try:
            answers.append(
                web.post_json(SUBMIT, body, key=key, timeout=60, client=client).status_code
            )
        except Exception as error:  # the worker dies: the connection breaks
            answers.append(error)

    with psycopg.connect(cluster.url(DATABASE)) as locker:
        # Every submit INSERTs its application: this lock makes it wait inside its
        # transaction, after everything before it was written.
        locker.execute("LOCK TABLE submissions_application IN SHARE MODE")
        request = threading.Thread(target=submit)
        request.start()
        wait_until(
            lambda: _waiting_backends(cluster, INSERT_APPLICATION),
            "the submit waiting for the lock",
        )
        ((_backend, client_port),) = _waiting_backends(cluster, INSERT_APPLICATION)
        worker = pid_of_connection(workers_before, client_port)
        kill_hard(worker)
        locker.rollback()  # releases the lock
    request.join(timeout=30)
    (broken,) = answers
    assert isinstance(broken, Exception), broken

    # gunicorn replaced the worker.
    wait_until(
        lambda: len(web.workers()) == len(workers_before) and worker not in web.workers(),
        "gunicorn replacing the killed worker",
    )
    # The killed request's transaction never committed.
    wait_until(
        lambda: not _waiting_backends(cluster, INSERT_APPLICATION),
        "the killed worker's backend gone",
    )
    assert _value(cluster, "SELECT count(*) FROM submissions_application") == applications

    retry = web.post_json(SUBMIT, body, key=key, client=client)
    assert retry.status_code == 201, retry.text
    again = web.post_json(SUBMIT, body, key=key, client=client)
    assert again.status_code in (200, 201), again.text
    assert again.json()["reference"] == retry.json()["reference"]

    application_id = _application(cluster, retry.json()["reference"])
    assert _value(cluster, "SELECT count(*) FROM submissions_application") == applications + 1
    assert (
        _value(
            cluster, "SELECT count(*) FROM cases_case WHERE application_id = %s", (application_id,)
        )
        == 1
    )
    assert _confirmations(cluster, application_id) == 1
    _verify_audit(environment)


# 2. The job worker killed in the middle of a job -------------------------------------------

# A worker counts as dead after 2 s without a heartbeat; an e-mail's claim lapses after 3 s.
QUICK_RECOVERY = {
    "OPENKOMMUNE_JOB_WORKER_HEARTBEAT_SECONDS": "1",
    "OPENKOMMUNE_JOB_WORKER_MAX_SILENCE_SECONDS": "2",
    "OPENKOMMUNE_OUTBOX_CLAIM_SECONDS": "3",
    "OPENKOMMUNE_EMAIL_TIMEOUT": "60",
}


def _holds(pid: int, client_port: int) -> bool:
    try:
        return pid_of_connection({pid}, client_port) == pid
    except LookupError:
        return False


def test_a_job_worker_killed_while_sending_sends_each_email_once(platform, web, tmp_path):
    cluster, environment, version = platform
    # Rows finished before this test (left by other tests in the copied session database or
    # by this module's earlier tests) are not this test's; every count below leaves them out.
    done = _finished_mails(cluster)
    answer = web.post_json(SUBMIT, _body(version), key=str(uuid.uuid4()))
    assert answer.status_code == 201, answer.text
    log = tmp_path / "job_worker.log"
    assert _all_mails(cluster, done)["pending"] >= 1

    with mail_server() as mail:
        environment = environment | QUICK_RECOVERY | {"OPENKOMMUNE_EMAIL_PORT": str(mail.port)}
        # The mail server accepts the connection and never answers: the worker's drainer is
        # stuck in the middle of sending its batch, and the worker is killed there.
        mail.stalling.set()
        worker = start_job_worker(environment, log)
        wait_until(
            lambda: any(_holds(worker.pid, port) for port in mail.peers),
            f"the job worker stuck sending an e-mail (log: {log})",
            timeout=90,
        )
        kill_hard(worker.pid)
        worker.wait()
        # Left so by the dead worker: its batch claimed, nothing sent, no job running.
        claimed = _all_mails(cluster, done)
        assert claimed["sending"] >= 1, claimed
        assert claimed["sent"] == 0, claimed
        assert _all_jobs(cluster)["RUNNING"] == 0

        # The mail server answers again; a new worker (as `openkommune serve` restarts
        # one) sends what the dead one had claimed once the claim expired.
        mail.stalling.clear()
        worker = start_job_worker(environment, log)
        try:
            # A new worker on a busy machine may take a while to start (the first one was
            # given 90 s too); a failure shows the outbox and the worker's log.
            _wait_explained(
                lambda: set(_all_mails(cluster, done)) == {"sent"},
                "every e-mail sent after the restart",
                cluster,
                log,
            )
            _wait_explained(
                lambda: set(_all_jobs(cluster)) <= {"SUCCESSFUL"},
                "every job done after the restart",
                cluster,
                log,
            )
        finally:
            stop(worker)

    # Every e-mail delivered once: the killed attempt never got past the greeting. The
    # rows of the killed batch show both attempts.
    outbox = _all_mails(cluster, done)
    assert len(mail.messages) == sum(outbox.values()) >= 1
    assert len(set(mail.messages)) == len(mail.messages)
    attempts = Counter(
        count
        for (pk, count) in cluster.sql(
            "SELECT id, attempts FROM core_outboxmail", database=DATABASE
        )
        if pk not in done
    )
    assert attempts[2] == claimed["sending"], attempts


def _wait_explained(condition, what: str, cluster, log, timeout: float = 120) -> None:
    """`wait_until`, and on a time-out the outbox rows and the job worker's log's end."""
    try:
        wait_until(condition, what, timeout=timeout)
    except TimeoutError as error:
        rows = cluster.sql(
            "SELECT id, kind, status, attempts, claimed_until, next_attempt_at, last_error "
            "FROM core_outboxmail ORDER BY id",
            database=DATABASE,
        )
        jobs = cluster.sql(
            "SELECT task_path, status FROM django_tasks_database_dbtaskresult",
            database=DATABASE,
        )
        tail = log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"
        raise AssertionError(
            f"{error}\noutbox: {rows}\njobs: {jobs}\njob worker log (end):\n{tail}"
        ) from error


def _all_jobs(cluster) -> Counter:
    return Counter(
        status
        for (status,) in cluster.sql(
            "SELECT status FROM django_tasks_database_dbtaskresult", database=DATABASE
        )
    )


def _all_mails(cluster, leaving_out: frozenset[int] = frozenset()) -> Counter:
    """The outbox rows per status, without the rows `leaving_out` (ids)."""
    rows = cluster.sql("SELECT id, status FROM core_outboxmail", database=DATABASE)
    return Counter(status for (pk, status) in rows if pk not in leaving_out)


def _finished_mails(cluster) -> frozenset[int]:
    """The ids of the rows no longer waiting: sent, given up or without an address."""
    rows = cluster.sql(
        "SELECT id FROM core_outboxmail WHERE status NOT IN ('pending', 'sending')",
        database=DATABASE,
    )
    return frozenset(pk for (pk,) in rows)


# 3. PostgreSQL restarted under load ---------------------------------------------------------

READS = ("/", "/leistungen/suche/?q=hund", "/api/v1/services?q=hund+anmelden")


def test_a_postgresql_restart_under_load_answers_503_and_recovers(platform, web):
    cluster, _environment, version = platform
    body = _body(version)
    seen: list[tuple[str, float, int, str, str, str]] = []  # path, time, status, type, retry, text
    accepted: list[str] = []
    stopping = threading.Event()

    def client(paths) -> None:
        while not stopping.is_set():
            for path in paths:
                try:
                    if path == SUBMIT:
                        response = web.post_json(SUBMIT, body, key=str(uuid.uuid4()), timeout=30)
                        if response.status_code == 201:
                            accepted.append(response.json()["reference"])
                    else:
                        response = web.get(path, timeout=30)
                except Exception as error:
                    seen.append((path, time.monotonic(), 0, "", "", repr(error)))
                    continue
                seen.append(
                    (
                        path,
                        time.monotonic(),
                        response.status_code,
                        response.headers.get("Content-Type", ""),
                        response.headers.get("Retry-After", ""),
                        response.text[:4000],
                    )
                )

    threads = [
        threading.Thread(target=client, args=(paths,)) for paths in (READS, READS, (SUBMIT,))
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        cluster.stop("fast")
        down_at = time.monotonic()
        time.sleep(2.0)
        cluster.start()
        up_at = time.monotonic()
        # Every path answers normally again, without any manual step.
        wait_until(
            lambda: all(
                any(p == path and t > up_at and s in (200, 201) for p, t, s, *_ in seen)
                for path in (*READS, SUBMIT)
            ),
            "every path answering again after the restart",
            timeout=30,
        )
    finally:
        stopping.set()
        for thread in threads:
            thread.join(timeout=60)

    assert {status for _p, _t, status, *_ in seen} <= {200, 201, 503}, Counter(
        (p, s, text[:200]) for p, _t, s, _c, _r, text in seen if s not in (200, 201, 503)
    )
    outage = [entry for entry in seen if entry[2] == 503]
    assert outage, "no request met the stopped database"
    assert any(down_at <= t for _p, t, *_ in outage)
    for path, _t, _status, content_type, retry_after, text in outage:
        assert retry_after.isdigit(), (path, retry_after)
        if path.startswith("/api/"):
            assert content_type.startswith("application/json")
            assert json.loads(text)["error"]["code"] == "service_unavailable"
        else:
            assert content_type.startswith("text/html")
            assert "vorübergehend nicht verfügbar" in text
    # No accepted submission is lost.
    assert accepted
    missing = [reference for reference in accepted if _application(cluster, reference) is None]
    assert missing == []
