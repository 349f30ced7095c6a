"""/api/v1/authority: the Fachverfahren API with API keys. Every endpoint: happy path, bad
input, another organisation's reference (404), no/unknown/revoked key (401)."""

import datetime
import hashlib
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from openkommune.cases.constants import CaseEventKind, CaseStatus
from openkommune.cases.models import Case, CaseEvent, Message, Notice
from openkommune.delivery.models import ApiKey
from openkommune.delivery.services import api_key_revoke
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.cases.factories import private_media  # noqa: F401
from tests.delivery.factories import api_key_for, case_with_files, foreign_offer, open_case
from tests.submissions.factories import PDF_BYTES, PNG_BYTES, make_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "mailoutbox")]

BASE = "/api/v1/authority/applications"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def offer():
    return make_offer()


@pytest.fixture
def key(offer):
    return api_key_for(offer.tenant)


@pytest.fixture
def case(offer):
    return case_with_files(offer)


@pytest.fixture
def foreign_case(offer):
    """A case (with files) of another member."""
    case = case_with_files(foreign_offer(offer), name="Fremde Person", email="fremd@example.org")
    assert case.tenant != offer.tenant
    return case


def _auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def _attachment_ids(case):
    with scopes_disabled():
        from openkommune.submissions.models import Attachment

        return {
            a.content_type: a.public_id
            for a in Attachment.objects.filter(application_id=case.application_id)
        }


def _all_endpoints(reference: str, attachment_id="00000000-0000-0000-0000-000000000000"):
    return [
        ("get", f"{BASE}", None),
        ("get", f"{BASE}/{reference}", None),
        ("get", f"{BASE}/{reference}/attachments/{attachment_id}", None),
        ("post", f"{BASE}/{reference}/status", {"status": "in_progress"}),
        ("post", f"{BASE}/{reference}/messages", {"body": "Frage"}),
        ("post", f"{BASE}/{reference}/notices", {"decision": "approved", "reason": "ok"}),
    ]


def _call(client, method, url, body, headers):
    if method == "get":
        return client.get(url, headers=headers)
    return client.post(url, body, content_type="application/json", headers=headers)


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer okk_000000000000_" + "A" * 43},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer ganz-falsch"},
    ],
)
def test_without_a_valid_key_every_endpoint_is_401(client, case, headers):
    attachment_id = next(iter(_attachment_ids(case).values()))
    for method, url, body in _all_endpoints(case.reference, attachment_id):
        response = _call(client, method, url, body, headers)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
    with scope(tenant=case.tenant):
        assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_a_revoked_key_is_401(client, offer, case, key):
    assert client.get(BASE, headers=_auth(key)).status_code == 200
    with scope(tenant=offer.tenant):
        api_key = ApiKey.objects.get()
    api_key_revoke(tenant=offer.tenant, actor=None, api_key=api_key)
    for method, url, body in _all_endpoints(case.reference):
        assert _call(client, method, url, body, _auth(key)).status_code == 401


def test_a_session_login_is_not_enough(client, offer, case):
    from tests.cases.factories import clerk_of

    client.force_login(clerk_of(offer.tenant))
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{case.reference}").status_code == 401


def test_use_is_recorded_on_the_key(client, offer, case, key):
    client.get(BASE, headers=_auth(key))
    with scope(tenant=offer.tenant):
        assert ApiKey.objects.get().last_used_at is not None


# --- tenant isolation ----------------------------------------------------------------------


def test_another_organisations_reference_is_404_everywhere(client, case, key, foreign_case):
    foreign_attachment = next(iter(_attachment_ids(foreign_case).values()))
    for method, url, body in _all_endpoints(foreign_case.reference, foreign_attachment)[1:]:
        response = _call(client, method, url, body, _auth(key))
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    listing = client.get(BASE, headers=_auth(key)).json()
    assert [item["reference"] for item in listing["items"]] == [case.reference]
    with scope(tenant=foreign_case.tenant):
        foreign = Case.objects.get(pk=foreign_case.pk)
        assert foreign.status == CaseStatus.RECEIVED
        # case_with_files made two messages and one notice; the calls added nothing.
        assert Message.objects.filter(case=foreign).count() == 2
        assert Notice.objects.filter(case=foreign).count() == 1


