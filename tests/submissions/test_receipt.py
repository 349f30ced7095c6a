"""The receipt PDF: PDF/UA-1, German, title metadata, every answer and attachment with its
checksum, the authority's contact, Berlin time, a demo note on demo data; stored as issued.

Text is read without pypdf (not installed) and without poppler (`pdftotext` is missing on
these machines): `factories.pdf_text` decodes WeasyPrint's content streams through the
fonts' ToUnicode maps and reads the XMP metadata."""

import datetime
import hashlib
from datetime import UTC

import pytest
from django.http import Http404
from django.test import override_settings

from openkommune.submissions.models import Application
from openkommune.submissions.services import (
    ReceiptUnavailable,
    application_receipt_issue,
    application_submit,
    draft_attach_file,
    draft_save_step,
    receipt_pdf,
    receipt_response,
)
from openkommune.submissions.services.receipts import berlin_time_text
from tests.submissions.factories import (
    PDF_BYTES,
    TEXT_BYTES,
    fill,
    magdeburg_member,
    make_offer,
    pdf_objects,
    pdf_text,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "submissions_only")]


def _submitted(offer):
    draft, _ = start(offer)
    fill(draft, name="Erika Mustermann")
    nachweis = draft_attach_file(
        draft=draft, path="nachweis", uploaded_file=upload("Nachweis Hund.pdf", PDF_BYTES)
    )
    impfpass = draft_attach_file(
        draft=draft, path="hunde.0.impfpass", uploaded_file=upload("impf.txt", TEXT_BYTES)
    )
    draft.refresh_from_db()
    draft_save_step(
        draft=draft,
        step_id="unterlagen",
        raw_fragment={
            "nachweis": str(nachweis.public_id),
            "foto": "",
            "hunde": [{"hund_name": "Bello", "impfpass": str(impfpass.public_id)}],
        },
    )
    return application_submit(draft=draft, idempotency_key="k"), [nachweis, impfpass]


