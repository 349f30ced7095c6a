"""/api/v1/authority: downloads of the applicant's attachments, reply files and notice PDFs,
and the files of another case or organisation (404)."""

import hashlib

import pytest

from openkommune.cases.models import Message, Notice
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import private_media  # noqa: F401
from tests.delivery.factories import (
    NO_ID,
    api_auth,
    attachment_ids,
    case_with_files,
    notice_public_id,
    reply_file_ids,
)
from tests.submissions.factories import PDF_BYTES, PNG_BYTES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "mailoutbox")]

BASE = "/api/v1/authority/applications"


def test_reply_file_download(client, case, key):
    body = client.get(f"{BASE}/{case.reference}", headers=api_auth(key)).json()
    url = body["messages"][1]["attachments"][0]["url"].removeprefix("http://testserver")
    response = client.get(url, headers=api_auth(key))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "Impfpass.pdf" in response["Content-Disposition"]
    message_id, _attachment_id = reply_file_ids(case)
    bad = client.get(
        f"{BASE}/{case.reference}/messages/{message_id}/attachments/keine-uuid",
        headers=api_auth(key),
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "validation_error"
    missing = client.get(
        f"{BASE}/{case.reference}/messages/{message_id}/attachments/{NO_ID}", headers=api_auth(key)
    )
    assert missing.status_code == 404


def test_notice_pdf_download_is_not_the_applicants_retrieval(client, case, key):
    notice_id = notice_public_id(case)
    response = client.get(f"{BASE}/{case.reference}/notices/{notice_id}/pdf", headers=api_auth(key))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    with scopes_disabled():
        assert Notice.objects.get(public_id=notice_id).first_opened_at is None
    bad = client.get(f"{BASE}/{case.reference}/notices/keine-uuid/pdf", headers=api_auth(key))
    assert bad.status_code == 422
    missing = client.get(f"{BASE}/{case.reference}/notices/{NO_ID}/pdf", headers=api_auth(key))
    assert missing.status_code == 404


def test_attachment_download(client, case, key):
    ids = attachment_ids(case)
    response = client.get(
        f"{BASE}/{case.reference}/attachments/{ids['image/png']}", headers=api_auth(key)
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content == PNG_BYTES
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    pdf = client.get(
        f"{BASE}/{case.reference}/attachments/{ids['application/pdf']}", headers=api_auth(key)
    )
    assert (
        hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest()
        == hashlib.sha256(PDF_BYTES).hexdigest()
    )
    bad = client.get(f"{BASE}/{case.reference}/attachments/keine-uuid", headers=api_auth(key))
    assert bad.status_code == 422


# --- files of another case or organisation ----------------------------------------------


def test_an_attachment_of_another_case_is_404(client, offer, case, key):
    other = case_with_files(offer, name="Zweite Person", email="zweite@example.org")
    their_file = next(iter(attachment_ids(other).values()))
    response = client.get(
        f"{BASE}/{case.reference}/attachments/{their_file}", headers=api_auth(key)
    )
    assert response.status_code == 404


def test_reply_files_and_notices_of_another_organisation_are_404_under_our_reference(
    client, case, key, foreign_case
):
    """Their ids with our reference: still 404 (the files are looked up within our case)."""
    message_id, attachment_id = reply_file_ids(foreign_case)
    ours_message_id, ours_attachment_id = reply_file_ids(case)
    for url in (
        f"{BASE}/{case.reference}/messages/{message_id}/attachments/{attachment_id}",
        f"{BASE}/{case.reference}/messages/{ours_message_id}/attachments/{attachment_id}",
        f"{BASE}/{case.reference}/notices/{notice_public_id(foreign_case)}/pdf",
    ):
        response = client.get(url, headers=api_auth(key))
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    # Our file under another message of ours is not found either.
    question_id = _question_id(case)
    url = f"{BASE}/{case.reference}/messages/{question_id}/attachments/{ours_attachment_id}"
    assert client.get(url, headers=api_auth(key)).status_code == 404


def _question_id(case):
    with scopes_disabled():
        return Message.objects.get(case=case, direction="to_applicant").public_id
