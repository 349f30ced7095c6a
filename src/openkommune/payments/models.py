"""Fees (per member and service), the members' payment provider settings, payments and the
notifications received about them.

Payments are tenant-owned (the member whose Kasse receives the money). Two managers, as in
`submissions`: `objects` (scoped, the back office) and `applicant_objects` (plain), used only
in this app's selectors and services behind the applicant's credential (the draft reached
through `submissions.selectors.journey`) or a verified provider message.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import outbox_mails_relation, person_field, public_id_field
from openkommune.payments.constants import (
    FeeNoticeKind,
    FeeNoticeStatus,
    NotificationOutcome,
    PaymentStatus,
    PayWhen,
    Provider,
)
from openkommune.payments.providers import ID_PATTERN
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class ApplicantManager(models.Manager):
    """Unscoped access: only in this app's selectors and services, behind the applicant's
    credential or a verified provider message (see the module docstring)."""


class FeeSchedule(models.Model):
    """A member's fee for one form (service), from its Gebührensatzung (`payments.fees`)."""

    tenant = tenant_field("fee_schedules")
    public_id = public_id_field(editable=False)
    form_key = models.SlugField(_("Formular"), max_length=63)
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=500)
    rule = models.JSONField(_("Gebührenregel"))
    pay_when = models.CharField(
        _("Zahlung"), max_length=20, choices=PayWhen.choices, default=PayWhen.SUBMISSION
    )
    decision_requires_payment = models.BooleanField(
        _("Positive Entscheidung erst nach Zahlung"),
        default=True,
        help_text=_(
            "Ist die Gebühr fällig und nicht bezahlt, kann kein positiver Bescheid erlassen werden."
        ),
    )
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = TenantScopedManager()
    applicant_objects = ApplicantManager()

    class Meta:
        verbose_name = _("Gebühr")
        verbose_name_plural = _("Gebühren")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "form_key"], name="fee_one_per_form"),
        ]

    def __str__(self) -> str:
        return f"{self.form_key} ({self.legal_basis})"


XBEZAHLDIENSTE_ID = RegexValidator(
    ID_PATTERN, _("Bis zu 36 Buchstaben ohne Umlaute, Ziffern, _ oder -.")
)