@pytest.fixture(scope="module")
def receipt(django_db_setup, django_db_blocker, tmp_path_factory):
    """One submitted application and its receipt text (rendering takes a moment)."""
    from django.test import override_settings

    from openkommune.submissions.services import hooks

    root = tmp_path_factory.mktemp("private")
    with (
        django_db_blocker.unblock(),
        override_settings(PRIVATE_MEDIA_ROOT=root),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(hooks, "_submitted", [])
        from django.db import transaction

        with transaction.atomic():
            application, attachments = _submitted(make_offer())
            pdf = receipt_pdf(application=application)
            result = {
                "application": application,
                "attachments": attachments,
                "pdf": pdf,
                "text": pdf_text(pdf),
            }
            transaction.set_rollback(True)
    return result


def test_receipt_is_a_pdf_ua_document_in_german_with_a_title(receipt):
    pdf, text = receipt["pdf"], receipt["text"]
    objects = pdf_objects(pdf)
    assert pdf.startswith(b"%PDF-1.7")
    assert 'pdfuaid:part="1"' in text
    reference = receipt["application"].reference
    assert f"Eingangsbestätigung {reference} – Testantrag Hundehaltung" in text  # dc:title
    assert "/Lang (de)" in objects
    assert "/DisplayDocTitle true" in objects
    assert "/StructTreeRoot" in objects
    assert "/Marked true" in objects
    # Real headings and tables in the structure tree, not just styled text.
    for role in ("/H1", "/H2", "/H3", "/Table", "/TH", "/TD"):
        assert f"/S {role}" in objects, role


def test_receipt_names_reference_answers_authority_and_every_attachment(receipt):
    text = receipt["text"]
    application = receipt["application"]
    assert application.reference in text
    # The service is named by its form's title, as on the form's pages and in the e-mails.
    assert " ".join(application.service_name.split()) in " ".join(text.split())
    assert "ErikaMustermann" in text.replace(" ", "")
    assert "Bello" in text
    assert "LandeshauptstadtMagdeburg(Test)" in text.replace(" ", "")
    assert "hundesteuer@magdeburg.example.org" in text
    assert "Magdeburg" in text
    for attachment in receipt["attachments"]:
        assert attachment.sha256 in text
        assert attachment.download_name.replace(" ", "") in text.replace(" ", "")
    assert "nichtaufSchadsoftwaregeprüft" in text.replace(" ", "")
    assert berlin_time_text(application.submitted_at).replace(" ", "") in text.replace(" ", "")
    assert "Demo-Plattform" not in text


def test_receipt_is_stored_and_served_unchanged(receipt):
    application = receipt["application"]
    assert hashlib.sha256(receipt["pdf"]).hexdigest() == application.receipt_sha256


def test_receipt_download():
    application, _ = _submitted(make_offer())
    response = receipt_response(application)
    assert response["Content-Type"] == "application/pdf"
    assert f"Eingangsbestaetigung-{application.reference}.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == application.receipt_sha256


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_first_download_renders_and_stores_the_receipt_the_second_returns_it(
    django_capture_on_commit_callbacks,
):
    from django_tasks_db.models import DBTaskResult

    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    with django_capture_on_commit_callbacks(execute=True):
        application, _ = _submitted(make_offer())
    stored = Application.applicant_objects.get(pk=application.pk)
    assert stored.receipt_pending
    assert not stored.receipt_name  # nothing rendered at submit ...
    # ... and no job queued for it (nor for the confirmation e-mail: the job workers drain
    # the outbox, ADR 0027).
    assert not DBTaskResult.objects.exists()

    first = receipt_pdf(application=Application.applicant_objects.get(pk=stored.pk))
    stored.refresh_from_db()
    assert not stored.receipt_pending
    assert stored.receipt_name.startswith("receipts/")
    assert hashlib.sha256(first).hexdigest() == stored.receipt_sha256
    assert application.reference in pdf_text(first)

    second = receipt_pdf(application=Application.applicant_objects.get(pk=stored.pk))
    assert second == first  # the stored file, byte for byte, not a new rendering
    again = application_receipt_issue(application=Application.applicant_objects.get(pk=stored.pk))
    assert (again.receipt_name, again.receipt_sha256) == (
        stored.receipt_name,
        stored.receipt_sha256,
    )
    with scopes_disabled():
        records = AuditRecord.objects.filter(action="application.receipt")
        assert [r.after["receipt_sha256"] for r in records] == [stored.receipt_sha256]


def test_an_anonymised_application_has_no_receipt_any_more():
    application, _ = _submitted(make_offer())
    # What retention leaves behind: no file, nothing pending.
    Application.applicant_objects.filter(pk=application.pk).update(receipt_pending=False)
    application.refresh_from_db()
    with pytest.raises(ReceiptUnavailable):
        receipt_pdf(application=application)
    with pytest.raises(Http404):
        receipt_response(application)
    assert not Application.applicant_objects.get(pk=application.pk).receipt_name


def test_a_gemeinde_merged_away_before_the_first_download_still_gets_its_receipt(monkeypatch):
    from openkommune.regions.models import Region
    from openkommune.submissions.services import submit

    application, _ = _submitted(make_offer())

    def merged_away(ars):
        raise Region.DoesNotExist(ars)

    monkeypatch.setattr(submit, "_gemeinde", merged_away)
    text = pdf_text(receipt_pdf(application=application))
    assert application.reference in text
    assert application.gemeinde_ars in text  # the key names the place


def test_receipt_of_a_demo_member_says_it_is_a_demo():
    offer = make_offer(tenant=magdeburg_member(is_demo=True))
    draft, _ = start(offer)
    fill(draft)
    application = application_submit(draft=draft, idempotency_key="k")
    assert application.is_demo
    assert "Demo-Plattform" in pdf_text(receipt_pdf(application=application))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime.datetime(2026, 1, 15, 11, 5, tzinfo=UTC), "15.01.2026, 12:05 Uhr (MEZ)"),
        (
            datetime.datetime(2026, 7, 1, 22, 30, tzinfo=UTC),
            "02.07.2026, 00:30 Uhr (MESZ)",
        ),
    ],
)
def test_times_are_shown_in_german_local_time(moment, expected):
    assert berlin_time_text(moment) == expected