def test_an_attachment_of_another_case_is_404(client, offer, case, key):
    other = case_with_files(offer, name="Zweite Person", email="zweite@example.org")
    their_file = next(iter(_attachment_ids(other).values()))
    response = client.get(f"{BASE}/{case.reference}/attachments/{their_file}", headers=_auth(key))
    assert response.status_code == 404


def test_the_foreign_key_sees_only_its_own(client, case, foreign_case):
    foreign_key = api_key_for(foreign_case.tenant)
    assert client.get(f"{BASE}/{case.reference}", headers=_auth(foreign_key)).status_code == 404
    items = client.get(BASE, headers=_auth(foreign_key)).json()["items"]
    assert [item["reference"] for item in items] == [foreign_case.reference]


# --- reads ---------------------------------------------------------------------------------


def test_list_is_paginated_and_filtered(client, offer, key):
    cases = [open_case(offer, name=f"Person {n}") for n in range(3)]
    response = client.get(BASE, {"limit": 2}, headers=_auth(key))
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 3
    assert len(page["items"]) == 2
    rest = client.get(BASE, {"limit": 2, "offset": 2}, headers=_auth(key)).json()
    assert len(rest["items"]) == 1
    seen = {item["reference"] for item in page["items"] + rest["items"]}
    assert seen == {c.reference for c in cases}
    from openkommune.cases.services import case_transition

    case_transition(tenant=offer.tenant, actor=None, case=cases[1], to=CaseStatus.IN_PROGRESS)
    only = client.get(BASE, {"status": "in_progress"}, headers=_auth(key)).json()
    assert [item["reference"] for item in only["items"]] == [cases[1].reference]
    assert only["items"][0]["status_label"] == "in Bearbeitung"
    later = timezone.now() + datetime.timedelta(seconds=1)
    assert client.get(BASE, {"updated_since": later.isoformat()}, headers=_auth(key)).json() == {
        "items": [],
        "total": 0,
    }
    earlier = timezone.now() - datetime.timedelta(hours=1)
    assert (
        client.get(BASE, {"updated_since": earlier.isoformat()}, headers=_auth(key)).json()["total"]
        == 3
    )


@pytest.mark.parametrize(
    "params",
    [
        {"status": "erfunden"},
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"updated_since": "gestern"},
    ],
)
def test_list_with_bad_parameters_is_422(client, key, params):
    response = client.get(BASE, params, headers=_auth(key))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["fields"]


def test_detail_has_data_attachments_messages_and_notices(client, case, key):
    response = client.get(f"{BASE}/{case.reference.lower()}", headers=_auth(key))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == case.reference
    assert body["applicant_name"] == "Erika Mustermann"
    assert body["applicant_email"] == "erika.mustermann@example.org"
    assert body["data"]["name"] == "Erika Mustermann"
    assert body["form"] == {"key": "testantrag", "version": 1}
    assert {a["media_type"] for a in body["attachments"]} == {"application/pdf", "image/png"}
    assert all(
        a["url"].startswith("http://testserver/api/v1/authority/") for a in body["attachments"]
    )
    assert [m["direction"] for m in body["messages"]] == ["to_applicant", "from_applicant"]
    assert body["notices"][0]["decision"] == "approved"
    assert body["notices"][0]["delivered_on"] == body["notices"][0]["deemed_delivered_on"]


@pytest.mark.parametrize("reference", ["2026-MG-AAAA-BBBB", "kaputt", "2026-MG-AAAA"])
def test_unknown_or_malformed_reference_is_404(client, key, reference):
    response = client.get(f"{BASE}/{reference}", headers=_auth(key))
    assert response.status_code == 404


