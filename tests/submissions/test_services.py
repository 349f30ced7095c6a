"""Drafts: start and routing, refusal where the service is not offered, saving steps,
resume tokens and the resume-link e-mail."""

import datetime
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.core import outbox
from openkommune.regions.selectors import gemeinden_for_postcode
from openkommune.submissions.constants import RESUME_LINK_COOLDOWN_MINUTES
from openkommune.submissions.models import Draft
from openkommune.submissions.selectors import draft_get_by_token, draft_get_for_user
from openkommune.submissions.services import (
    DraftAlreadySubmitted,
    DraftExpired,
    ResumeLinkThrottled,
    ServiceNotOffered,
    SubmitInvalid,
    application_submit,
    draft_attach_file,
    draft_resume_token,
    draft_save_step,
    draft_send_resume_link,
    draft_set_data,
    draft_start,
    drafts_delete_expired,
)
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.submissions.factories import (
    BARLEBEN_POSTCODE,
    PNG_BYTES,
    fill,
    make_offer,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "submissions_only")]


@pytest.fixture
def offer():
    return make_offer()


def test_anonymous_draft_is_routed_and_gets_a_resume_token_once(offer):
    draft, token = start(offer)
    assert draft.tenant == offer.tenant
    assert draft.user is None
    assert draft.current_step == "person"
    assert draft.gemeinde_ars == offer.gemeinde.ars
    assert len(token) == 43
    assert token not in (draft.resume_token_hash, draft.resume_token_salt)
    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs(draft.resume_token_expires_at - expected) < datetime.timedelta(minutes=1)
    assert draft_get_by_token(public_id=draft.public_id, token=token) == draft
    assert draft_resume_token(draft) == token  # the same link again, for the pages
    with scope(tenant=offer.tenant):
        record = AuditRecord.objects.get(action="draft.start")
    assert record.after["ozg_id"] == "10160"


def test_draft_of_a_logged_in_user_has_no_token(offer):
    user = UserFactory()
    draft, token = start(offer, user=user, email=None)
    assert token is None
    assert draft.user == user
    assert draft.email == user.email
    assert draft_get_for_user(user=user, public_id=draft.public_id) == draft
    assert draft_resume_token(draft) is None


def test_refused_where_the_member_has_not_switched_the_service_on():
    offer = make_offer(active=False)
    with pytest.raises(ServiceNotOffered) as refused:
        start(offer)
    message = refused.value.message
    assert "„Hundehaltung“" in message
    assert "für Magdeburg" in message
    assert "Landeshauptstadt Magdeburg (Test)" in message
    assert "hundesteuer@magdeburg.example.org" in message
    assert not Draft.applicant_objects.exists()


def test_refused_where_the_responsible_authority_is_not_a_member(offer):
    barleben = gemeinden_for_postcode(postcode=BARLEBEN_POSTCODE)[0]
    with pytest.raises(ServiceNotOffered) as refused:
        draft_start(
            actor=None,
            form_version=offer.version,
            ozg_leistung=offer.leistung,
            gemeinde=barleben,
        )
    assert "für Barleben" in refused.value.message
    assert "Gemeinde Barleben" in refused.value.message
    assert "Verwaltungssitz" in refused.value.message
    assert not Draft.applicant_objects.exists()


def test_refused_for_a_form_of_another_leistung(offer):
    with pytest.raises(ServiceNotOffered, match="kein Online-Formular"):
        draft_start(
            actor=None,
            form_version=offer.version,
            ozg_leistung=ozg_leistung_get(ozg_id="10124"),  # Meldewesen
            gemeinde=offer.gemeinde,
        )


def test_invalid_email_is_refused_with_a_field_message(offer):
    with pytest.raises(SubmitInvalid) as refused:
        start(offer, email="keine-adresse")
    assert refused.value.fields == {"email": ["Bitte geben Sie eine gültige E-Mail-Adresse an."]}
    assert not refused.value.data_paths


def test_saving_a_step_keeps_invalid_input_and_reports_errors(offer):
    draft, _ = start(offer)
    too_long = "x" * 150
    validation = draft_save_step(
        draft=draft, step_id="person", raw_fragment={"name": too_long, "beginn": "31.02.2026"}
    )
    assert set(validation.errors) == {"name", "beginn"}
    stored = Draft.applicant_objects.get(pk=draft.pk)
    assert stored.data == {"name": too_long, "beginn": "31.02.2026"}
    assert draft.data == stored.data
    validation = draft_save_step(
        draft=draft, step_id="person", raw_fragment={"name": "Erika", "beginn": ""}
    )
    assert validation.is_valid
    assert validation.data["name"] == "Erika"


def test_a_nul_character_from_a_page_is_reported_and_never_stored(offer):
    # PostgreSQL cannot store NUL in JSON: a page post carrying one must not end in a 500.
    draft, _ = start(offer)
    validation = draft_save_step(draft=draft, step_id="person", raw_fragment={"name": "Eri\x00ka"})
    assert validation.errors["name"] == ["„Vor- und Nachname“ enthält unzulässige Steuerzeichen."]
    assert Draft.applicant_objects.get(pk=draft.pk).data == {"name": "Erika"}


