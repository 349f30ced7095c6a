"""API schemas of /api/v1/applications."""

import datetime
from typing import Any

from ninja import Field, Schema

FORM_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
POSTCODE_PATTERN = r"^[0-9]{5}$"
ARS_PATTERN = r"^[0-9]{12}$"


class ApplicationIn(Schema):
    form: str = Field(pattern=FORM_KEY_PATTERN, description="Schlüssel des Formulars")
    version: int = Field(ge=1, le=100_000, description="Nummer der Formularversion")
    data: dict[str, Any] = Field(
        description=(
            "Die Angaben im Datenformat der Formularversion (siehe `data_schema` unter "
            "/api/v1/forms/{key}/versions/{n}). Dateien können über die Schnittstelle nicht "
            "eingereicht werden: Formulare mit Pflicht-Dateifeldern werden mit 422 abgelehnt."
        )
    )
    postcode: str | None = Field(
        None, pattern=POSTCODE_PATTERN, description="Postleitzahl der Wohnanschrift"
    )
    gemeinde_ars: str | None = Field(
        None,
        pattern=ARS_PATTERN,
        description="Regionalschlüssel der Gemeinde (nötig, wenn die Postleitzahl mehrere hat)",
    )
    email: str | None = Field(
        None,
        max_length=254,
        description=(
            "E-Mail-Adresse für die Eingangsbestätigung; Pflicht ohne Anmeldung (sonst 422 "
            "mit `fields.email`)"
        ),
    )


class AuthorityOut(Schema):
    name: str
    address: str
    email: str
    phone: str


class ServiceOut(Schema):
    ozg_id: str
    name: str


class FormRefOut(Schema):
    key: str
    version: int


class EventOut(Schema):
    kind: str
    label: str
    at: datetime.datetime
    note: str


class PaymentStatusOut(Schema):
    """The fee of an application and its payment (filled by the payments app)."""

    status: str = Field(
        description="open, paid, declined, cancelled, timed_out, not_started, refunded, voided; "
        "`due_with_notice`: bezahlt wird später mit dem Gebührenbescheid"
    )
    status_label: str
    amount: str = Field(description="Betrag in Euro, Dezimalpunkt, zwei Nachkommastellen")
    currency: str = "EUR"
    kassenzeichen: str = ""
    method: str = ""
    transaction_id: str = ""
    paid_at: datetime.datetime | None = None
    legal_basis: str = ""
    due_on: datetime.date | None = Field(
        None, description="Zu zahlen bis (Gebührenbescheid oder offene Gebühr des Antrags)"
    )
    pay_url: str = Field(
        "",
        description=(
            "Seite zum Bezahlen der offenen Gebühr (für die Antragstellerin oder den "
            "Antragsteller, mit deren Zugang zum Antrag); leer, wenn nichts offen ist"
        ),
    )


class ApplicationCreatedOut(Schema):
    reference: str = Field(description="Aktenzeichen")
    status: str
    status_label: str
    submitted_at: datetime.datetime
    status_url: str = Field(
        description="Statusseite; bei Anträgen ohne Anmeldung mit dem geheimen Schlüssel"
    )
    status_token: str | None = Field(
        description=(
            "Geheimer Schlüssel für `GET /applications/{reference}` (Kopfzeile "
            "`X-Status-Token`); nur bei Anträgen ohne Anmeldung"
        )
    )
    receipt_url: str = Field(description="Eingangsbestätigung als PDF")
    payment: PaymentStatusOut | None = Field(
        None,
        description=(
            "Gebühr und Zahlung. Wird die Gebühr der Leistung beim Absenden bezahlt, ist sie "
            "bei einem Antrag über die Schnittstelle noch offen (`status` `open`): Die "
            "Antragstellerin oder der Antragsteller bezahlt über `pay_url`; positiv entschieden "
            "wird erst nach dem Zahlungseingang. Leer, wenn keine Gebühr anfällt"
        ),
    )


class ApplicationOut(Schema):
    reference: str
    status: str
    status_label: str
    submitted_at: datetime.datetime
    service: ServiceOut
    form: FormRefOut
    authority: AuthorityOut
    events: list[EventOut]
    receipt_url: str
    payment: PaymentStatusOut | None = Field(
        None, description="Gebühr und Zahlung; leer, wenn keine Gebühr anfällt"
    )