def test_attachment_download(client, case, key):
    ids = _attachment_ids(case)
    response = client.get(
        f"{BASE}/{case.reference}/attachments/{ids['image/png']}", headers=_auth(key)
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content == PNG_BYTES
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    pdf = client.get(
        f"{BASE}/{case.reference}/attachments/{ids['application/pdf']}", headers=_auth(key)
    )
    assert (
        hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest()
        == hashlib.sha256(PDF_BYTES).hexdigest()
    )
    bad = client.get(f"{BASE}/{case.reference}/attachments/keine-uuid", headers=_auth(key))
    assert bad.status_code == 422


# --- changes -------------------------------------------------------------------------------


def test_status_change_through_the_workflow_is_audited_with_the_key(client, offer, case, key):
    url = f"{BASE}/{case.reference}/status"
    response = client.post(
        url, {"status": "in_progress"}, content_type="application/json", headers=_auth(key)
    )
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    with scope(tenant=offer.tenant):
        event = CaseEvent.objects.filter(case=case, kind=CaseEventKind.STATUS_CHANGED).get()
        records = AuditRecord.objects.filter(action="api_key.use")
        assert records.get().after == {"action": "case.transition", "case": str(case.public_id)}
    assert event.actor is None
    assert event.payload["via"].startswith("API-Schlüssel „Fachverfahren (Test)“")


def test_forbidden_transition_is_409_in_the_error_shape(client, case, key):
    url = f"{BASE}/{case.reference}/status"
    response = client.post(
        url, {"status": "closed"}, content_type="application/json", headers=_auth(key)
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "transition_not_allowed"
    assert "eingegangen" in error["message"]
    with scope(tenant=case.tenant):
        assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_missing_decision_or_reason_is_422_with_fields(client, case, key):
    url = f"{BASE}/{case.reference}/status"
    client.post(url, {"status": "in_progress"}, content_type="application/json", headers=_auth(key))
    response = client.post(
        url,
        {"status": "decided", "reason": "ok"},
        content_type="application/json",
        headers=_auth(key),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "decision_required"
    assert "decision" in response.json()["error"]["fields"]
    response = client.post(
        url,
        {"status": "decided", "decision": "approved"},
        content_type="application/json",
        headers=_auth(key),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "reason_required"
    response = client.post(
        url, {"status": "nirgendwo"}, content_type="application/json", headers=_auth(key)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_message_puts_the_case_into_information_requested(client, offer, key, mailoutbox):
    fresh = open_case(offer)
    url = f"{BASE}/{fresh.reference}/messages"
    response = client.post(
        url,
        {"body": "Bitte senden Sie den Impfpass."},
        content_type="application/json",
        headers=_auth(key),
    )
    assert response.status_code == 201
    assert response.json()["direction"] == "to_applicant"
    with scope(tenant=offer.tenant):
        assert Case.objects.get(pk=fresh.pk).status == CaseStatus.INFORMATION_REQUESTED
        assert Message.objects.filter(case=fresh).count() == 1
    empty = client.post(url, {"body": ""}, content_type="application/json", headers=_auth(key))
    assert empty.status_code == 422


def test_notice_decides_and_a_second_one_is_409(client, offer, key):
    fresh = open_case(offer)
    url = f"{BASE}/{fresh.reference}/notices"
    response = client.post(
        url,
        {"decision": "approved", "reason": "Alle Voraussetzungen erfüllt."},
        content_type="application/json",
        headers=_auth(key),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"] == "approved"
    made = datetime.datetime.fromisoformat(body["made_available_at"])
    deemed = made.astimezone(BERLIN).date() + datetime.timedelta(days=4)
    assert body["deemed_delivered_on"] == deemed.isoformat()
    assert body["delivered_on"] == deemed.isoformat()
    with scope(tenant=offer.tenant):
        assert Case.objects.get(pk=fresh.pk).status == CaseStatus.DECIDED
    again = client.post(
        url,
        {"decision": "rejected", "reason": "doch nicht"},
        content_type="application/json",
        headers=_auth(key),
    )
    assert again.status_code == 409
    bad = client.post(
        url,
        {"decision": "vielleicht", "reason": "x"},
        content_type="application/json",
        headers=_auth(key),
    )
    assert bad.status_code == 422


def test_updated_since_without_zone_is_german_time(client, offer, key):
    open_case(offer)
    now_berlin = timezone.now().astimezone(BERLIN).replace(tzinfo=None)
    earlier = (now_berlin - datetime.timedelta(minutes=5)).isoformat()
    later = (now_berlin + datetime.timedelta(minutes=5)).isoformat()
    assert client.get(BASE, {"updated_since": earlier}, headers=_auth(key)).json()["total"] == 1
    assert client.get(BASE, {"updated_since": later}, headers=_auth(key)).json()["total"] == 0
