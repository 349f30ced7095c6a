"""The platform as a FIT-Connect sender to an EXTERNAL Zustelldienst (ADR 0043, outbound.py).

The Zustelldienst is a separate process: the platform's own Submission API served by
gunicorn on a database of its own (tests/fitconnect/standin.py) — our implementation of
FITKO's documented API, not FITKO's. The platform under test reaches it only over HTTP with
the member's sender credentials; the Node `jose` subscriber picks up there, decrypts, checks
the hashes and accepts; the platform reads the event log, verifies the SETs and the citizen
sees "angenommen". Bad cases: the service down (retries, nothing lost), a key of the wrong
size or use (refused, case flagged), credentials refused."""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from openkommune.cases.models import Case
from openkommune.fitconnect import outbound
from openkommune.fitconnect.models import ExternalDestination, OutboundSubmission
from openkommune.fitconnect.panels import receipt_panel
from openkommune.submissions.models import Application
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import clerk_of
from tests.fitconnect.bridge import run_program
from tests.fitconnect.conftest import public_encryption_jwk, public_signature_jwk
from tests.fitconnect.own_applications import (
    apply_through_pages,
    case_url,
    offer_with_destination,
    status_page,
)
from tests.submissions.factories import HUNDESTEUER_LEIKA, PDF_BYTES, private_media  # noqa: F401
from tests.support.postgres_cluster import free_port
from tests.support.processes import ROOT, platform_environment, web_server

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]
SUBSCRIBER = Path(__file__).with_name("subscriber.mjs")
EVENTS = "https://schema.fitko.de/fit-connect/events/"


class StandIn:
    """The stand-in Zustelldienst: its base URL and a way to register destinations there."""

    def __init__(self, base_url: str, environment: dict):
        self.base_url = base_url
        self.api_url = base_url + "/fit-connect"
        self.token_url = base_url + "/fit-connect/token"
        self.environment = environment

    def destination(self, subscriber_keys, *flags: str) -> dict:
        encryption, signing = subscriber_keys
        given = {
            "leika": HUNDESTEUER_LEIKA,
            "enc": public_encryption_jwk(encryption),
            "sig": public_signature_jwk(signing),
        }
        return _standin_command(self.environment, "destination", *flags, stdin=json.dumps(given))


def _standin_command(environment: dict, *args: str, stdin: str = "") -> dict:
    result = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "tests.fitconnect.standin", *args],
        env=environment | {"DJANGO_SETTINGS_MODULE": "tests.fitconnect.standin_settings"},
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    directory = tmp_path_factory.mktemp("standin")
    environment = platform_environment(
        f"sqlite:///{directory / 'zustelldienst.sqlite3'}",
        OPENKOMMUNE_VIRUS_SCANNER="openkommune.submissions.virus_scan.NoOpScanner",
        OPENKOMMUNE_TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
    )
    environment["PYTHONPATH"] = f"{ROOT}{os.pathsep}{ROOT / 'src'}"
    _standin_command(environment, "setup")
    with web_server(environment, directory, workers=1) as web:
        yield StandIn(web.base_url, environment)


def _route(standin: StandIn, tenant, registered: dict, **overrides) -> ExternalDestination:
    options = {
        "tenant": tenant,
        "leika_keys": [HUNDESTEUER_LEIKA],
        "destination_id": registered["destinationId"],
        "api_url": standin.api_url,
        "token_url": standin.token_url,
        "client_id": registered["sender"]["id"],
        "secret": registered["sender"]["secret"],
    } | overrides
    return outbound.create_external_destination(**options)


def _outbound(application) -> OutboundSubmission:
    with scopes_disabled():
        return OutboundSubmission.objects.select_related("route").get(
            application_public_id=application.public_id
        )


def _data(application) -> dict:
    with scopes_disabled():
        return Application.applicant_objects.get(pk=application.pk).data


def _jobs(name: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith=name).order_by("enqueued_at"))


