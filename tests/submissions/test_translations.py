"""German texts of the submissions app go through gettext (so an English catalogue can
translate them): API errors, refusals of uploads, the expired-link message."""

import pytest
from django.utils import timezone

from openkommune.submissions.attachments import detect_content_type
from openkommune.submissions.constants import AttachmentType
from openkommune.submissions.models import Draft
from openkommune.submissions.selectors import draft_get_by_token
from openkommune.submissions.services import DraftExpired
from openkommune.submissions.services.uploads import _short_type
from tests.submissions.factories import make_offer, start
from tests.translation_probe import is_marked, marked_translations

URL = "/api/v1/applications"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "body", "code"),
    [
        ({}, {"form": "testantrag", "version": 1, "data": {}}, "idempotency_key_missing"),
        (
            {"Idempotency-Key": "ä" * 3},
            {"form": "testantrag", "version": 1, "data": {}},
            "idempotency_key_invalid",
        ),
        (
            {"Idempotency-Key": "k"},
            {"form": "gibtsnicht", "version": 1, "data": {}},
            "form_not_found",
        ),
    ],
)
def test_api_errors_are_translated(client, headers, body, code):
    with marked_translations():
        response = client.post(URL, body, content_type="application/json", headers=headers)
    error = response.json()["error"]
    assert error["code"] == code
    assert is_marked(error["message"]), error["message"]


@pytest.mark.parametrize(
    "head",
    [b"MZ\x90\x00", b"\x7fELF", b"PK\x03\x04", b"#!/bin/sh", b"<!DOCTYPE html><html>"],
)
def test_what_a_refused_file_is_gets_translated(head):
    with marked_translations():
        detection = detect_content_type(head, is_utf8_text=False)
    assert is_marked(detection.forbidden), detection.forbidden


@pytest.mark.parametrize(
    "content_type",
    [AttachmentType.PDF, AttachmentType.JPEG, AttachmentType.PNG, AttachmentType.TIFF],
)
def test_short_type_names_are_translated(content_type):
    with marked_translations():
        assert is_marked(_short_type(content_type))


@pytest.mark.django_db
def test_the_expired_link_message_is_translated():
    draft, token = start(make_offer())
    Draft.applicant_objects.filter(pk=draft.pk).update(resume_token_expires_at=timezone.now())
    with marked_translations(), pytest.raises(DraftExpired) as expired:
        draft_get_by_token(public_id=draft.public_id, token=token)
    assert is_marked(expired.value.message)
