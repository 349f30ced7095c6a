"""Submitting a draft: one transaction, once, routed, with timeline, receipt and e-mail."""

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from openkommune.catalog.services import service_activation_set
from openkommune.core import outbox
from openkommune.core.models import OutboxMail
from openkommune.forms.engine import validate
from openkommune.forms.selectors import form_for_leistung, version_definition
from openkommune.submissions.constants import ApplicationStatus, EventKind
from openkommune.submissions.models import Application, Attachment, Draft
from openkommune.submissions.selectors import application_events, draft_attachments
from openkommune.submissions.services import (
    IdempotencyKeyInvalid,
    PlaceGone,
    ServiceNotOffered,
    SubmitInvalid,
    application_event_add,
    application_submit,
    draft_attach_file,
    draft_save_step,
)
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope
from tests.submissions.factories import (
    PDF_BYTES,
    PNG_BYTES,
    fill,
    make_offer,
    private_media,  # noqa: F401
    publish_form,
    start,
    stricter_test_form,
    submissions_only,  # noqa: F401
    upload,
)
from tests.tenancy.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "submissions_only")]


@pytest.fixture
def offer():
    return make_offer()


def test_submit_creates_a_routed_application_with_timeline(offer):
    draft, _token = start(offer)
    fill(draft)
    application = application_submit(draft=draft, idempotency_key="klick-1")

    assert application.created_now
    assert application.tenant == offer.tenant
    assert application.data == {"name": "Erika Mustermann"}
    assert application.status == ApplicationStatus.DELIVERED
    assert application.form_version == offer.version
    assert application.gemeinde_ars == offer.gemeinde.ars
    assert application.email == "antrag@example.org"
    assert application.authority["email"] == "hundesteuer@magdeburg.example.org"
    assert application.reference.startswith(f"{application.submitted_at.year}-MG-")
    kinds = [event.kind for event in application_events(application=application)]
    assert kinds == [EventKind.SUBMITTED, EventKind.DELIVERED]
    # The receipt PDF is rendered on its first download (tests/submissions/test_receipt.py).
    assert application.receipt_pending
    assert not application.receipt_name
    draft.refresh_from_db()
    assert draft.is_submitted
    assert draft.data == {}  # the checked data now lives in the application only
    with scope(tenant=offer.tenant):
        assert list(Application.objects.all()) == [application]
        audit = AuditRecord.objects.get(action="application.submit")
    assert audit.after["reference"] == application.reference
    assert "Erika" not in str(audit.after)


def test_submitting_the_same_draft_twice_gives_one_application(offer):
    draft, _token = start(offer)
    fill(draft)
    first = application_submit(draft=draft, idempotency_key="klick")
    again = application_submit(draft=draft, idempotency_key="klick")
    other_tab = application_submit(draft=draft, idempotency_key="anderer-tab")
    stale = Draft.applicant_objects.get(pk=draft.pk)
    stale_object = application_submit(draft=stale, idempotency_key="dritter")
    assert first.pk == again.pk == other_tab.pk == stale_object.pk
    assert not again.created_now
    assert not other_tab.created_now
    assert Application.applicant_objects.count() == 1
    with scope(tenant=offer.tenant):
        assert AuditRecord.objects.filter(action="application.submit").count() == 1


def test_invalid_data_is_refused_and_nothing_is_created(offer):
    draft, _token = start(offer)
    draft_save_step(draft=draft, step_id="person", raw_fragment={"name": ""})
    with pytest.raises(SubmitInvalid) as refused:
        application_submit(draft=draft, idempotency_key="k")
    assert "name" in refused.value.errors
    assert refused.value.message
    assert not Application.applicant_objects.exists()
    draft.refresh_from_db()
    assert draft.data == {"name": ""}  # the typed input is still there


