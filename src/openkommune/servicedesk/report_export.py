"""The monthly SLA report as PDF (WeasyPrint, `core.pdf`) and XLSX (`core.table_writing`),
from the same `selectors.sla_report` as the page.

The XLSX keeps typed cells: ticket numbers, minutes, counts and ratings are numbers,
moments are date-times (local time of Europe/Berlin, shown as TT.MM.JJJJ hh:mm), a breach is a
boolean. The last row holds the totals over all lines, so a spreadsheet can check them.
"""

from __future__ import annotations

import datetime

from django.http import HttpResponse
from django.utils import timezone, translation

from openkommune.core import pdf
from openkommune.core.files import download_response
from openkommune.core.table_writing import XLSX_TYPE, write_xlsx
from openkommune.servicedesk.selectors import MemberReport

HEADERS = [
    "Mitglied",
    "Ticket",
    "Betreff",
    "Priorität",
    "Eröffnet",
    "Erstreaktion fällig",
    "Erstreaktion erfolgt",
    "Erstreaktion überschritten",
    "Lösung fällig",
    "Gelöst",
    "Lösung überschritten",
    "Aufwand (Minuten)",
    "Bewertung (1–5)",
]
HOURS_NOTE = (
    "Fristen laufen Montag bis Freitag von 8 bis 16 Uhr, nicht an Feiertagen in "
    "Sachsen-Anhalt, und stehen still, solange ein Ticket auf Rückmeldung wartet."
)


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """Naive local time for a spreadsheet cell (XLSX knows no time zones)."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None)


def rows(members: list[MemberReport]) -> list[list]:
    result = []
    for entry in members:
        for line in entry.lines:
            ticket = line.ticket
            result.append(
                [
                    entry.member.name,
                    ticket.number,
                    ticket.subject,
                    ticket.get_priority_display(),
                    _local(ticket.opened_at),
                    _local(line.sla.first_response_due),
                    _local(ticket.first_response_at),
                    line.sla.first_response_breached,
                    _local(line.sla.resolution_due),
                    _local(ticket.resolved_at),
                    line.sla.resolution_breached,
                    line.minutes,
                    line.rating,
                ]
            )
    return result


def totals(members: list[MemberReport]) -> list:
    ratings = [rating for entry in members for rating in entry.ratings]
    return [
        "Summe",
        sum(len(entry.lines) for entry in members),
        None,
        None,
        None,
        None,
        None,
        sum(entry.first_response_breached for entry in members),
        None,
        None,
        sum(entry.resolution_breached for entry in members),
        sum(entry.minutes for entry in members),
        round(sum(ratings) / len(ratings), 2) if ratings else None,
    ]


def xlsx_bytes(*, members: list[MemberReport], month: str) -> bytes:
    with translation.override("de"):  # documents stay German (the priorities' names)
        lines = rows(members)
    return write_xlsx(
        HEADERS,
        lines,
        title=f"SLA-Bericht {month}",
        heading=f"SLA-Bericht {month}",
        preamble=[["Monat", month], ["Servicezeiten", HOURS_NOTE]],
        totals=totals(members),
        number_formats={datetime.datetime: "DD.MM.YYYY HH:MM"},
        widths=[34, 9, 40, 11, 17, 17, 17, 12, 17, 17, 12, 12, 12],
    )


def xlsx_response(*, members: list[MemberReport], month: str) -> HttpResponse:
    return download_response(
        filename=f"sla-bericht-{month}.xlsx",
        content_type=XLSX_TYPE,
        content=xlsx_bytes(members=members, month=month),
    )


def pdf_bytes(*, members: list[MemberReport], month: str) -> bytes:
    context = {
        "members": members,
        "month": month,
        "hours_note": HOURS_NOTE,
        "total_tickets": sum(len(entry.lines) for entry in members),
        "total_minutes": sum(entry.minutes for entry in members),
        "created": timezone.localtime(),
    }
    return pdf.render_pdf("servicedesk/report_pdf.html", context, identifier=f"sla-{month}")


def pdf_response(*, members: list[MemberReport], month: str) -> HttpResponse:
    return download_response(
        filename=f"sla-bericht-{month}.pdf",
        content_type="application/pdf",
        content=pdf_bytes(members=members, month=month),
    )