def _staff_page(client, tenant, application) -> str:
    with scopes_disabled():
        case = Case.objects.get(application=application)
    client.force_login(clerk_of(tenant))
    page = client.get(case_url(case))
    assert page.status_code == 200
    return page.text


def test_a_citizens_application_goes_to_the_external_zustelldienst_and_is_accepted(
    client, standin, subscriber_keys
):
    node = shutil.which("node")
    assert node, "Node.js is part of the development set-up (package.json)"
    decryption_key, signing_key = subscriber_keys
    registered = standin.destination(subscriber_keys)
    offer, _none = offer_with_destination(subscriber_keys, destination=False)
    route = _route(standin, offer.tenant, registered)
    secret = registered["sender"]["secret"]

    application, status_url = apply_through_pages(client, name="Erika Demo")
    delivery = _outbound(application)
    assert delivery.state == "pending"
    with scopes_disabled():
        stored = Application.applicant_objects.get(pk=application.pk)
    assert not stored.receipt_pending  # no receipt PDF with the answers
    assert 'id="fachverfahren-extern"' in receipt_panel(stored)  # the receipt page says why
    # The submit queued the delivery; until it ran, the answers are here and nothing is lost.
    (queued,) = _jobs("deliver_outbound")
    assert queued.args_kwargs["kwargs"] == {"outbound_id": delivery.pk}
    assert _data(application)["name"] == "Erika Demo"
    assert 'id="zustellung-wird-zugestellt"' in status_page(status_url)

    assert outbound.deliver(delivery.pk) == "submitted"
    delivery = _outbound(application)
    assert delivery.state == "submitted"
    assert delivery.remote_submission_id
    assert delivery.remote_case_id
    # FITKO: a sender keeps the contents until the accept (to correct a rejected one).
    assert _data(application)["name"] == "Erika Demo"
    page = status_page(status_url)
    assert 'id="zustellung-zugestellt"' in page
    assert 'id="zustellung-ausstehend"' in page
    (poll_job,) = _jobs("poll_outbound")
    assert poll_job.args_kwargs["kwargs"] == {"outbound_id": delivery.pk, "attempt": 1}
    # Not answered yet: the poll finds the Zustelldienst's own two events and asks again.
    assert outbound.poll(delivery.pk, 1) == "poll again: no answer yet"
    assert [e["event"] for e in _outbound(application).events] == [
        "create-submission",
        "submit-submission",
    ]

    # The Fachverfahren (Node, npm `jose`) picks up at the Zustelldienst, not at the platform;
    # only the data schema comes from the platform (through the bridge).
    env = {
        "PATH": os.environ.get("PATH", ""),
        "FC_BASE": standin.api_url,
        "FC_CLIENT_ID": registered["subscriber"]["id"],
        "FC_CLIENT_SECRET": registered["subscriber"]["secret"],
        "FC_DESTINATION_ID": registered["destinationId"],
        "FC_DECRYPTION_JWK": json.dumps(
            decryption_key.export(as_dict=True) | {"alg": "RSA-OAEP-256"}
        ),
        "FC_SIGNING_JWK": json.dumps(signing_key.export(as_dict=True) | {"alg": "PS512"}),
    }
    result = run_program([node, str(SUBSCRIBER)], env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["totalCount"] == 1
    (accepted,) = report["accepted"]
    assert accepted["submissionId"] == str(delivery.remote_submission_id)
    assert accepted["data"]["name"] == "Erika Demo"
    assert accepted["attachments"] == {
        accepted["data"]["nachweis"]: hashlib.sha512(PDF_BYTES).hexdigest()
    }
    assert accepted["schemaTitle"] == offer.version.data_schema["title"]
    assert accepted["reference"] == application.reference
    assert accepted["service"] == f"urn:de:fim:leika:leistung:{HUNDESTEUER_LEIKA}"

    assert outbound.poll(delivery.pk, 2) == "accept-submission"
    delivery = _outbound(application)
    assert delivery.state == "accepted"
    assert _data(application) == {}  # sealed once the Fachverfahren has accepted it
    assert [(e["event"], e["by"]) for e in delivery.events] == [
        ("create-submission", "zustelldienst"),
        ("submit-submission", "zustelldienst"),
        ("accept-submission", "fachverfahren"),
    ]
    page = status_page(status_url)
    assert 'id="zustellung-angenommen"' in page
    assert "Angenommen" in page
    staff = _staff_page(client, offer.tenant, application)
    assert "über externen Zustelldienst an Fachverfahren zugestellt" in staff
    assert "vom Fachverfahren angenommen" in staff
    assert "Erika Demo" not in staff

    # The sender secret is nowhere in plain text: not in the row, the audit, the page.
    with scopes_disabled():
        stored = ExternalDestination.objects.get(pk=route.pk)
        audit = json.dumps(list(AuditRecord.objects.values("before", "after")), default=str)
    assert secret not in stored.client_secret_sealed
    assert outbound.client_secret(stored) == secret
    assert secret not in audit
    assert secret not in staff


class _Proxy:
    """A TCP forwarder on `port` to the stand-in: "the service comes back" at the same URL."""

    def __init__(self, port: int, target: int):
        self.server = socket.create_server(("127.0.0.1", port))
        self.target = target
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        with contextlib.suppress(OSError):
            while True:
                near, _address = self.server.accept()
                far = socket.create_connection(("127.0.0.1", self.target))
                for a, b in ((near, far), (far, near)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self):
        self.server.close()


def test_while_the_zustelldienst_is_down_the_delivery_waits_and_nothing_is_lost(
    client, standin, subscriber_keys
):
    registered = standin.destination(subscriber_keys)
    offer, _none = offer_with_destination(subscriber_keys, destination=False)
    port = free_port()  # nothing listens there yet
    down = f"http://127.0.0.1:{port}/fit-connect"
    _route(standin, offer.tenant, registered, api_url=down, token_url=down + "/token")
    application, status_url = apply_through_pages(client, name="Erika Demo")
    delivery = _outbound(application)

    before = datetime.datetime.now(tz=datetime.UTC)
    assert outbound.deliver(delivery.pk).startswith("retry: ")
    again = _outbound(application)
    assert (again.state, again.attempts) == ("pending", 1)
    assert "nicht erreichbar" in again.problem
    retry_job = _jobs("deliver_outbound")[-1]
    assert retry_job.run_after >= before + outbound.FIRST_PAUSE
    assert _data(application)["name"] == "Erika Demo"  # nothing lost, nothing sealed
    assert 'id="zustellung-wird-zugestellt"' in status_page(status_url)
    assert "Letzter Versuch" in _staff_page(client, offer.tenant, application)

    proxy = _Proxy(port, int(standin.base_url.rsplit(":", 1)[1]))
    try:
        assert outbound.deliver(delivery.pk) == "submitted"
    finally:
        proxy.close()
    assert _outbound(application).state == "submitted"
    assert _data(application)["name"] == "Erika Demo"
    assert 'id="zustellung-zugestellt"' in status_page(status_url)


@pytest.mark.parametrize(
    ("flag", "message"),
    [("--weak-key", "zu kurz: 2048 Bit"), ("--wrong-use", 'key_ops ["wrapKey"]')],
)
def test_a_key_of_the_wrong_size_or_use_is_refused_and_the_case_flagged(
    client, standin, subscriber_keys, flag, message
):
    registered = standin.destination(subscriber_keys, flag)
    offer, _none = offer_with_destination(subscriber_keys, destination=False)
    _route(standin, offer.tenant, registered)
    application, status_url = apply_through_pages(client, name="Erika Demo")
    delivery = _outbound(application)

    result = outbound.deliver(delivery.pk)
    assert result.startswith("failed: ")
    failed = _outbound(application)
    assert failed.state == "failed"
    assert message in failed.problem
    assert failed.remote_submission_id is None  # nothing was sent
    assert len(_jobs("deliver_outbound")) == 1  # and it is not retried
    assert _data(application)["name"] == "Erika Demo"  # the back office has it
    staff = _staff_page(client, offer.tenant, application)
    assert 'id="fachverfahren-gescheitert"' in staff
    assert message.replace('"', "&quot;") in staff
    assert "Erika Demo" in staff
    assert 'id="zustellung-gescheitert"' in status_page(status_url)
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="fitconnect_outbound.failed").exists()