def test_saving_an_unknown_step_is_an_error(offer):
    draft, _ = start(offer)
    with pytest.raises(KeyError):
        draft_save_step(draft=draft, step_id="gibt_es_nicht", raw_fragment={})


def test_a_submitted_draft_cannot_change_any_more(offer):
    draft, _ = start(offer)
    fill(draft)
    application_submit(draft=draft, idempotency_key="k")
    with pytest.raises(DraftAlreadySubmitted):
        draft_save_step(draft=draft, step_id="person", raw_fragment={"name": "Neu"})
    with pytest.raises(DraftAlreadySubmitted):
        draft_set_data(draft=draft, data={"name": "Neu"})


def test_wrong_and_expired_tokens_do_not_open_the_draft(offer):
    draft, token = start(offer)
    with pytest.raises(Draft.DoesNotExist):
        # One character different (never the same character by chance).
        draft_get_by_token(
            public_id=draft.public_id, token=token[:-1] + ("B" if token[-1] == "A" else "A")
        )
    with pytest.raises(Draft.DoesNotExist):
        draft_get_by_token(public_id=draft.public_id, token=None)
    with pytest.raises(Draft.DoesNotExist):
        draft_get_by_token(public_id="kein-uuid", token=token)
    Draft.applicant_objects.filter(pk=draft.pk).update(
        resume_token_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(DraftExpired, match="abgelaufen"):
        draft_get_by_token(public_id=draft.public_id, token=token)


def test_resume_link_mail_holds_only_the_link_and_the_service(
    offer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    draft, token = start(offer, email="erika@example.org")
    fill(draft, name="Erika Mustermann")
    Draft.applicant_objects.filter(pk=draft.pk).update(
        resume_token_expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        draft_send_resume_link(draft=draft, base_url="https://plattform.example.org/")
    [message] = mail.outbox
    assert message.to == ["erika@example.org"]
    assert "„Testantrag Hundehaltung“" in message.subject  # the form's title
    assert "Erika" not in message.body
    assert "Mustermann" not in message.body
    link = re.search(r"https://plattform\.example\.org(/\S+)", message.body).group(1)
    assert str(draft.public_id) in link
    assert f"token={token}" in link
    # Sending the link starts its validity period again.
    draft.refresh_from_db()
    assert draft.resume_token_expires_at > timezone.now() + datetime.timedelta(days=6)


def test_resume_link_needs_an_address(offer):
    draft, _ = start(offer, email=None)
    with pytest.raises(SubmitInvalid) as refused:
        draft_send_resume_link(draft=draft, base_url=None)
    assert "email" in refused.value.fields


def test_resume_link_waits_for_the_cooldown_per_draft(offer, django_capture_on_commit_callbacks):
    draft, _ = start(offer, email="erika@example.org")
    other, _ = start(offer, email="erika@example.org")
    with django_capture_on_commit_callbacks():
        draft_send_resume_link(draft=draft, base_url=None)
    draft.refresh_from_db()
    expires = draft.resume_token_expires_at
    links = outbox.mails_about(draft)
    with pytest.raises(ResumeLinkThrottled) as throttled:
        draft_send_resume_link(draft=draft, base_url=None)
    assert f"in {RESUME_LINK_COOLDOWN_MINUTES} Minuten anfordern" in throttled.value.message
    assert throttled.value.retry_at > timezone.now()
    # Refused without a trace: no new e-mail owed, the link's validity not restarted.
    assert links.count() == 1
    draft.refresh_from_db()
    assert draft.resume_token_expires_at == expires
    # The cooldown is per draft; and over once its minutes have passed.
    with django_capture_on_commit_callbacks():
        draft_send_resume_link(draft=other, base_url=None)
        links.update(
            created_at=timezone.now()
            - datetime.timedelta(minutes=RESUME_LINK_COOLDOWN_MINUTES, seconds=1)
        )
        draft_send_resume_link(draft=draft, base_url=None)
    assert links.count() == 2


def test_expired_drafts_are_deleted_with_their_files(
    offer, settings, django_capture_on_commit_callbacks
):
    anonymous, _ = start(offer)
    fresh, _ = start(offer)
    user_draft, _ = start(offer, user=UserFactory())
    active_user_draft, _ = start(offer, user=UserFactory())
    submitted, _ = start(offer)
    fill(submitted)
    application_submit(draft=submitted, idempotency_key="k")
    upload_file = draft_attach_file(
        draft=anonymous, path="foto", uploaded_file=upload("f.png", PNG_BYTES)
    )
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / upload_file.storage_name
    now = timezone.now()
    Draft.applicant_objects.filter(pk__in=[anonymous.pk, submitted.pk]).update(
        resume_token_expires_at=now - datetime.timedelta(minutes=1)
    )
    Draft.applicant_objects.filter(pk=user_draft.pk).update(
        updated_at=now - datetime.timedelta(days=31)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert drafts_delete_expired() == 2
    remaining = set(Draft.applicant_objects.values_list("pk", flat=True))
    assert remaining == {fresh.pk, active_user_draft.pk, submitted.pk}
    assert not stored.exists()
    with scope(tenant=offer.tenant):
        assert AuditRecord.objects.filter(action="draft.delete_expired").count() == 2
    assert drafts_delete_expired() == 0
