"""The notice as a letter and as PDF: who it is addressed to (name and address from the
application data), the authority's letterhead, the text in blocks, rendered by WeasyPrint
from `cases/notice_pdf.html` as PDF/UA-1 (tagged headings and tables, German, title in the
metadata). Pure: no database writes; `notices.notice_issue` stores the bytes."""

from __future__ import annotations

from dataclasses import dataclass

from openkommune.cases.constants import Decision
from openkommune.cases.services import notice_texts
from openkommune.cases.services.workflow import applicant_name, applicant_of
from openkommune.core import pdf
from openkommune.core.formatting import format_date
from openkommune.core.timezone import local_date


def _address_of(value) -> list[str]:
    if not isinstance(value, dict) or not (value.get("street") or value.get("city")):
        return []
    street = " ".join(p for p in (value.get("street"), value.get("house_number")) if p)
    place = " ".join(p for p in (value.get("postcode"), value.get("city")) if p)
    return [line for line in (street, place) if line]


def applicant_address(applicant: dict) -> list[str]:
    """The applicant's postal address as letter lines, from the field the form marks as the
    applicant's address (`workflow.applicant_of`). Empty when it marks none."""
    return _address_of(applicant.get("address"))


@dataclass(frozen=True)
class NoticeLetter:
    reference: str
    service_name: str
    title: str
    blocks: list
    authority: dict
    applicant_name: str
    applicant_address: list[str]
    issued_on_text: str
    submitted_on_text: str
    decision_label: str
    signer: str
    is_demo: bool


def notice_letter(
    *, case, title: str, body: str, decision: str, signer: str, issued_on
) -> NoticeLetter:
    """The letter of a notice for `case` (a `Case` with its application)."""
    application = case.application
    applicant = applicant_of(application)
    authority = {"name": case.tenant.name} | {
        k: v for k, v in (application.authority or {}).items() if v
    }
    return NoticeLetter(
        reference=case.reference,
        service_name=application.service_name,
        title=title,
        blocks=notice_texts.text_blocks(body),
        authority=authority,
        applicant_name=applicant_name(applicant),
        applicant_address=applicant_address(applicant),
        issued_on_text=format_date(issued_on),
        submitted_on_text=format_date(local_date(application.submitted_at)),
        decision_label=str(Decision(decision).label),
        signer=signer,
        is_demo=bool(application.is_demo),
    )


def render_notice_pdf(letter: NoticeLetter) -> bytes:
    """The PDF bytes (PDF/UA-1, `core.pdf`)."""
    return pdf.render_pdf("cases/notice_pdf.html", {"letter": letter}, identifier=letter.reference)