class ProviderConfig(models.Model):
    """How a member is connected to its Bezahldienst. Authentication: the ePayBL connector's
    TLS client certificate and key, or pmPayment's OAuth2 client credentials; the key and the
    client secret are kept only encrypted (`payments.secrets`) and never shown again. The
    shared secret verifies the notifications (ours, not XBezahldienste 1.0): either named
    (the environment variable that holds it, `secret_reference`) or entered on the page and
    kept only encrypted (`secret_encrypted`)."""

    tenant = tenant_field("payment_provider_configs")
    provider = models.CharField(_("Bezahldienst"), max_length=20, choices=Provider.choices)
    base_url = models.URLField(_("Adresse des Bezahldienstes"), max_length=300)
    originator_id = models.CharField(
        validators=[XBEZAHLDIENSTE_ID],
        verbose_name=_("Originator-ID (Online-Dienst)"),
        max_length=60,
        help_text=_(
            "Vom Bezahldienst vergeben (XBezahldienste originatorId, bis 36 Buchstaben, "
            "Ziffern, _ oder -). pmPayment: das Verfahren; ePayBL-Konnektor: die mit dem "
            "Betreiber vereinbarte Kennung des Online-Dienstes."
        ),
    )
    endpoint_id = models.CharField(
        validators=[XBEZAHLDIENSTE_ID],
        verbose_name=_("Endpoint-ID (zuständige Stelle)"),
        max_length=60,
        help_text=_(
            "Vom Bezahldienst vergeben (XBezahldienste endPointId): die zuständige Stelle, "
            "z. B. der Amtliche Gemeindeschlüssel (pmPayment) oder die mit dem Betreiber des "
            "ePayBL-Konnektors vereinbarte Kennung."
        ),
    )
    secret_reference = models.CharField(
        _("Umgebungsvariable des Schlüssels"),
        max_length=100,
        blank=True,
        help_text=_(
            "Name der Umgebungsvariablen, die den gemeinsamen Schlüssel enthält, z. B. "
            "OPENKOMMUNE_PAYMENT_SECRET_MAGDEBURG. Leer: der auf der Seite eingegebene, "
            "verschlüsselt gespeicherte Schlüssel gilt."
        ),
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    # ePayBL connector: mutual TLS. The certificate is public; the key is kept encrypted only.
    client_certificate = models.TextField(_("Client-Zertifikat (PEM)"), blank=True)
    client_key_encrypted = models.TextField(blank=True, editable=False)
    ca_bundle = models.TextField(
        _("CA-Zertifikate des Bezahldienstes (PEM)"),
        blank=True,
        help_text=_("Leer: die Zertifizierungsstellen des Systems gelten."),
    )
    # pmPayment: OAuth2 client credentials; the client secret is kept encrypted only.
    token_url = models.URLField(_("Token-Adresse (OAuth2)"), max_length=300, blank=True)
    client_id = models.CharField(_("Client-ID (OAuth2)"), max_length=200, blank=True)
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    last_test_at = models.DateTimeField(_("zuletzt geprüft am"), null=True, blank=True)
    last_test_ok = models.BooleanField(_("letzte Prüfung erfolgreich"), null=True, blank=True)
    haushaltsstelle = models.CharField(_("Haushaltsstelle"), max_length=40)
    objektnummer = models.CharField(_("Objektnummer"), max_length=40, blank=True)
    kassenzeichen_prefix = models.CharField(
        _("Kassenzeichen-Präfix"),
        max_length=8,
        help_text=_("Kassenzeichen: Präfix, Jahr, laufende Nummer und Prüfziffer."),
    )
    next_number = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = TenantScopedManager()
    applicant_objects = ApplicantManager()

    class Meta:
        verbose_name = _("Bezahldienst-Anbindung")
        verbose_name_plural = _("Bezahldienst-Anbindungen")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="payment_config_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} – {self.originator_id}"


class Payment(models.Model):
    """One attempt to pay a fee. Amount, Kassenzeichen and booking data are fixed when it
    is created, on the server; nothing the browser sends changes them."""

    tenant = tenant_field("payments")
    public_id = public_id_field(editable=False)
    draft = models.ForeignKey(
        "submissions.Draft", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    draft_public_id = models.UUIDField(_("Entwurf"), null=True, blank=True)
    # A payment of a fee notice (Gebührenbescheid) pays for a submitted application: it has
    # no draft, and its Kassenzeichen is the notice's (every attempt keeps it).
    fee_notice = models.ForeignKey(
        "payments.FeeNotice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    application = models.ForeignKey(
        "submissions.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    form_key = models.SlugField(_("Formular"), max_length=63)
    service_name = models.CharField(_("Leistung"), max_length=300)
    amount = models.DecimalField(_("Betrag"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    computation = models.JSONField(_("Berechnung"), default=dict)
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=500)
    data_sha256 = models.CharField(max_length=64, editable=False)
    purpose = models.CharField(_("Verwendungszweck"), max_length=140)
    kassenzeichen = models.CharField(_("Kassenzeichen"), max_length=40, db_index=True)
    haushaltsstelle = models.CharField(_("Haushaltsstelle"), max_length=40)
    objektnummer = models.CharField(_("Objektnummer"), max_length=40, blank=True)
    provider = models.CharField(_("Bezahldienst"), max_length=20, choices=Provider.choices)
    provider_payment_id = models.CharField(max_length=100, blank=True, db_index=True)
    payment_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(
        _("Stand"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.OPEN
    )
    method = models.CharField(_("Zahlart"), max_length=60, blank=True)
    method_detail = models.CharField(_("Zahlart (Einzelheiten)"), max_length=100, blank=True)
    transaction_id = models.CharField(_("Transaktionsnummer"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("bezahlt am"), null=True, blank=True)
    needs_refund = models.BooleanField(_("zu erstatten"), default=False)
    problem = models.CharField(_("Hinweis"), max_length=300, blank=True)
    refund_reason = models.CharField(_("Grund der Erstattung"), max_length=500, blank=True)
    refunded_at = models.DateTimeField(_("erstattet am"), null=True, blank=True)
    refunded_by = person_field(_("erstattet von"))
    last_checked_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = TenantScopedManager()
    applicant_objects = ApplicantManager()

    class Meta:
        verbose_name = _("Zahlung")
        verbose_name_plural = _("Zahlungen")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payment_status_created"),
            models.Index(fields=["tenant", "paid_at"], name="payment_tenant_paid"),
            models.Index(fields=["draft_public_id"], name="payment_draft"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=Decimal("0")), name="payment_amount_positive"
            ),
            # A draft's payment has a Kassenzeichen of its own; a notice's payments share the
            # notice's.
            models.UniqueConstraint(
                fields=["kassenzeichen"],
                condition=models.Q(fee_notice__isnull=True),
                name="payment_kassenzeichen_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.kassenzeichen


class FeeNotice(models.Model):
    """A fee the applicant pays after the submit: a Gebührenbescheid the clerk issued from
    the case (amount, Kassenzeichen, due date), or the fee of an application submitted
    through the API, which is due before the authority decides. Paid through the member's
    Bezahldienst like a draft's fee; the reconciliation matches the payments to it by its
    Kassenzeichen."""

    tenant = tenant_field("fee_notices")
    public_id = public_id_field(editable=False)
    # Kept when retention deletes the application (like its payments): the Kassenzeichen and
    # amount stay for the reconciliation; the e-mail with the address goes (cases.retention).
    application = models.ForeignKey(
        "submissions.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("Art"), max_length=20, choices=FeeNoticeKind.choices)
    form_key = models.SlugField(_("Formular"), max_length=63)
    service_name = models.CharField(_("Leistung"), max_length=300)
    amount = models.DecimalField(_("Betrag"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    computation = models.JSONField(_("Berechnung"), default=dict)
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=500)
    kassenzeichen = models.CharField(_("Kassenzeichen"), max_length=40, unique=True)
    haushaltsstelle = models.CharField(_("Haushaltsstelle"), max_length=40)
    objektnummer = models.CharField(_("Objektnummer"), max_length=40, blank=True)
    due_on = models.DateField(_("fällig am"))
    status = models.CharField(
        _("Stand"), max_length=20, choices=FeeNoticeStatus.choices, default=FeeNoticeStatus.OPEN
    )
    note = models.CharField(_("Hinweis"), max_length=500, blank=True)
    issued_by = person_field(_("erlassen von"))
    issued_at = models.DateTimeField(_("erlassen am"), default=timezone.now)
    paid_at = models.DateTimeField(_("bezahlt am"), null=True, blank=True)
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    # Its e-mail to the applicant (`core.outbox`): deleted with it, the address included.
    outbox_mails = outbox_mails_relation()

    objects = TenantScopedManager()
    applicant_objects = ApplicantManager()

    class Meta:
        verbose_name = _("Gebührenbescheid")
        verbose_name_plural = _("Gebührenbescheide")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["tenant", "status", "due_on"], name="fee_notice_open_due"),
            models.Index(fields=["application"], name="fee_notice_application"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=Decimal("0")), name="fee_notice_amount_positive"
            ),
            # The fee of an API submission is claimed once per application (retries too).
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(kind="submission"),
                name="fee_notice_one_claim_per_submission",
            ),
        ]

    def __str__(self) -> str:
        return self.kassenzeichen


class PaymentNotification(models.Model):
    """Every notification a Bezahldienst sent, kept with what became of it."""

    tenant = tenant_field("payment_notifications", null=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    received_at = models.DateTimeField(default=timezone.now)
    body_sha256 = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=20, choices=NotificationOutcome.choices)

    objects = TenantScopedManager()
    applicant_objects = ApplicantManager()

    class Meta:
        verbose_name = _("Zahlungsbenachrichtigung")
        verbose_name_plural = _("Zahlungsbenachrichtigungen")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.outcome}"