def test_submit_refused_when_the_service_was_switched_off_meanwhile(offer):
    draft, _token = start(offer)
    fill(draft)
    service_activation_set(
        tenant=offer.tenant, actor=None, ozg_leistung=offer.leistung, is_active=False
    )
    with pytest.raises(ServiceNotOffered, match="Hundehaltung"):
        application_submit(draft=draft, idempotency_key="k")
    assert not Application.applicant_objects.exists()


def test_attachments_move_to_the_application_and_unused_ones_are_deleted(
    offer, settings, django_capture_on_commit_callbacks
):
    root = settings.PRIVATE_MEDIA_ROOT
    draft, _token = start(offer)
    fill(draft)
    kept = draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("a.pdf", PDF_BYTES))
    dropped = draft_attach_file(draft=draft, path="foto", uploaded_file=upload("b.png", PNG_BYTES))
    # The citizen removed the photo from the data (e.g. the _remove button) without deleting it.
    draft_save_step(draft=draft, step_id="unterlagen", raw_fragment={"foto": ""})
    with django_capture_on_commit_callbacks(execute=True):
        application = application_submit(draft=draft, idempotency_key="k")

    kept = Attachment.applicant_objects.get(pk=kept.pk)
    assert kept.application == application
    assert application.data["nachweis"] == str(kept.public_id)
    assert not Attachment.applicant_objects.filter(pk=dropped.pk).exists()
    assert not (root / dropped.storage_name).exists()
    assert (root / kept.storage_name).exists()
    assert draft_attachments(draft=draft) == []


def test_a_file_of_another_draft_cannot_be_referenced(offer):
    mine, _ = start(offer)
    theirs, _ = start(offer)
    foreign = draft_attach_file(
        draft=theirs, path="nachweis", uploaded_file=upload("x.pdf", PDF_BYTES)
    )
    fill(mine)
    draft_save_step(
        draft=mine, step_id="unterlagen", raw_fragment={"nachweis": str(foreign.public_id)}
    )
    with pytest.raises(SubmitInvalid) as refused:
        application_submit(draft=mine, idempotency_key="k")
    assert list(refused.value.errors) == ["nachweis"]
    assert Attachment.applicant_objects.get(pk=foreign.pk).draft == theirs


def test_a_file_uploaded_for_one_field_cannot_be_moved_into_a_stricter_one(offer):
    draft, _ = start(offer)
    fill(draft)
    photo = draft_attach_file(draft=draft, path="foto", uploaded_file=upload("f.png", PNG_BYTES))
    draft_save_step(
        draft=draft,
        step_id="unterlagen",
        raw_fragment={"foto": "", "nachweis": str(photo.public_id)},
    )
    with pytest.raises(SubmitInvalid) as refused:
        application_submit(draft=draft, idempotency_key="k")
    assert "nachweis" in refused.value.errors


def test_confirmation_is_sent_only_after_the_commit(offer, django_capture_on_commit_callbacks):
    draft, _ = start(offer)
    fill(draft)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application_submit(draft=draft, idempotency_key="k")
    assert mail.outbox == []
    # On the database queue the job workers drain the outbox (ADR 0027): the e-mail's row,
    # written in the submit's transaction, is all; drainers see it only once it committed,
    # and nothing is left for after the commit — no job at all.
    assert callbacks == []
    assert not DBTaskResult.objects.exists()  # (the receipt PDF is no job either)
    (row,) = OutboxMail.objects.all()
    assert (row.kind, row.status) == ("submissions.application_confirmation", "pending")


def test_a_rolled_back_submit_leaves_no_email_to_send(offer):
    draft, _ = start(offer)
    fill(draft)

    class Abort(Exception):
        pass

    def submit_then_fail():
        with transaction.atomic():
            application_submit(draft=draft, idempotency_key="k")
            assert OutboxMail.objects.count() == 1
            raise Abort

    with pytest.raises(Abort):
        submit_then_fail()
    assert OutboxMail.objects.count() == 0
    assert outbox.drain() == outbox.DrainReport()
    assert mail.outbox == []
    assert not Application.applicant_objects.exists()


