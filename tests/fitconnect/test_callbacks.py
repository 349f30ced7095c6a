"""FIT-Connect callbacks: signed as FITKO documents (HMAC-SHA512 over `<timestamp>.<body>`),
sent to a real HTTP receiver, retried through the job queue."""

import hashlib
import hmac
import json
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openkommune.fitconnect import callbacks
from openkommune.fitconnect.models import Destination, DestinationCallback
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.fitconnect.conftest import encrypt, run_json, token_for
from tests.fitconnect.test_submission_api import announce, auth

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def verify_callback(secret: str, headers: dict, body: bytes, *, now: float) -> dict:
    """What a receiver must do (docs/fit-connect.md): recompute the HMAC, compare in constant
    time, refuse a timestamp more than five minutes away. Returns the payload or raises."""
    timestamp = int(headers["callback-timestamp"])
    if abs(now - timestamp) > 300:
        raise ValueError("timestamp outside five minutes")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha512
    ).hexdigest()
    if not hmac.compare_digest(expected, headers["callback-authentication"]):
        raise ValueError("bad HMAC")
    return json.loads(body)


class Receiver:
    """A real HTTP server on localhost answering with the given status codes in turn."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes, float]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["content-length"])
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append((headers, body, time.time()))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/callbacks/fit-connect"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_http(settings):
    settings.FITCONNECT_CALLBACK_ALLOW_HTTP = True


@pytest.fixture
def sender(client, member):
    return token_for(
        client,
        run_json("fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"),
    )


def _receiver(request, statuses):
    receiver = Receiver(statuses)
    request.addfinalizer(receiver.close)
    return receiver


def _submit(capture, client, sender, destination_id):
    with capture(execute=True):
        return _submit_now(client, sender, destination_id)


def _submit_now(client, sender, destination_id):
    created = announce(client, sender, destination_id).json()
    destination = client.get(f"/fit-connect/v1/destinations/{destination_id}").json()
    kid = destination["encryptionKid"]
    public = client.get(f"/fit-connect/v1/destinations/{destination_id}/keys/{kid}").json()
    response = client.put(
        f"/fit-connect/v1/submissions/{created['submissionId']}",
        {"encryptedMetadata": encrypt(b'{"contentStructure": {"attachments": []}}', public)},
        content_type="application/json",
        **auth(sender),
    )
    assert response.status_code == 202, response.content
    return created


def test_submit_sends_a_signed_callback_the_receiver_verifies(
    request,
    client,
    django_capture_on_commit_callbacks,
    sender,
    destination_id,
    settings,
    allow_http,
):
    settings.TASKS = IMMEDIATE
    receiver = _receiver(request, [200])
    secret = run_json(
        "fitconnect_callback", "set", "--destination", destination_id, "--url", receiver.url
    )["callbackSecret"]
    created = _submit(django_capture_on_commit_callbacks, client, sender, destination_id)

    assert len(receiver.received) == 1
    headers, body, received_at = receiver.received[0]
    payload = verify_callback(secret, headers, body, now=received_at)
    assert payload["type"] == callbacks.CALLBACK_TYPE
    assert payload["submissions"] == [
        {
            "destinationId": destination_id,
            "submissionId": created["submissionId"],
            "caseId": created["caseId"],
        }
    ]
    assert payload["submissionIds"] == [created["submissionId"]]
    # The same callback with another secret, a changed body or an old timestamp is refused.
    with pytest.raises(ValueError, match="bad HMAC"):
        verify_callback("x" * 64, headers, body, now=received_at)
    with pytest.raises(ValueError, match="bad HMAC"):
        verify_callback(
            secret, headers, body.replace(b"new-submissions", b"new-submission"), now=received_at
        )
    with pytest.raises(ValueError, match="five minutes"):
        verify_callback(secret, headers, body, now=received_at + 301)
    with scopes_disabled():
        assert DestinationCallback.objects.get().last_success_at is not None


def test_signature_matches_openssl():
    """Our HMAC against an independent implementation (OpenSSL's command line)."""
    secret, timestamp, body = "geheim-" * 6, 1672527599, b'{"type":"x","submissionIds":[]}'
    result = subprocess.run(
        [shutil.which("openssl"), "dgst", "-sha512", "-hmac", secret, "-r"],
        input=f"{timestamp}.".encode() + body,
        capture_output=True,
        check=True,
    )
    assert callbacks.sign(secret, timestamp, body) == result.stdout.split()[0].decode()
    assert callbacks.sign(secret, timestamp + 1, body) != result.stdout.split()[0].decode()


def test_failed_callbacks_are_retried_freshly_signed_until_one_succeeds(
    request,
    client,
    django_capture_on_commit_callbacks,
    sender,
    destination_id,
    settings,
    allow_http,
):
    settings.TASKS = IMMEDIATE
    receiver = _receiver(request, [500, 503, 200])
    secret = run_json(
        "fitconnect_callback", "set", "--destination", destination_id, "--url", receiver.url
    )["callbackSecret"]
    _submit(django_capture_on_commit_callbacks, client, sender, destination_id)
    assert len(receiver.received) == 3
    for headers, body, received_at in receiver.received:
        verify_callback(secret, headers, body, now=received_at)
    with scopes_disabled():
        callback = DestinationCallback.objects.get()
    assert callback.last_success_at is not None
    assert callback.last_failure == "HTTP 503 (Versuch 2)"


def test_callbacks_give_up_after_the_last_attempt(
    request,
    client,
    django_capture_on_commit_callbacks,
    sender,
    destination_id,
    settings,
    allow_http,
):
    settings.TASKS = IMMEDIATE
    receiver = _receiver(request, [500] * 20)
    run_json("fitconnect_callback", "set", "--destination", destination_id, "--url", receiver.url)
    _submit(django_capture_on_commit_callbacks, client, sender, destination_id)
    assert len(receiver.received) == callbacks.MAX_ATTEMPTS
    with scopes_disabled():
        callback = DestinationCallback.objects.get()
    assert callback.last_success_at is None
    assert callback.last_failure == f"HTTP 500 (Versuch {callbacks.MAX_ATTEMPTS})"


def test_a_failed_attempt_queues_the_next_one_later_in_the_job_queue(
    request,
    client,
    django_capture_on_commit_callbacks,
    sender,
    destination_id,
    settings,
    allow_http,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    receiver = _receiver(request, [502])
    run_json("fitconnect_callback", "set", "--destination", destination_id, "--url", receiver.url)
    created = _submit(django_capture_on_commit_callbacks, client, sender, destination_id)
    # The submit queued the first attempt as a row; nothing was sent yet.
    assert receiver.received == []
    first = DBTaskResult.objects.get(task_path__endswith="send_callback")
    assert first.args_kwargs["kwargs"] == {
        "submission_id": created["submissionId"],
        "attempt": 1,
    }
    before = timezone.now()
    assert callbacks.send(submission_id=created["submissionId"], attempt=1) == "retry: HTTP 502"
    assert len(receiver.received) == 1
    second = DBTaskResult.objects.exclude(pk=first.pk).get(task_path__endswith="send_callback")
    assert second.args_kwargs["kwargs"]["attempt"] == 2
    assert second.run_after >= before + callbacks.FIRST_PAUSE


def test_http_url_is_refused_with_german_message_and_nothing_stored(destination_id):
    with pytest.raises(CommandError, match="https://"):
        run_json(
            "fitconnect_callback",
            "set",
            "--destination",
            destination_id,
            "--url",
            "http://fachverfahren.example/callback",
        )
    with scopes_disabled():
        assert not DestinationCallback.objects.exists()
        destination = Destination.objects.get(destination_id=destination_id)
    with pytest.raises(ValueError, match="32 bis 200 Zeichen"):
        callbacks.set_callback(destination, "https://fachverfahren.example/cb", "kurz")
    assert not DestinationCallback.objects.exists()


def test_no_callback_configured_means_no_job(
    django_capture_on_commit_callbacks, client, sender, destination_id, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _submit(django_capture_on_commit_callbacks, client, sender, destination_id)
    assert not DBTaskResult.objects.filter(task_path__endswith="send_callback").exists()


@pytest.fixture
def subscriber(client, member, destination_id):
    return token_for(
        client,
        run_json(
            "fitconnect_client",
            "create",
            "--member",
            member.region_ars,
            "--role",
            "subscriber",
            "--destination",
            destination_id,
        ),
    )


def _patch(client, token, destination_id, body):
    return client.patch(
        f"/fit-connect/v1/destinations/{destination_id}",
        json.dumps(body),
        content_type="application/json",
        **auth(token),
    )


def test_subscriber_sets_its_callback_through_the_api_and_receives_signed_callbacks(
    request,
    client,
    django_capture_on_commit_callbacks,
    sender,
    subscriber,
    destination_id,
    settings,
    allow_http,
):
    """FIT-Connect's way: the subscriber chooses URL and secret and sends them with
    PATCH /v1/destinations/{id}; the secret is never read back; the next submission's
    callback is signed with it."""
    settings.TASKS = IMMEDIATE
    receiver = _receiver(request, [200])
    secret = "s3cr3t-" * 8
    response = _patch(
        client, subscriber, destination_id, {"callback": {"url": receiver.url, "secret": secret}}
    )
    assert response.status_code == 200, response.content
    assert response.json()["callback"] == {"url": receiver.url}
    assert secret not in response.text
    assert secret not in client.get(f"/fit-connect/v1/destinations/{destination_id}").text
    created = _submit(django_capture_on_commit_callbacks, client, sender, destination_id)
    headers, body, received_at = receiver.received[0]
    assert (
        verify_callback(secret, headers, body, now=received_at)["submissions"][0]["submissionId"]
        == (created["submissionId"])
    )

    # null removes it; nothing is called any more.
    response = _patch(client, subscriber, destination_id, {"callback": None})
    assert response.status_code == 200
    assert response.json()["callback"] is None
    with scopes_disabled():
        assert not DestinationCallback.objects.exists()
        records = list(
            AuditRecord.objects.filter(action__startswith="fitconnect_callback").order_by("id")
        )
    # Audited with the client that changed it, never with the secret.
    assert [r.action for r in records] == ["fitconnect_callback.set", "fitconnect_callback.remove"]
    assert all(secret not in str(r.after) for r in records)
    assert records[0].after["client"] == records[1].after["client"]


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        (
            {"callback": {"url": "http://x.example/cb", "secret": "s" * 40}},
            422,
            "unprocessable-entity",
        ),
        (
            {"callback": {"url": "https://x.example/cb", "secret": "kurz"}},
            422,
            "unprocessable-entity",
        ),
        ({"callback": {"url": "https://x.example/cb"}}, 400, "invalid-request"),
        ({"callback": "https://x.example/cb"}, 400, "invalid-request"),
        ({"encryptionKid": "fremd"}, 422, "unprocessable-entity"),
        ({"status": "gelöscht"}, 400, "invalid-request"),
        ({}, 400, "invalid-request"),
    ],
)
def test_bad_destination_updates_are_problems_and_change_nothing(
    client, subscriber, destination_id, body, status, slug
):
    response = _patch(client, subscriber, destination_id, body)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + slug)
    with scopes_disabled():
        assert not DestinationCallback.objects.exists()
        assert Destination.objects.get(destination_id=destination_id).status == "active"


