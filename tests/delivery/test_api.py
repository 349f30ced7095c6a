"""/api/v1/authority: the Fachverfahren API with API keys. Every endpoint: happy path, bad
input, another organisation's reference (404), no/unknown/revoked key (401)."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from openkommune.cases.constants import CaseEventKind, CaseStatus
from openkommune.cases.models import Case, CaseEvent, Message, Notice
from openkommune.core.timezone import LOCAL_TZ, local_date
from openkommune.delivery.models import ApiKey
from openkommune.delivery.services import api_key_revoke
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope
from tests.cases.factories import private_media  # noqa: F401
from tests.delivery.factories import (
    NO_ID,
    api_auth,
    api_key_for,
    attachment_ids,
    notice_public_id,
    open_case,
    reply_file_ids,
)
from tests.submissions.factories import PDF_BYTES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "mailoutbox")]

BASE = "/api/v1/authority/applications"


def _all_endpoints(reference: str, attachment_id=NO_ID, reply_file=(NO_ID, NO_ID), notice=NO_ID):
    message_id, reply_attachment_id = reply_file
    return [
        ("get", f"{BASE}", None),
        ("get", f"{BASE}/{reference}", None),
        ("get", f"{BASE}/{reference}/attachments/{attachment_id}", None),
        (
            "get",
            f"{BASE}/{reference}/messages/{message_id}/attachments/{reply_attachment_id}",
            None,
        ),
        ("get", f"{BASE}/{reference}/notices/{notice}/pdf", None),
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
    attachment_id = next(iter(attachment_ids(case).values()))
    endpoints = _all_endpoints(
        case.reference, attachment_id, reply_file_ids(case), notice_public_id(case)
    )
    for method, url, body in endpoints:
        response = _call(client, method, url, body, headers)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
    with scope(tenant=case.tenant):
        assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_a_revoked_key_is_401(client, offer, case, key):
    assert client.get(BASE, headers=api_auth(key)).status_code == 200
    with scope(tenant=offer.tenant):
        api_key = ApiKey.objects.get()
    api_key_revoke(tenant=offer.tenant, actor=None, api_key=api_key)
    for method, url, body in _all_endpoints(case.reference):
        assert _call(client, method, url, body, api_auth(key)).status_code == 401


def test_a_session_login_is_not_enough(client, offer, case):
    from tests.cases.factories import clerk_of

    client.force_login(clerk_of(offer.tenant))
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{case.reference}").status_code == 401


def test_use_is_recorded_on_the_key(client, offer, case, key):
    client.get(BASE, headers=api_auth(key))
    with scope(tenant=offer.tenant):
        assert ApiKey.objects.get().last_used_at is not None


# --- tenant isolation ----------------------------------------------------------------------


def test_another_organisations_reference_is_404_everywhere(client, case, key, foreign_case):
    foreign_attachment = next(iter(attachment_ids(foreign_case).values()))
    endpoints = _all_endpoints(
        foreign_case.reference,
        foreign_attachment,
        reply_file_ids(foreign_case),
        notice_public_id(foreign_case),
    )
    for method, url, body in endpoints[1:]:
        response = _call(client, method, url, body, api_auth(key))
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    listing = client.get(BASE, headers=api_auth(key)).json()
    assert [item["reference"] for item in listing["items"]] == [case.reference]
    with scope(tenant=foreign_case.tenant):
        foreign = Case.objects.get(pk=foreign_case.pk)
        assert foreign.status == CaseStatus.RECEIVED
        # case_with_files made two messages and one notice; the calls added nothing.
        assert Message.objects.filter(case=foreign).count() == 2
        assert Notice.objects.filter(case=foreign).count() == 1


def test_the_foreign_key_sees_only_its_own(client, case, foreign_case):
    foreign_key = api_key_for(foreign_case.tenant)
    assert client.get(f"{BASE}/{case.reference}", headers=api_auth(foreign_key)).status_code == 404
    items = client.get(BASE, headers=api_auth(foreign_key)).json()["items"]
    assert [item["reference"] for item in items] == [foreign_case.reference]


# --- reads ---------------------------------------------------------------------------------


def test_list_is_paginated_and_filtered(client, offer, key):
    cases = [open_case(offer, name=f"Person {n}") for n in range(3)]
    response = client.get(BASE, {"limit": 2}, headers=api_auth(key))
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 3
    assert len(page["items"]) == 2
    rest = client.get(BASE, {"limit": 2, "offset": 2}, headers=api_auth(key)).json()
    assert len(rest["items"]) == 1
    seen = {item["reference"] for item in page["items"] + rest["items"]}
    assert seen == {c.reference for c in cases}
    from openkommune.cases.services import case_transition

    case_transition(tenant=offer.tenant, actor=None, case=cases[1], to=CaseStatus.IN_PROGRESS)
    only = client.get(BASE, {"status": "in_progress"}, headers=api_auth(key)).json()
    assert [item["reference"] for item in only["items"]] == [cases[1].reference]
    assert only["items"][0]["status_label"] == "in Bearbeitung"
    later = timezone.now() + datetime.timedelta(seconds=1)
    assert client.get(BASE, {"updated_since": later.isoformat()}, headers=api_auth(key)).json() == {
        "items": [],
        "total": 0,
    }
    earlier = timezone.now() - datetime.timedelta(hours=1)
    assert (
        client.get(BASE, {"updated_since": earlier.isoformat()}, headers=api_auth(key)).json()[
            "total"
        ]
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
    response = client.get(BASE, params, headers=api_auth(key))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["fields"]


def test_detail_has_data_attachments_messages_and_notices(client, case, key):
    response = client.get(f"{BASE}/{case.reference.lower()}", headers=api_auth(key))
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
    question, answer = body["messages"]
    assert question["attachments"] == []
    (reply_file,) = answer["attachments"]
    message_id, attachment_id = reply_file_ids(case)
    assert reply_file["id"] == str(attachment_id)
    assert reply_file["name"] == "Impfpass.pdf"
    assert reply_file["media_type"] == "application/pdf"
    assert reply_file["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert reply_file["url"] == (
        f"http://testserver{BASE}/{case.reference}/messages/{message_id}"
        f"/attachments/{attachment_id}"
    )
    notice = body["notices"][0]
    assert notice["decision"] == "approved"
    assert notice["delivered_on"] == notice["deemed_delivered_on"]
    assert notice["pdf_sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert notice["pdf_url"] == (
        f"http://testserver{BASE}/{case.reference}/notices/{notice['id']}/pdf"
    )


@pytest.mark.parametrize("reference", ["2026-MG-AAAA-BBBB", "kaputt", "2026-MG-AAAA"])
def test_unknown_or_malformed_reference_is_404(client, key, reference):
    response = client.get(f"{BASE}/{reference}", headers=api_auth(key))
    assert response.status_code == 404


# --- changes -------------------------------------------------------------------------------


def test_status_change_through_the_workflow_is_audited_with_the_key(client, offer, case, key):
    url = f"{BASE}/{case.reference}/status"
    response = client.post(
        url, {"status": "in_progress"}, content_type="application/json", headers=api_auth(key)
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
        url, {"status": "closed"}, content_type="application/json", headers=api_auth(key)
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "transition_not_allowed"
    assert "eingegangen" in error["message"]
    with scope(tenant=case.tenant):
        assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_missing_decision_or_reason_is_422_with_fields(client, case, key):
    url = f"{BASE}/{case.reference}/status"
    client.post(
        url, {"status": "in_progress"}, content_type="application/json", headers=api_auth(key)
    )
    response = client.post(
        url,
        {"status": "decided", "reason": "ok"},
        content_type="application/json",
        headers=api_auth(key),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "decision_required"
    assert "decision" in response.json()["error"]["fields"]
    response = client.post(
        url,
        {"status": "decided", "decision": "approved"},
        content_type="application/json",
        headers=api_auth(key),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "reason_required"
    response = client.post(
        url, {"status": "nirgendwo"}, content_type="application/json", headers=api_auth(key)
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
        headers=api_auth(key),
    )
    assert response.status_code == 201
    assert response.json()["direction"] == "to_applicant"
    assert response.json()["attachments"] == []
    with scope(tenant=offer.tenant):
        assert Case.objects.get(pk=fresh.pk).status == CaseStatus.INFORMATION_REQUESTED
        assert Message.objects.filter(case=fresh).count() == 1
        events = list(CaseEvent.objects.filter(case=fresh).exclude(kind=CaseEventKind.OPENED))
    # Every event of the change names the key: the status changes and the message itself.
    assert {e.kind for e in events} == {CaseEventKind.STATUS_CHANGED, CaseEventKind.MESSAGE_SENT}
    assert all(e.payload["via"].startswith("API-Schlüssel „Fachverfahren (Test)“") for e in events)
    empty = client.post(url, {"body": ""}, content_type="application/json", headers=api_auth(key))
    assert empty.status_code == 422


def test_notice_decides_and_a_second_one_is_409(client, offer, key):
    fresh = open_case(offer)
    url = f"{BASE}/{fresh.reference}/notices"
    response = client.post(
        url,
        {"decision": "approved", "reason": "Alle Voraussetzungen erfüllt."},
        content_type="application/json",
        headers=api_auth(key),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"] == "approved"
    made = datetime.datetime.fromisoformat(body["made_available_at"])
    deemed = local_date(made) + datetime.timedelta(days=4)
    assert body["deemed_delivered_on"] == deemed.isoformat()
    assert body["delivered_on"] == deemed.isoformat()
    assert body["pdf_url"].endswith(f"/notices/{body['id']}/pdf")
    with scope(tenant=offer.tenant):
        assert Case.objects.get(pk=fresh.pk).status == CaseStatus.DECIDED
        events = list(CaseEvent.objects.filter(case=fresh).exclude(kind=CaseEventKind.OPENED))
    assert {e.kind for e in events} == {CaseEventKind.STATUS_CHANGED, CaseEventKind.NOTICE_ISSUED}
    assert all(e.payload["via"].startswith("API-Schlüssel „Fachverfahren (Test)“") for e in events)
    again = client.post(
        url,
        {"decision": "rejected", "reason": "doch nicht"},
        content_type="application/json",
        headers=api_auth(key),
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "transition_not_allowed"
    # The same decision again would be a second notice for one decision: 409 as well.
    same = client.post(
        url,
        {"decision": "approved", "reason": "Alle Voraussetzungen erfüllt."},
        content_type="application/json",
        headers=api_auth(key),
    )
    assert same.status_code == 409
    error = same.json()["error"]
    assert error["code"] == "notice_already_issued"
    assert "bereits ein Bescheid" in error["message"]
    assert "decision" in error["fields"]
    with scope(tenant=offer.tenant):
        assert Notice.objects.filter(case=fresh).count() == 1
    bad = client.post(
        url,
        {"decision": "vielleicht", "reason": "x"},
        content_type="application/json",
        headers=api_auth(key),
    )
    assert bad.status_code == 422


def test_updated_since_without_zone_is_german_time(client, offer, key):
    open_case(offer)
    now_berlin = timezone.now().astimezone(LOCAL_TZ).replace(tzinfo=None)
    earlier = (now_berlin - datetime.timedelta(minutes=5)).isoformat()
    later = (now_berlin + datetime.timedelta(minutes=5)).isoformat()
    assert client.get(BASE, {"updated_since": earlier}, headers=api_auth(key)).json()["total"] == 1
    assert client.get(BASE, {"updated_since": later}, headers=api_auth(key)).json()["total"] == 0