def test_refused_credentials_end_the_delivery_without_showing_the_secret(
    client, standin, subscriber_keys
):
    registered = standin.destination(subscriber_keys)
    offer, _none = offer_with_destination(subscriber_keys, destination=False)
    wrong = "falsches-secret-" + base64.urlsafe_b64encode(os.urandom(12)).decode()
    _route(standin, offer.tenant, registered, secret=wrong)
    application, _status = apply_through_pages(client)
    delivery = _outbound(application)

    assert outbound.deliver(delivery.pk).startswith("failed: ")
    failed = _outbound(application)
    assert failed.state == "failed"
    assert "Token-Endpunkt lehnt die Zugangsdaten des Senders ab (HTTP 401)" in failed.problem
    assert wrong not in failed.problem
    assert failed.remote_submission_id is None

    # The administrator fixes the secret; the delivery is repeated and gets through.
    with scopes_disabled():
        route = ExternalDestination.objects.get(pk=failed.route_id)
    outbound.set_external_secret(route, registered["sender"]["secret"])
    outbound.retry(failed)
    assert outbound.deliver(failed.pk) == "submitted"


def test_a_reject_from_the_fachverfahren_keeps_the_application_in_the_back_office(
    client, standin, subscriber_keys
):
    """The subscriber (here Python with jwcrypto, straight over HTTP at the stand-in) rejects
    with a reason: the citizen sees it, the case is flagged and the answers are still there."""
    import time
    import uuid

    import requests
    from jwcrypto import jws

    _encryption, signing = subscriber_keys
    registered = standin.destination(subscriber_keys)
    offer, _none = offer_with_destination(subscriber_keys, destination=False)
    _route(standin, offer.tenant, registered)
    application, status_url = apply_through_pages(client, name="Erika Demo")
    delivery = _outbound(application)
    assert outbound.deliver(delivery.pk) == "submitted"
    delivery = _outbound(application)

    token = requests.post(
        standin.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": registered["subscriber"]["id"],
            "client_secret": registered["subscriber"]["secret"],
        },
        timeout=30,
    ).json()["access_token"]
    claims = {
        "jti": str(uuid.uuid4()),
        "iat": int(time.time()),
        "iss": registered["destinationId"],
        "sub": f"submission:{delivery.remote_submission_id}",
        "txn": f"case:{delivery.remote_case_id}",
        "events": {
            EVENTS + "reject-submission": {
                "problems": [
                    {
                        "type": "https://schema.fitko.de/fit-connect/events/problems/x",
                        "title": "Anlage unleserlich",
                        "detail": "Der Nachweis ist nicht lesbar.",
                    }
                ]
            }
        },
    }
    reject = jws.JWS(json.dumps(claims).encode())
    reject.add_signature(
        signing,
        alg="PS512",
        protected=json.dumps({"alg": "PS512", "typ": "secevent+jwt", "kid": signing.get("kid")}),
    )
    posted = requests.post(
        f"{standin.api_url}/v1/cases/{delivery.remote_case_id}/events",
        data=reject.serialize(compact=True),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/jose"},
        timeout=30,
    )
    assert posted.status_code == 204, posted.text

    assert outbound.poll(delivery.pk, 1) == "reject-submission"
    assert _outbound(application).state == "rejected"
    assert _data(application)["name"] == "Erika Demo"
    page = status_page(status_url)
    assert 'id="zustellung-abgelehnt"' in page
    assert "Der Nachweis ist nicht lesbar." in page
    staff = _staff_page(client, offer.tenant, application)
    assert 'id="fachverfahren-abgelehnt"' in staff
    assert "Der Nachweis ist nicht lesbar." in staff