@pytest.mark.parametrize("key", ["", "  ", None, "x" * 201, "mit\nzeilenumbruch"])
def test_idempotency_key_is_required_and_sane(offer, key):
    draft, _ = start(offer)
    fill(draft)
    with pytest.raises(IdempotencyKeyInvalid, match="Idempotency-Key"):
        application_submit(draft=draft, idempotency_key=key)
    assert not Application.applicant_objects.filter(draft=draft).exists()


def test_a_gemeinde_gone_from_the_register_asks_to_start_again(offer):
    draft, _ = start(offer)
    fill(draft)
    # A re-import of the official list merged the Gemeinde away: its key names nothing.
    Draft.applicant_objects.filter(pk=draft.pk).update(gemeinde_ars="159999999999")
    draft.refresh_from_db()
    with pytest.raises(PlaceGone) as refused:
        application_submit(draft=draft, idempotency_key="k")
    # A ServiceNotOffered, so pages and the API answer it like a service switched off.
    assert isinstance(refused.value, ServiceNotOffered)
    assert "Bitte beginnen Sie den Antrag neu" in refused.value.message
    assert not Application.applicant_objects.filter(draft=draft).exists()
    draft.refresh_from_db()
    assert draft.data == {"name": "Erika Mustermann"}


def test_hooks_of_the_back_office_run_inside_the_submit_transaction(offer, monkeypatch):
    from openkommune.submissions.services import hooks

    seen = []
    monkeypatch.setattr(hooks, "_submitted", [seen.append])
    draft, _ = start(offer)
    fill(draft)
    application = application_submit(draft=draft, idempotency_key="k")
    assert seen == [application]

    def refuse(application):
        raise RuntimeError("Fallakte konnte nicht angelegt werden")

    monkeypatch.setattr(hooks, "_submitted", [refuse])
    other, _ = start(offer)
    fill(other)
    with pytest.raises(RuntimeError):
        application_submit(draft=other, idempotency_key="k")
    assert not Application.applicant_objects.filter(draft=other).exists()


def test_back_office_events_extend_the_timeline_and_move_the_status(offer):
    draft, _ = start(offer)
    fill(draft)
    application = application_submit(draft=draft, idempotency_key="k")
    event = application_event_add(
        tenant=offer.tenant,
        actor=None,
        application=application,
        kind=EventKind.RECEIVED,
        note="Wir melden uns in zwei Wochen.",
    )
    assert event.note == "Wir melden uns in zwei Wochen."
    assert application.status == ApplicationStatus.RECEIVED
    assert Application.applicant_objects.get(pk=application.pk).status == "received"
    kinds = [e.kind for e in application_events(application=application)]
    assert kinds == ["submitted", "delivered", "received"]
    other = OrganisationFactory(kind=OrganisationKind.LANDKREIS)
    with pytest.raises(Application.DoesNotExist):
        application_event_add(
            tenant=other, actor=None, application=application, kind=EventKind.DECIDED
        )
    assert Application.applicant_objects.get(pk=application.pk).status == "received"


def test_a_draft_keeps_its_version_when_a_new_one_is_published(offer):
    draft, _ = start(offer)
    fill(draft)
    v2 = publish_form(stricter_test_form())
    assert v2.number == offer.version.number + 1
    # New applications start on version 2; these answers would not do there.
    assert form_for_leistung(ozg_leistung=offer.leistung) == v2
    assert validate(version_definition(v2), {"name": "Erika Mustermann"}).errors.keys() == {
        "name",
        "telefon",
    }
    draft.refresh_from_db()
    assert draft.form_version == offer.version
    assert fill(draft).is_valid  # still checked against version 1
    application = application_submit(draft=draft, idempotency_key="k")
    assert application.form_version == offer.version
    assert application.data == {"name": "Erika Mustermann"}
