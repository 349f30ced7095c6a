"""Set-up shared by the tests of retention, export, statistics and the Fachverfahren API:
cases with every kind of stored file, closed cases, API keys.

Messages and notices are written as rows with stored files (not through the messaging
services): these tests are about what happens to them afterwards.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openkommune.cases.constants import CaseStatus, Decision, MessageDirection
from openkommune.cases.models import Case, Message, MessageAttachment, Notice
from openkommune.cases.models.messaging import deemed_delivery_date
from openkommune.cases.services import (
    case_add_document,
    case_add_note,
    case_open_for_application,
    case_transition,
)
from openkommune.catalog.services import service_activation_set
from openkommune.core.files import save_private
from openkommune.delivery.services import api_key_create
from openkommune.regions.selectors import gemeinden_for_postcode
from openkommune.submissions.models import Attachment
from openkommune.submissions.services import application_receipt_issue, application_submit
from openkommune.submissions.services.uploads import draft_attach_file
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.cases.factories import clerk_of, open_case  # noqa: F401  (re-exported)
from tests.submissions.factories import (
    BARLEBEN_POSTCODE,
    PDF_BYTES,
    PNG_BYTES,
    TEXT_BYTES,
    Offer,
    fill,
    make_offer,
    start,
    upload,
)
from tests.tenancy.factories import OrganisationFactory

NAME = "Erika Mustermann"
EMAIL = "erika.mustermann@example.org"


def _store(folder: str, content: bytes) -> str:
    return save_private(folder, content)


def case_with_files(
    offer: Offer | None = None, *, name: str = NAME, email: str = EMAIL, actor=None
) -> Case:
    """A case whose application has its receipt and two attachments (PDF, PNG), with a note,
    a clerk's document, a question and an answer with a file, and a notice."""
    offer = offer or make_offer()
    draft, _token = start(offer, email=email)
    fill(draft, name)
    draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("Nachweis.pdf", PDF_BYTES))
    draft_attach_file(draft=draft, path="foto", uploaded_file=upload("Bello.png", PNG_BYTES))
    application = application_submit(draft=draft, idempotency_key=uuid.uuid4().hex)
    application_receipt_issue(application=application)  # what the job after the commit does
    case = case_open_for_application(application)
    tenant = case.tenant
    case_add_note(tenant=tenant, actor=actor, case=case, text=f"Rückruf bei {name}")
    case_add_document(
        tenant=tenant,
        actor=actor,
        case=case,
        uploaded_file=SimpleUploadedFile("Vermerk.txt", TEXT_BYTES),
        title="Vermerk Telefonat",
    )
    now = timezone.now()
    with scope(tenant=tenant):
        question = Message.objects.create(
            tenant=tenant,
            case=case,
            direction=MessageDirection.TO_APPLICANT,
            subject="Impfpass",
            body=f"Guten Tag {name}, bitte senden Sie den Impfpass.",
        )
        answer = Message.objects.create(
            tenant=tenant,
            case=case,
            direction=MessageDirection.FROM_APPLICANT,
            in_reply_to=question,
            body="Anbei der Impfpass.",
        )
        MessageAttachment.objects.create(
            tenant=tenant,
            message=answer,
            original_name="Impfpass.pdf",
            content_type="application/pdf",
            size=len(PDF_BYTES),
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            storage_name=_store("message-attachments", PDF_BYTES),
        )
        Notice.objects.create(
            tenant=tenant,
            case=case,
            decision=Decision.APPROVED,
            title="Bescheid über die Hundesteuer",
            body=f"Sehr geehrte/r {name}, …",
            pdf_name=_store("notices", PDF_BYTES),
            pdf_sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            made_available_at=now,
            deemed_delivered_on=deemed_delivery_date(now),
        )
    return case


def close(
    case: Case,
    *,
    closed_at: datetime.datetime | None = None,
    actor=None,
    decision: str = Decision.APPROVED,
    reason: str = "Voraussetzungen erfüllt",
) -> Case:
    """Take the case through the workflow to `closed` (approved unless `decision` says
    otherwise), then back-date its closing."""
    tenant = case.tenant
    case_transition(tenant=tenant, actor=actor, case=case, to=CaseStatus.IN_PROGRESS)
    case_transition(
        tenant=tenant,
        actor=actor,
        case=case,
        to=CaseStatus.DECIDED,
        decision=decision,
        reason=reason,
    )
    case_transition(tenant=tenant, actor=actor, case=case, to=CaseStatus.CLOSED)
    if closed_at is not None:
        with scope(tenant=tenant):
            Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
        case.refresh_from_db()
    return case


def api_key_for(tenant, name: str = "Fachverfahren (Test)") -> str:
    """The secret of a new API key of `tenant`."""
    return api_key_create(tenant=tenant, actor=None, name=name).secret


def submit(offer: Offer, *, name: str = NAME):
    draft, _token = start(offer)
    fill(draft, name)
    return application_submit(draft=draft, idempotency_key=uuid.uuid4().hex)


def foreign_offer(offer: Offer) -> Offer:
    """The same service offered by another member (Barleben, a real Gemeinde near Magdeburg):
    its applications are routed there, not to `offer.tenant`."""
    (gemeinde,) = gemeinden_for_postcode(postcode=BARLEBEN_POSTCODE)
    stranger = OrganisationFactory(
        name="Gemeinde Barleben (Test)",
        kind=OrganisationKind.GEMEINDE,
        region_ars=gemeinde.ars,
        is_demo=False,
    )
    service_activation_set(tenant=stranger, actor=None, ozg_leistung=offer.leistung, is_active=True)
    return Offer(stranger, offer.leistung, offer.version, gemeinde)


# --- Fachverfahren API -------------------------------------------------------------------


def api_auth(key: str) -> dict:
    """The header of a Fachverfahren API call with `key`."""
    return {"Authorization": f"Bearer {key}"}


def attachment_ids(case):
    with scopes_disabled():
        return {
            a.content_type: a.public_id
            for a in Attachment.objects.filter(application_id=case.application_id)
        }


def reply_file_ids(case):
    """(message id, attachment id) of the file the applicant sent with the answer."""
    with scopes_disabled():
        attachment = MessageAttachment.objects.select_related("message").get(message__case=case)
        return attachment.message.public_id, attachment.public_id


def notice_public_id(case):
    with scopes_disabled():
        return Notice.objects.get(case=case).public_id


NO_ID = "00000000-0000-0000-0000-000000000000"
