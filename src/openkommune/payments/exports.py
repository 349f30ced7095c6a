"""The day's booking list for a member's HKR system (Haushalts-, Kassen- und
Rechnungswesen): CSV/XLSX through `core.tables`, and a documented XML export
(docs/payment.md, "Buchungsliste").

XML (namespace `urn:openkommune:buchungsliste:1`):

    <buchungsliste xmlns="urn:openkommune:buchungsliste:1" mandant="…" tag="2026-12-06"
                   anzahl="2" summe="45.00" waehrung="EUR">
      <buchung>
        <kassenzeichen>BP20260000017</kassenzeichen>
        <haushaltsstelle>1.1.2.2.01.4311000</haushaltsstelle>
        <objektnummer>…</objektnummer>
        <betrag>30.00</betrag>
        <datum>2026-12-06</datum>
        <zeitpunkt>2026-12-06T10:15:00+01:00</zeitpunkt>
        <transaktion>…</transaktion>
        <zahlart>…</zahlart>
        <aktenzeichen>…</aktenzeichen>
        <verwendungszweck>…</verwendungszweck>
      </buchung>
    </buchungsliste>

Amounts are decimal strings with a point and two places; `summe` is their exact sum.
"""

from __future__ import annotations

import datetime
from xml.etree import ElementTree as ET

from openkommune.core.timezone import LOCAL_TZ
from openkommune.payments.selectors import Booking, bookings_total

NAMESPACE = "urn:openkommune:buchungsliste:1"
HEADERS = [
    "Kassenzeichen",
    "Haushaltsstelle",
    "Objektnummer",
    "Betrag (EUR)",
    "Datum",
    "Zeitpunkt",
    "Transaktionsnummer",
    "Zahlart",
    "Aktenzeichen",
    "Verwendungszweck",
]


def rows(bookings: list[Booking]) -> list[list]:
    return [
        [
            b.kassenzeichen,
            b.haushaltsstelle,
            b.objektnummer,
            b.amount,
            b.paid_at.astimezone(LOCAL_TZ).date(),
            # German local time without zone (spreadsheets know none).
            b.paid_at.astimezone(LOCAL_TZ).replace(microsecond=0, tzinfo=None),
            b.transaction_id,
            b.method,
            b.reference,
            b.purpose,
        ]
        for b in bookings
    ]


def xml(bookings: list[Booking], *, mandant: str, day: datetime.date) -> bytes:
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(
        f"{{{NAMESPACE}}}buchungsliste",
        {
            "mandant": mandant,
            "tag": day.isoformat(),
            "anzahl": str(len(bookings)),
            "summe": f"{bookings_total(bookings):.2f}",
            "waehrung": "EUR",
        },
    )
    for b in bookings:
        entry = ET.SubElement(root, f"{{{NAMESPACE}}}buchung")
        local = b.paid_at.astimezone(LOCAL_TZ).replace(microsecond=0)
        for name, value in (
            ("kassenzeichen", b.kassenzeichen),
            ("haushaltsstelle", b.haushaltsstelle),
            ("objektnummer", b.objektnummer),
            ("betrag", f"{b.amount:.2f}"),
            ("datum", local.date().isoformat()),
            ("zeitpunkt", local.isoformat()),
            ("transaktion", b.transaction_id),
            ("zahlart", b.method),
            ("aktenzeichen", b.reference),
            ("verwendungszweck", b.purpose),
        ):
            ET.SubElement(entry, f"{{{NAMESPACE}}}{name}").text = value
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
