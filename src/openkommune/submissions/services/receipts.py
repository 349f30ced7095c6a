"""The receipt (*Eingangsbestätigung*) as an accessible PDF (PDF/UA-1, German, with title
metadata, real headings and tables), rendered by WeasyPrint from `receipt_pdf.html`.

It is rendered from the application as submitted on its first download and stored then
(ADR 0013): every later download is byte for byte that file.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from openkommune.core import pdf
from openkommune.core.formatting import format_datetime
from openkommune.core.outbox import PLATFORM_NAME
from openkommune.core.timezone import LOCAL_TZ
from openkommune.submissions.constants import AttachmentType, ScanResult

_ZONE_NAMES = {"CET": "MEZ", "CEST": "MESZ"}


def berlin_time_text(moment: datetime.datetime) -> str:
    """ "22.11.2026, 14:05 Uhr (MEZ)": local time in Germany, whatever the server's zone."""
    zone = moment.astimezone(LOCAL_TZ).tzname() or ""
    return _("%(moment)s (%(zone)s)") % {
        "moment": format_datetime(moment),
        "zone": _ZONE_NAMES.get(zone, zone),
    }


@dataclass(frozen=True)
class ReceiptAttachment:
    name: str
    content_type: str
    size: int
    sha256: str
    scan_result: str

    @property
    def type_label(self) -> str:
        return str(AttachmentType(self.content_type).label)

    @property
    def size_text(self) -> str:
        return filesizeformat(self.size)

    @property
    def scan_text(self) -> str:
        if self.scan_result == ScanResult.NOT_SCANNED:
            return _("nicht auf Schadsoftware geprüft")
        if self.scan_result == ScanResult.CLEAN:
            return _("auf Schadsoftware geprüft")
        return ""


@dataclass(frozen=True)
class ReceiptAuthority:
    name: str
    address: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Receipt:
    reference: str
    service_name: str
    ozg_id: str
    form_title: str
    form_version: int
    submitted_at: datetime.datetime
    gemeinde_name: str
    authority: ReceiptAuthority
    sections: list = field(default_factory=list)  # forms.engine.AnswerSection
    attachments: list[ReceiptAttachment] = field(default_factory=list)
    is_demo: bool = False
    platform_name: str = PLATFORM_NAME
    # What the authority states for the service (`selectors.application_terms`); None / ""
    # when it states nothing, which the receipt says.
    fee: Decimal | None = None
    processing_time: str = ""

    @property
    def submitted_at_text(self) -> str:
        return berlin_time_text(self.submitted_at)


def receipt_html(receipt: Receipt) -> str:
    return pdf.render_html("submissions/receipt_pdf.html", {"receipt": receipt})


def render_receipt_pdf(receipt: Receipt) -> bytes:
    """The PDF bytes (PDF/UA-1, `core.pdf`)."""
    return pdf.html_to_pdf(receipt_html(receipt), identifier=receipt.reference)