def test_only_the_destinations_subscriber_may_update_it(
    client, sender, member, other_member, destination_id, jwk_files
):
    body = {"callback": {"url": "https://x.example/cb", "secret": "s" * 40}}
    assert _patch(client, sender, destination_id, body).status_code == 403
    no_token = client.patch(
        f"/fit-connect/v1/destinations/{destination_id}",
        json.dumps(body),
        content_type="application/json",
    )
    assert no_token.status_code == 401
    enc_file, _sig_file = jwk_files
    other = run_json(
        "fitconnect_destination",
        "create",
        "--member",
        other_member.region_ars,
        "--leika",
        "99050012104000",
        "--public-key",
        str(enc_file),
    )["destinationId"]
    foreign = token_for(
        client,
        run_json(
            "fitconnect_client",
            "create",
            "--member",
            other_member.region_ars,
            "--role",
            "subscriber",
            "--destination",
            other,
        ),
    )
    assert _patch(client, foreign, destination_id, body).status_code == 403
    with scopes_disabled():
        assert not DestinationCallback.objects.exists()


def test_subscriber_deactivates_and_reactivates_its_destination(
    client, sender, subscriber, destination_id
):
    assert (
        _patch(client, subscriber, destination_id, {"status": "inactive"}).json()["status"]
        == "inactive"
    )
    refused = announce(client, sender, destination_id)
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/destination-state-invalid")
    assert _patch(client, subscriber, destination_id, {"status": "active"}).status_code == 200
    assert announce(client, sender, destination_id).status_code == 201
