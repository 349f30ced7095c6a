"""The notice as a letter and as PDF: who it is addressed to (name and address from the
application data), the authority's letterhead, the text in blocks, rendered by WeasyPrint
from `cases/notice_pdf.html` as PDF/UA-1 (tagged headings and tables, German, title in the
metadata). Pure: no database writes; `notices.notice_issue` stores the bytes."""

from __future__ import annotations

from dataclasses import dataclass

from openkommune.cases import notice_texts
from openkommune.cases.constants import Decision
from openkommune.cases.workflow import BERLIN, NAME_GROUPS, applicant_name
from openkommune.core import pdf


def date_text(day) -> str:
    """A day as Germans write it: 31.12.2026."""
    return day.strftime("%d.%m.%Y")


def _address_of(value) -> list[str]:
    if not isinstance(value, dict) or not (value.get("street") or value.get("city")):
        return []
    street = " ".join(p for p in (value.get("street"), value.get("house_number")) if p)
    place = " ".join(p for p in (value.get("postcode"), value.get("city")) if p)
    return [line for line in (street, place) if line]


def applicant_address(data) -> list[str]:
    """The applicant's postal address as letter lines, from the application data: the
    `anschrift` of the group holding the applicant's name (`workflow.NAME_GROUPS`), else the
    first address-shaped value at the top or in a group. Empty when the form asks for none."""
    data = data if isinstance(data, dict) else {}
    groups = [data.get(key) for key in NAME_GROUPS if isinstance(data.get(key), dict)]
    for group in groups:
        lines = _address_of(group.get("anschrift"))
        if lines:
            return lines
    for container in [*groups, data]:
        for value in container.values():
            lines = _address_of(value)
            if lines:
                return lines
    return []


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
    authority = {"name": case.tenant.name} | {
        k: v for k, v in (application.authority or {}).items() if v
    }
    return NoticeLetter(
        reference=case.reference,
        service_name=case.ozg_leistung.name,
        title=title,
        blocks=notice_texts.text_blocks(body),
        authority=authority,
        applicant_name=applicant_name(application.data, email=""),
        applicant_address=applicant_address(application.data),
        issued_on_text=date_text(issued_on),
        submitted_on_text=date_text(application.submitted_at.astimezone(BERLIN).date()),
        decision_label=str(Decision(decision).label),
        signer=signer,
        is_demo=bool(application.is_demo),
    )


def render_notice_pdf(letter: NoticeLetter) -> bytes:
    """The PDF bytes (PDF/UA-1, `core.pdf`)."""
    return pdf.render_pdf("cases/notice_pdf.html", {"letter": letter}, identifier=letter.reference)
