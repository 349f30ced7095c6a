"""Cases for the inbox and page tests.

`make_case` writes many cases quickly: the application and case rows directly (no receipt
PDF, no events), with exactly the inbox values a test asks for. `submitted_case` goes the
real way (draft, file, submit, the submit hook opens the case) for the case file pages.
The services that open cases have their own tests (test_services.py)."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import uuid

from openkommune.cases.constants import CaseStatus
from openkommune.cases.models import Case
from openkommune.core.timezone import LOCAL_TZ
from openkommune.submissions.models import Application
from openkommune.submissions.services import application_submit, draft_attach_file
from openkommune.tenancy.scoping import scope
from tests.submissions.factories import PDF_BYTES, fill, start, upload

_numbers = itertools.count(1)
# The reference alphabet without 0/O and 1/I (as `submissions.references`).
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _reference(number: int) -> str:
    # Spread like real (random) references; unique for the numbers a test uses.
    digest = hashlib.sha256(str(number).encode()).digest()
    code = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:8])
    return f"2026-MG-{code[:4]}-{code[4:]}"


def berlin(year, month, day, hour=12, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def make_case(
    *,
    tenant,
    form_version,
    ozg_leistung,
    applicant_name: str = "Erika Mustermann",
    submitted_at: datetime.datetime | None = None,
    status: str = CaseStatus.RECEIVED,
    decision: str = "",
    assigned_to=None,
    due_on: datetime.date | None = None,
    follow_up_on: datetime.date | None = None,
    reference: str | None = None,
) -> Case:
    number = next(_numbers)
    reference = reference or _reference(number)
    submitted_at = submitted_at or berlin(2026, 3, 1)
    if status in (CaseStatus.DECIDED, CaseStatus.CLOSED) and not decision:
        decision = "approved"
    with scope(tenant=tenant):
        application = Application.objects.create(
            tenant=tenant,
            reference=reference,
            form_version=form_version,
            ozg_leistung=ozg_leistung,
            gemeinde_ars="150030000000",
            data={"name": applicant_name},
            idempotency_key=hashlib.sha256(f"inbox-{number}".encode()).hexdigest(),
            submitted_at=submitted_at,
            status_token_salt="salt",
            status_token_hash="0" * 64,
            receipt_name=f"receipts/test-{number}.pdf",
            receipt_sha256="0" * 64,
        )
        return Case.objects.create(
            tenant=tenant,
            application=application,
            reference=reference,
            applicant_name=applicant_name,
            ozg_leistung=ozg_leistung,
            submitted_at=submitted_at,
            status=status,
            decision=decision,
            assigned_to=assigned_to,
            due_on=due_on,
            follow_up_on=follow_up_on,
        )


def submitted_case(offer, *, name: str = "Erika Mustermann") -> Case:
    """A case opened by the real submit (receipt, timeline, the submit hook), with one PDF
    (`nachweis.pdf`) attached. Needs the `private_media` fixture."""
    draft, _token = start(offer)
    fill(draft, name)
    draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("nachweis.pdf", PDF_BYTES))
    draft.refresh_from_db()
    application = application_submit(draft=draft, idempotency_key=uuid.uuid4().hex)
    with scope(tenant=offer.tenant):
        return Case.objects.select_related("application").get(application=application)
