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


# Payments the citizen did not complete: the draft is payable again.
UNSUCCESSFUL = {
    PaymentStatus.DECLINED,
    PaymentStatus.CANCELLED,
    PaymentStatus.TIMED_OUT,
    PaymentStatus.NOT_STARTED,
    PaymentStatus.VOIDED,
}

# XBezahldienste status of a payment transaction → ours.
PROVIDER_STATUS = {
    "INITIAL": PaymentStatus.OPEN,
    "PAYED": PaymentStatus.PAID,
    "FAILED": PaymentStatus.DECLINED,
    "CANCELED": PaymentStatus.CANCELLED,
    "TIMEOUT": PaymentStatus.TIMED_OUT,
    "REFUNDED": PaymentStatus.REFUNDED,
}


class NotificationOutcome(models.TextChoices):
    APPLIED = "applied", _("übernommen")
    DUPLICATE = "duplicate", _("doppelt, nichts geändert")
    BAD_SIGNATURE = "bad_signature", _("abgewiesen: Signatur falsch")
    MISMATCH = "mismatch", _("abgewiesen: Betrag oder Referenz passen nicht")
    UNKNOWN = "unknown", _("abgewiesen: unbekannte Zahlung")
    CONFLICT = "conflict", _("abgewiesen: widerspricht dem bekannten Stand")
