from django.db import models
from django.utils.translation import gettext_lazy as _

SIMULATOR_LABEL = "Bezahldienst-Simulator — kein echtes Geld"


class PayWhen(models.TextChoices):
    SUBMISSION = (
        "submission",
        _("beim Absenden (der Antrag wird erst nach der Zahlung eingereicht)"),
    )
    NOTICE = "notice", _("später mit dem Gebührenbescheid")


class Provider(models.TextChoices):
    """Adapters of the one XBezahldienste-shaped interface (`payments.providers`)."""

    EPAYBL = "epaybl", _("ePayBL (über den ePayBL-Konnektor)")
    PMPAYMENT = "pmpayment", _("pmPayment")


class PaymentStatus(models.TextChoices):
    OPEN = "open", _("offen")
    PAID = "paid", _("bezahlt")
    DECLINED = "declined", _("abgelehnt")
    CANCELLED = "cancelled", _("abgebrochen")
    TIMED_OUT = "timed_out", _("Zeit abgelaufen")
    NOT_STARTED = "not_started", _("nicht begonnen (Bezahldienst nicht erreichbar)")
    REFUNDED = "refunded", _("erstattet")
    VOIDED = "voided", _("storniert")


class FeeNoticeKind(models.TextChoices):
    NOTICE = "notice", _("Gebührenbescheid")
    SUBMISSION = "submission", _("Gebühr des Antrags (über die Schnittstelle eingereicht)")


class FeeNoticeStatus(models.TextChoices):
    OPEN = "open", _("offen")
    PAID = "paid", _("bezahlt")
    CANCELLED = "cancelled", _("aufgehoben")


# Decisions that grant what was applied for: these wait for the fee when the service says so.
POSITIVE_DECISIONS = {"approved", "partial"}

# Payments the citizen did not complete: the draft is payable again.
UNSUCCESSFUL = {
    PaymentStatus.DECLINED,
    PaymentStatus.CANCELLED,
    PaymentStatus.TIMED_OUT,
    PaymentStatus.NOT_STARTED,
    PaymentStatus.VOIDED,
}

# XBezahldienste 1.0 status of a payment transaction → ours (FAILED with the statusDetail
# "TIMEOUT" is a timed-out pay page, `providers.PaymentInfo`). REFUNDED is ours: the answer of
# the refund, which XBezahldienste 1.0 does not have.
PROVIDER_STATUS = {
    "INITIAL": PaymentStatus.OPEN,
    "PAYED": PaymentStatus.PAID,
    "FAILED": PaymentStatus.DECLINED,
    "CANCELED": PaymentStatus.CANCELLED,
    "REFUNDED": PaymentStatus.REFUNDED,
}


class NotificationOutcome(models.TextChoices):
    APPLIED = "applied", _("übernommen")
    DUPLICATE = "duplicate", _("doppelt, nichts geändert")
    BAD_SIGNATURE = "bad_signature", _("abgewiesen: Signatur falsch")
    MISMATCH = "mismatch", _("abgewiesen: Betrag oder Referenz passen nicht")
    UNKNOWN = "unknown", _("abgewiesen: unbekannte Zahlung")
    CONFLICT = "conflict", _("abgewiesen: widerspricht dem bekannten Stand")


# --- Demo fee rules (labelled as such) -------------------------------------------------------
# What `load_demo` sets for the demo members, and what the tests use. The amounts are
# invented and the legal references are examples ("Beispiel"): no member's Gebührensatzung
# is reproduced here.
BEWOHNERPARKAUSWEIS = {
    "form_key": "bewohnerparkausweis",
    "legal_basis": (
        "Beispiel (Demo): § 6a Abs. 5a StVG i. V. m. der Gebührenordnung für "
        "Bewohnerparkausweise der Gemeinde"
    ),
    "pay_when": "submission",
    "rule": {
        "items": [
            {
                "label": "Ausweis für 6 Monate",
                "amount": "15.00",
                "when": {"field": "laufzeit", "equals": "6"},
            },
            {
                "label": "Ausweis für 12 Monate",
                "amount": "30.00",
                "when": {"field": "laufzeit", "equals": "12"},
            },
            {
                "label": "Ausweis für 24 Monate",
                "amount": "60.00",
                "when": {"field": "laufzeit", "equals": "24"},
            },
        ]
    },
}

SONDERNUTZUNG = {
    "form_key": "sondernutzung",
    "legal_basis": "Beispiel (Demo): § 18 StrG LSA i. V. m. der Sondernutzungssatzung der Gemeinde",
    "pay_when": "submission",
    "rule": {
        "items": [
            {"label": "Verwaltungsgebühr", "amount": "10.00"},
            {
                "label": "Sondernutzung je m² und Tag",
                "amount": "0.10",
                "per": [
                    {"product": ["laenge_m", "breite_m"], "unit": "m²"},
                    {"days": ["beginn", "ende"], "unit": "Tage"},
                ],
            },
        ],
        "minimum": "20.00",
        "maximum": "2000.00",
        "reductions": [
            {
                "label": "Ermäßigung für gemeinnützige Zwecke",
                "percent": "50",
                "when": {"field": "gemeinnuetzig", "equals": True},
            }
        ],
        "free": [
            {
                "label": "Informationsstand eines gemeinnützigen Trägers",
                "when": {
                    "all": [
                        {"field": "nutzungsart", "equals": "infostand"},
                        {"field": "gemeinnuetzig", "equals": True},
                    ]
                },
            }
        ],
    },
}

DEMO_RULES = (BEWOHNERPARKAUSWEIS, SONDERNUTZUNG)
