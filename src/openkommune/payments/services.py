"""Every change of fees and payments: set a fee, start a payment, take in what the
Bezahldienst says (return, notification, status query), complete the submission once paid,
refund. Audited (`tenancy`); money is `Decimal` throughout.

A payment is decided on the server: amount, Kassenzeichen and booking data are fixed when it
is created, and the answers they were computed from are fingerprinted (`data_sha256`). The
browser only chooses "pay now". A provider message changes a payment only when it names it
(request id and Kassenzeichen), carries its amount, is signed with the member's secret
(notifications) or was fetched by us (status query), and fits the payment's state; anything
else is recorded and changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.core.read_cache import Topic, data_changed
from openkommune.forms.engine import validate
from openkommune.forms.selectors import version_definition
from openkommune.payments import emails, fees, providers, secrets
from openkommune.payments.constants import (
    POSITIVE_DECISIONS,
    UNSUCCESSFUL,
    FeeNoticeKind,
    FeeNoticeStatus,
    NotificationOutcome,
    PaymentStatus,
    PayWhen,
)
from openkommune.payments.errors import (
    PaymentError,
    PaymentNotConfigured,
    PaymentUnavailable,
)
from openkommune.payments.models import (
    FeeNotice,
    FeeSchedule,
    Payment,
    PaymentNotification,
    ProviderConfig,
)
from openkommune.submissions import services as submission_services
from openkommune.submissions.models import Draft
from openkommune.tenancy.services import audit_record, reject_unknown_fields

logger = logging.getLogger(__name__)

__all__ = [
    "PaymentError",
    "PaymentNotConfigured",
    "PaymentUnavailable",
    "data_fingerprint",
    "decision_payment_check",
    "draft_fee",
    "fee_claim_for_api_submission",
    "fee_notice_cancel",
    "fee_notice_issue",
    "fee_notice_payment_start",
    "fee_outstanding",
    "fee_schedule_set",
    "notification_receive",
    "payment_refresh",
    "payment_refund",
    "payment_start",
    "payments_poll",
    "provider_config_set",
    "provider_config_test",
]


def data_fingerprint(data) -> str:
    canonical = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- fees -------------------------------------------------------------------------------------


def fee_schedule_set(
    *,
    tenant,
    actor,
    form_key: str,
    legal_basis: str,
    rule,
    pay_when: str,
    is_demo=False,
    decision_requires_payment: bool = True,
):
    """Create or change the member's fee for a form; `PaymentError` (German) for a rule that
    cannot be used, nothing written."""
    try:
        fees.parse_rule(rule)
    except fees.FeeRuleError as error:
        raise PaymentError(error.message, {"rule": [error.message]}) from None
    if not legal_basis.strip():
        message = _("Bitte geben Sie die Rechtsgrundlage der Gebühr an.")
        raise PaymentError(message, {"legal_basis": [message]})
    if pay_when not in PayWhen.values:
        raise PaymentError(_("Unbekannter Zahlungszeitpunkt."))
    with transaction.atomic():
        schedule = FeeSchedule.applicant_objects.filter(tenant=tenant, form_key=form_key).first()
        before = None
        if schedule is None:
            schedule = FeeSchedule(tenant=tenant, form_key=form_key)
        else:
            before = {
                "legal_basis": schedule.legal_basis,
                "rule": schedule.rule,
                "pay_when": schedule.pay_when,
                "decision_requires_payment": schedule.decision_requires_payment,
            }
            unchanged = before == {
                "legal_basis": legal_basis.strip(),
                "rule": rule,
                "pay_when": pay_when,
                "decision_requires_payment": decision_requires_payment,
            }
            if unchanged and schedule.is_demo == is_demo:
                return schedule  # nothing to write, nothing to audit
        schedule.legal_basis = legal_basis.strip()
        schedule.rule = rule
        schedule.pay_when = pay_when
        schedule.decision_requires_payment = decision_requires_payment
        schedule.is_demo = is_demo
        schedule.save()
        # The API's submit reads the schedule from the read cache (`fee_schedule_for_cached`).
        data_changed(Topic.SERVICE_SETTINGS)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="fee.create" if before is None else "fee.update",
            obj=schedule,
            before=before,
            after={
                "legal_basis": schedule.legal_basis,
                "rule": rule,
                "pay_when": pay_when,
                "decision_requires_payment": decision_requires_payment,
            },
        )
    return schedule


PROVIDER_FIELDS = (
    "provider",
    "base_url",
    "originator_id",
    "endpoint_id",
    "secret_reference",
    "client_certificate",
    "ca_bundle",
    "token_url",
    "client_id",
    "haushaltsstelle",
    "objektnummer",
    "kassenzeichen_prefix",
    "is_demo",
)


def _check_credentials(config, *, client_key: str) -> dict[str, list]:
    """What is wrong with the connection's authentication, per form field."""
    problems: dict[str, list] = {}
    certificate = (config.client_certificate or "").strip()
    key = client_key or secrets.decrypt(config.client_key_encrypted)
    if certificate or client_key:
        wrong = providers.check_client_certificate(certificate, key)
        if wrong == "certificate":
            problems["client_certificate"] = [
                _("Das Client-Zertifikat ist kein lesbares PEM-Zertifikat.")
            ]
        elif wrong == "key":
            problems["client_key"] = [
                _("Der private Schlüssel ist kein lesbarer, unverschlüsselter PEM-Schlüssel.")
                if client_key
                else _("Bitte geben Sie den privaten Schlüssel zum Zertifikat ein.")
            ]
        elif wrong == "mismatch":
            problems["client_key"] = [
                _("Der private Schlüssel gehört nicht zum Client-Zertifikat.")
            ]
    if (config.ca_bundle or "").strip() and not providers.check_ca_bundle(config.ca_bundle):
        problems["ca_bundle"] = [_("Die CA-Zertifikate sind keine lesbaren PEM-Zertifikate.")]
    return problems


def provider_config_set(
    *, tenant, actor, secret: str = "", client_key: str = "", client_secret: str = "", **fields
) -> ProviderConfig:
    """Connect the member to its Bezahldienst (or change the connection); audited.

    Write-only (stored encrypted, never returned, shown or audited; empty keeps the stored
    one): `client_key`, the PEM private key of the ePayBL connector's client certificate;
    `client_secret`, pmPayment's OAuth2 client secret; `secret`, the shared secret of
    notifications — or named instead (`secret_reference`: the environment variable)."""
    reject_unknown_fields(fields, PROVIDER_FIELDS, "ProviderConfig")
    secret = (secret or "").strip()
    client_key = (client_key or "").strip()
    client_secret = (client_secret or "").strip()
    if secret and len(secret) < 16:
        message = _("Der Schlüssel ist zu kurz (mindestens 16 Zeichen).")
        raise PaymentError(message, {"secret": [message]})
    entered = {
        "secret_changed": bool(secret),
        "client_key_changed": bool(client_key),
        "client_secret_changed": bool(client_secret),
    }
    with transaction.atomic():
        config = ProviderConfig.applicant_objects.select_for_update().filter(tenant=tenant).first()
        before = None if config is None else {f: getattr(config, f) for f in fields}
        if before == fields and not any(entered.values()):
            return config  # nothing to write, nothing to audit
        config = config or ProviderConfig(tenant=tenant)
        for name, value in fields.items():
            setattr(config, name, value)
        if secret:
            config.secret_encrypted = secrets.encrypt(secret)
        if client_key:
            config.client_key_encrypted = secrets.encrypt(client_key)
        if client_secret:
            config.client_secret_encrypted = secrets.encrypt(client_secret)
        problems = _check_credentials(config, client_key=client_key)
        try:
            config.clean_fields(exclude=["tenant", "next_number"])
        except ValidationError as invalid:
            problems = {**invalid.message_dict, **problems}
        if problems:
            raise PaymentError(_("Die Anbindung ist unvollständig oder fehlerhaft."), problems)
        config.save()
        providers.forget_token(config)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="payment_config.create" if before is None else "payment_config.update",
            obj=config,
            before=before,
            # Whether new secrets were entered, never the secrets.
            after={**{f: getattr(config, f) for f in fields}, **entered},
        )
    return config


TEST_MESSAGES = {
    "ok": gettext_lazy(
        "Verbindung in Ordnung: Der Bezahldienst hat die Anmeldung und die Kennungen angenommen."
    ),
    "refused": gettext_lazy(
        "Der Bezahldienst hat die Anfrage abgewiesen: Bitte prüfen Sie Originator-ID und "
        "Endpoint-ID."
    ),
    "no_credentials": gettext_lazy(
        "Die Anmeldedaten fehlen oder sind nicht lesbar: Bitte geben Sie Client-Zertifikat "
        "und privaten Schlüssel (ePayBL) bzw. Token-Adresse, Client-ID und Client-Secret "
        "(pmPayment) ein. Für ein Client-Zertifikat muss die Adresse mit https:// beginnen."
    ),
    "certificate_refused": gettext_lazy(
        "Der Bezahldienst hat das Client-Zertifikat abgewiesen (unbekannte "
        "Zertifizierungsstelle, abgelaufen oder gesperrt). Bitte prüfen Sie das Zertifikat "
        "mit dem Betreiber des ePayBL-Konnektors."
    ),
    "server_untrusted": gettext_lazy(
        "Das Server-Zertifikat des Bezahldienstes konnte nicht geprüft werden. Bitte prüfen "
        "Sie die Adresse und die CA-Zertifikate des Bezahldienstes."
    ),
    "token_refused": gettext_lazy(
        "Die Token-Adresse hat die Anmeldung abgewiesen oder kein Zugriffstoken geliefert: "
        "Bitte prüfen Sie Token-Adresse, Client-ID und Client-Secret."
    ),
    "unavailable": gettext_lazy(
        "Der Bezahldienst ist unter dieser Adresse nicht erreichbar oder antwortet nicht wie "
        "ein Bezahldienst. Bitte prüfen Sie die Adresse."
    ),
}


def provider_config_test(*, tenant, actor) -> tuple[bool, str]:
    """Test the member's connection (an authenticated status query, `Client.probe`);
    records the result on the connection and in the audit. Returns (ok, German message)."""
    config = ProviderConfig.applicant_objects.filter(tenant=tenant).first()
    if config is None:
        raise PaymentError(_("Es ist noch kein Bezahldienst angebunden."))
    result = providers.Client(config).probe()
    ok = result == "ok"
    with transaction.atomic():
        ProviderConfig.applicant_objects.filter(pk=config.pk).update(
            last_test_at=timezone.now(), last_test_ok=ok
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="payment_config.test",
            obj=config,
            after={"result": result, "base_url": config.base_url},
        )
    return ok, str(TEST_MESSAGES[result])


def draft_fee(draft: Draft, data) -> tuple[FeeSchedule, fees.FeeComputation] | None:
    """The member's fee for the draft's form and what it comes to for the cleaned `data`;
    None when the member charges nothing for it."""
    schedule = FeeSchedule.applicant_objects.filter(
        tenant_id=draft.tenant_id, form_key=draft.form_version.form.key
    ).first()
    if schedule is None:
        return None
    return schedule, fees.compute(schedule.rule, data)


def _cleaned(draft: Draft, answers: dict | None = None):
    """The draft's data validated; `answers` (e.g. the check page's declarations) over it."""
    validation = validate(
        version_definition(draft.form_version),
        {**draft.data, **(answers or {})},
        today=timezone.localdate(),
    )
    return validation


# --- Kassenzeichen ----------------------------------------------------------------------------


def _check_digit(digits: str) -> str:
    """Luhn check digit (mod 10), as many Kassen use for their Kassenzeichen."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def _next_kassenzeichen(config: ProviderConfig, year: int) -> str:
    """Prefix, year, six-digit number and check digit; the number counts per member (the
    config row is locked)."""
    locked = ProviderConfig.applicant_objects.select_for_update().get(pk=config.pk)
    number = locked.next_number
    locked.next_number = number + 1
    locked.save(update_fields=["next_number", "updated_at"])
    digits = f"{year:04d}{number:06d}"
    return f"{locked.kassenzeichen_prefix}{digits}{_check_digit(digits)}"


# --- starting a payment -----------------------------------------------------------------------


def _urls(payment: Payment, base_url: str) -> dict:
    back = base_url.rstrip("/") + reverse("payments:returned", args=[payment.public_id])
    return {
        "redirect_url": back,
        "notify_url": base_url.rstrip("/") + reverse("payments:notify"),
    }


def payment_start(*, draft: Draft, base_url: str) -> Payment:
    """A payment for the draft's fee at the member's Bezahldienst; its `payment_url` is the
    pay page. An open payment for the same answers is used again (the applicant came back
    without paying); one for other answers is cancelled first. Raises `PaymentError` when
    the answers are incomplete or no fee is due, `PaymentNotConfigured`, and
    `PaymentUnavailable` (the payment is kept as not started; nothing is charged)."""
    validation = _cleaned(draft)
    if validation.errors:
        raise PaymentError(_("Bitte vervollständigen Sie zuerst Ihre Angaben."))
    due = draft_fee(draft, validation.data)
    if due is None or due[1].is_free:
        raise PaymentError(_("Für diesen Antrag ist keine Gebühr zu zahlen."))
    schedule, computation = due
    config = ProviderConfig.applicant_objects.filter(tenant_id=draft.tenant_id).first()
    if config is None:
        raise PaymentNotConfigured()
    fingerprint = data_fingerprint(validation.data)
    for earlier in Payment.applicant_objects.filter(draft=draft, status=PaymentStatus.OPEN):
        if (
            earlier.data_sha256 == fingerprint
            and earlier.amount == computation.total
            and earlier.payment_url
        ):
            return earlier
        _void_open(earlier, config)
    if Payment.applicant_objects.filter(draft=draft, status=PaymentStatus.PAID).exists():
        raise PaymentError(_("Diese Gebühr ist schon bezahlt."))
    with transaction.atomic():
        payment = Payment(
            tenant_id=draft.tenant_id,
            draft=draft,
            draft_public_id=draft.public_id,
            form_key=draft.form_version.form.key,
            service_name=draft.service_name[:300],
            amount=computation.total,
            computation=computation.as_json(),
            legal_basis=schedule.legal_basis,
            data_sha256=fingerprint,
            purpose=_purpose(draft),
            kassenzeichen=_next_kassenzeichen(config, timezone.localdate().year),
            haushaltsstelle=config.haushaltsstelle,
            objektnummer=config.objektnummer,
            provider=config.provider,
            is_demo=schedule.is_demo or config.is_demo,
        )
        payment.save()
        audit_record(
            tenant=draft.tenant,
            actor=draft.user,
            action="payment.start",
            obj=payment,
            after={
                "amount": str(payment.amount),
                "kassenzeichen": payment.kassenzeichen,
                "draft": str(draft.public_id),
            },
        )
    return _request_at_provider(payment, config, base_url)


def _request_at_provider(payment: Payment, config: ProviderConfig, base_url: str) -> Payment:
    """Send the stored payment's request to the Bezahldienst (outside any transaction: no
    lock is held while it answers). `PaymentUnavailable` when it cannot: the payment is kept
    as not started, nothing is charged."""
    request = providers.PaymentRequest(
        request_id=str(payment.public_id),
        amount=payment.amount,
        currency=payment.currency,
        purpose=payment.purpose,
        description=payment.service_name,
        kassenzeichen=payment.kassenzeichen,
        haushaltsstelle=payment.haushaltsstelle,
        objektnummer=payment.objektnummer,
        **_urls(payment, base_url),
    )
    try:
        started = providers.Client(config).start(request)
    except providers.ProviderError as error:
        Payment.applicant_objects.filter(pk=payment.pk).update(
            status=PaymentStatus.NOT_STARTED,
            problem=f"Bezahldienst: {error}"[:300],
            updated_at=timezone.now(),
        )
        raise PaymentUnavailable() from None
    payment.provider_payment_id = started.payment_id
    payment.payment_url = started.payment_url
    payment.save(update_fields=["provider_payment_id", "payment_url", "updated_at"])
    return payment


def _purpose(draft: Draft) -> str:
    return f"{draft.service_name}"[:140]


def _void_open(payment: Payment, config: ProviderConfig) -> None:
    """Cancel an open payment at the provider (the answers changed). Asked first: one paid
    meanwhile is taken in instead, never refunded by mistake."""
    if not payment.provider_payment_id:
        Payment.applicant_objects.filter(pk=payment.pk, status=PaymentStatus.OPEN).update(
            status=PaymentStatus.VOIDED, updated_at=timezone.now()
        )
        return
    client = providers.Client(config)
    try:
        info = client.status(payment.provider_payment_id)
        if info.status == PaymentStatus.OPEN:
            info = client.refund(payment.provider_payment_id, "Angaben geändert")
    except providers.ProviderError:
        raise PaymentUnavailable() from None
    _apply(payment.pk, info, source="void")


# --- what the Bezahldienst says ---------------------------------------------------------------


def _matches(payment: Payment, info: providers.PaymentInfo) -> bool:
    if info.request_id and info.request_id != str(payment.public_id):
        return False
    if (
        payment.provider_payment_id
        and info.payment_id
        and info.payment_id != payment.provider_payment_id
    ):
        return False
    if info.reference and info.reference != payment.kassenzeichen:
        return False
    # A payment counts only with exactly its amount (a part payment is no payment).
    return not (info.status == PaymentStatus.PAID and info.amount != payment.amount)


def _apply(payment_pk: int, info: providers.PaymentInfo, *, source: str) -> tuple[Payment, str]:
    """Take in the payment information under the row's lock. Returns the payment and the
    outcome (`NotificationOutcome`)."""
    became_paid = False
    with transaction.atomic():
        payment = (
            Payment.applicant_objects.select_for_update()
            .select_related("tenant")
            .get(pk=payment_pk)
        )
        payment.last_checked_at = timezone.now()
        if not _matches(payment, info):
            payment.save(update_fields=["last_checked_at"])
            logger.warning(
                "payment %s: provider information does not match (%s)", payment.public_id, source
            )
            return payment, NotificationOutcome.MISMATCH
        new = info.status
        if new == payment.status or (new == PaymentStatus.OPEN):
            payment.save(update_fields=["last_checked_at"])
            return payment, NotificationOutcome.DUPLICATE
        # Money that arrived always counts, even after a failure was reported (a late
        # notification): `_complete` then submits, or flags the payment for refund.
        allowed = (
            payment.status == PaymentStatus.OPEN
            or (payment.status in UNSUCCESSFUL and new == PaymentStatus.PAID)
            or (payment.status == PaymentStatus.PAID and new == PaymentStatus.REFUNDED)
        )
        if not allowed:
            payment.save(update_fields=["last_checked_at"])
            logger.warning(
                "payment %s: %s after %s refused (%s)",
                payment.public_id,
                new,
                payment.status,
                source,
            )
            return payment, NotificationOutcome.CONFLICT
        before = payment.status
        payment.status = new
        if new == PaymentStatus.PAID:
            payment.transaction_id = info.transaction_id
            payment.method = info.method
            payment.method_detail = info.method_detail
            payment.paid_at = info.paid_at or timezone.now()
            became_paid = True
        if new == PaymentStatus.REFUNDED and payment.refunded_at is None:
            payment.refunded_at = timezone.now()
        payment.save()
        audit_record(
            tenant=payment.tenant,
            actor=None,
            action=f"payment.{new}",
            obj=payment,
            before={"status": before},
            after={"status": new, "source": source, "transaction_id": payment.transaction_id},
        )
    if became_paid:
        payment = _complete(payment)
    return payment, NotificationOutcome.APPLIED


def _flag(payment: Payment, problem: str) -> Payment:
    with transaction.atomic():
        Payment.applicant_objects.filter(pk=payment.pk).update(
            needs_refund=True, problem=problem[:300], updated_at=timezone.now()
        )
        audit_record(
            tenant=payment.tenant,
            actor=None,
            action="payment.needs_refund",
            obj=payment,
            after={"problem": problem},
        )
    payment.needs_refund, payment.problem = True, problem
    logger.warning("payment %s flagged for refund: %s", payment.public_id, problem)
    return payment


def _complete(payment: Payment) -> Payment:
    """A paid payment: submit its draft, once (the key is the payment's), and link the
    application. A draft gone (expired and deleted), submitted with another payment, changed
    to another fee since, or refused by the submit flags the payment for refund — the money
    is never lost silently."""
    if payment.fee_notice_id:
        return _complete_notice(payment)
    if payment.application_id or payment.needs_refund:
        return payment
    draft = (
        Draft.applicant_objects.select_related(
            "tenant", "form_version__form", "ozg_leistung", "user"
        )
        .filter(pk=payment.draft_id)
        .first()
        if payment.draft_id
        else None
    )
    if draft is None:
        return _flag(payment, _("Zahlung nach Ablauf des Entwurfs eingegangen: bitte erstatten."))
    if draft.is_submitted:
        application = draft.submitted_application
        if (
            Payment.applicant_objects.filter(application=application)
            .exclude(pk=payment.pk)
            .exists()
        ):
            return _flag(
                payment,
                _("Antrag war schon bezahlt und eingereicht: doppelte Zahlung, bitte erstatten."),
            )
    else:
        validation = _cleaned(draft)
        if not validation.errors and data_fingerprint(validation.data) != payment.data_sha256:
            due = draft_fee(draft, validation.data)
            if due is None or due[1].total != payment.amount:
                return _flag(
                    payment,
                    _(
                        "Angaben nach der Zahlung geändert, Gebühr passt nicht mehr: bitte "
                        "erstatten."
                    ),
                )
        try:
            application = submission_services.application_submit(
                draft=draft,
                idempotency_key=f"payment:{payment.public_id}",
                base_url=settings.SITE_URL or None,
            )
        except submission_services.SubmissionError as error:
            return _flag(
                payment,
                _("Antrag konnte nach der Zahlung nicht eingereicht werden: %(reason)s")
                % {"reason": error.message},
            )
    Payment.applicant_objects.filter(pk=payment.pk, application__isnull=True).update(
        application=application, updated_at=timezone.now()
    )
    payment.application = application
    return payment


def payment_refresh(payment: Payment) -> Payment:
    """Ask the Bezahldienst for the payment's status and take it in (the return page and the
    poll). `PaymentUnavailable` when it cannot be asked; the payment stays as it was."""
    if payment.status == PaymentStatus.PAID:
        return _complete(payment)
    if not payment.provider_payment_id or payment.status != PaymentStatus.OPEN:
        return payment
    config = ProviderConfig.applicant_objects.filter(tenant_id=payment.tenant_id).first()
    if config is None:
        raise PaymentNotConfigured()
    try:
        info = providers.Client(config).status(payment.provider_payment_id)
    except providers.ProviderError:
        raise PaymentUnavailable(
            _(
                "Der Bezahldienst antwortet gerade nicht. Wir prüfen Ihre Zahlung in den nächsten "
                "Minuten selbst; ist sie eingegangen, wird Ihr Antrag abgesendet und Sie erhalten "
                "die Bestätigung per E-Mail. Bitte zahlen Sie nicht noch einmal."
            )
        ) from None
    payment, _outcome = _apply(payment.pk, info, source="status")
    return payment


def notification_receive(*, body: bytes, signature: str) -> str:
    """A notification posted by a Bezahldienst. Verified (signature with the member's secret,
    request id, Kassenzeichen, amount), applied once; every notification is recorded with
    its outcome, which is returned."""
    digest = hashlib.sha256(body).hexdigest()
    try:
        payload = json.loads(body)
        info = providers.PaymentInfo.from_json(payload)
        public_id = uuid.UUID(info.request_id)
    except (ValueError, providers.ProviderError):
        PaymentNotification.applicant_objects.create(
            body_sha256=digest, payload={}, outcome=NotificationOutcome.UNKNOWN
        )
        return NotificationOutcome.UNKNOWN
    payment = Payment.applicant_objects.filter(public_id=public_id).first()
    if payment is None:
        PaymentNotification.applicant_objects.create(
            body_sha256=digest, payload=payload, outcome=NotificationOutcome.UNKNOWN
        )
        return NotificationOutcome.UNKNOWN
    config = ProviderConfig.applicant_objects.filter(tenant_id=payment.tenant_id).first()
    if config is None or not providers.verify(config, body, signature):
        logger.warning("payment %s: notification with a wrong signature refused", payment.public_id)
        PaymentNotification.applicant_objects.create(
            tenant_id=payment.tenant_id,
            payment=payment,
            body_sha256=digest,
            payload=payload,
            outcome=NotificationOutcome.BAD_SIGNATURE,
        )
        return NotificationOutcome.BAD_SIGNATURE
    payment, outcome = _apply(payment.pk, info, source="notification")
    PaymentNotification.applicant_objects.create(
        tenant_id=payment.tenant_id,
        payment=payment,
        body_sha256=digest,
        payload=payload,
        outcome=outcome,
    )
    return outcome


def payments_poll(*, now=None) -> int:
    """The periodic job: ask about open payments no notification settled (after
    `PAYMENT_POLL_AFTER_SECONDS`, for `PAYMENT_POLL_DAYS`), and complete paid ones whose
    submission did not happen (the process died in between). Returns how many changed."""
    now = now or timezone.now()
    changed = 0
    quiet = now - datetime.timedelta(seconds=settings.PAYMENT_POLL_AFTER_SECONDS)
    oldest = now - datetime.timedelta(days=settings.PAYMENT_POLL_DAYS)
    open_ids = list(
        Payment.applicant_objects.filter(
            status=PaymentStatus.OPEN, created_at__lte=quiet, created_at__gte=oldest
        )
        .exclude(provider_payment_id="")
        .values_list("pk", flat=True)[:500]
    )
    for pk in open_ids:
        payment = Payment.applicant_objects.get(pk=pk)
        try:
            if payment_refresh(payment).status != PaymentStatus.OPEN:
                changed += 1
        except PaymentError:
            logger.warning("payment %s: status query failed, will ask again", payment.public_id)
    stuck = (
        Payment.applicant_objects.filter(status=PaymentStatus.PAID, needs_refund=False)
        .filter(
            Q(application__isnull=True, fee_notice__isnull=True)
            | Q(fee_notice__status=FeeNoticeStatus.OPEN)
        )
        .values_list("pk", flat=True)[:500]
    )
    for pk in list(stuck):
        _complete(Payment.applicant_objects.select_related("tenant").get(pk=pk))
        changed += 1
    return changed


# --- back office ------------------------------------------------------------------------------


def payment_refund(*, payment: Payment, actor, reason: str) -> Payment:
    """Refund a paid payment (or cancel an open one) through the Bezahldienst, with the
    clerk's reason; audited. `PaymentError` (German) when not possible."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Bitte geben Sie einen Grund an.")
        raise PaymentError(message, {"reason": [message]})
    if payment.status not in {PaymentStatus.PAID, PaymentStatus.OPEN}:
        raise PaymentError(_("Diese Zahlung kann nicht erstattet oder storniert werden."))
    config = ProviderConfig.applicant_objects.filter(tenant_id=payment.tenant_id).first()
    if config is None:
        raise PaymentNotConfigured()
    try:
        info = providers.Client(config).refund(payment.provider_payment_id, reason)
    except providers.ProviderError:
        raise PaymentUnavailable(
            _(
                "Der Bezahldienst ist gerade nicht erreichbar. Es wurde nichts erstattet; "
                "bitte versuchen Sie es später noch einmal."
            )
        ) from None
    if info.status not in {PaymentStatus.REFUNDED, PaymentStatus.CANCELLED}:
        raise PaymentError(_("Der Bezahldienst hat die Erstattung nicht bestätigt."))
    with transaction.atomic():
        locked = Payment.applicant_objects.select_for_update().get(pk=payment.pk)
        before = locked.status
        locked.status = (
            PaymentStatus.REFUNDED if before == PaymentStatus.PAID else PaymentStatus.VOIDED
        )
        locked.refund_reason = reason[:500]
        locked.refunded_at = timezone.now()
        locked.refunded_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.needs_refund = False
        locked.save()
        if before == PaymentStatus.PAID and locked.fee_notice_id:
            # The notice is due again, unless another payment paid it.
            FeeNotice.applicant_objects.filter(
                pk=locked.fee_notice_id, status=FeeNoticeStatus.PAID
            ).exclude(payments__status=PaymentStatus.PAID, payments__needs_refund=False).update(
                status=FeeNoticeStatus.OPEN, paid_at=None, updated_at=timezone.now()
            )
        audit_record(
            tenant=locked.tenant,
            actor=actor,
            action="payment.refund" if before == PaymentStatus.PAID else "payment.cancel",
            obj=locked,
            before={"status": before},
            after={"status": locked.status, "reason": reason, "amount": str(locked.amount)},
        )
    return locked


def is_unsuccessful(payment: Payment) -> bool:
    return payment.status in UNSUCCESSFUL


ZERO = Decimal("0.00")


# --- fee notices (pay later) ------------------------------------------------------------------

KASSENZEICHEN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$")
DEFAULT_DUE_DAYS = 30  # a Gebührenbescheid: due a month after it is issued
API_CLAIM_DUE_DAYS = 14  # the fee of an API submission


def parse_amount(raw) -> Decimal:
    """A euro amount from the clerk ("30", "30,50", "1.234,50"); `PaymentError` otherwise."""
    message = _("Bitte geben Sie den Betrag in Euro an, zum Beispiel 30,00.")
    text = str(raw or "").strip().replace("€", "").replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except (ArithmeticError, ValueError):
        raise PaymentError(message, {"amount": [message]}) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise PaymentError(message, {"amount": [message]})
    if amount <= 0 or amount >= Decimal("10000000"):
        too = _("Der Betrag muss größer als 0 und kleiner als 10.000.000 Euro sein.")
        raise PaymentError(too, {"amount": [too]})
    return amount.quantize(Decimal("0.01"))


def _connected(tenant_id: int) -> ProviderConfig:
    config = ProviderConfig.applicant_objects.filter(tenant_id=tenant_id).first()
    if config is None:
        message = _(
            "Für Ihre Verwaltung ist noch kein Bezahldienst angebunden: Ein Gebührenbescheid "
            "mit Zahlungslink ist erst danach möglich (Seite „Bezahldienst“)."
        )
        raise PaymentError(message, {"amount": [message]})
    return config


def fee_notice_issue(
    *,
    tenant,
    actor,
    application,
    amount=None,
    due_on: datetime.date | None = None,
    kassenzeichen: str = "",
    legal_basis: str = "",
    today: datetime.date | None = None,
    base_url: str | None = None,
) -> FeeNotice:
    """Issue the Gebührenbescheid of a submitted application: the amount (default: the
    member's fee rule applied to the answers), the due date (default: in 30 days) and a
    Kassenzeichen (default: the next of the member's scheme; or the one the HKR system
    gave). The applicant sees it with a pay link on the status page and gets an e-mail
    that it waits there (`payments.emails`, links built on `base_url`). Audited
    (`fee_notice.issue`); `PaymentError` (German, with `fields`) and nothing written when
    anything is wrong."""
    if application.tenant_id != tenant.pk:
        raise PaymentError(_("Dieser Antrag gehört nicht zu Ihrer Verwaltung."))
    today = today or timezone.localdate()
    config = _connected(tenant.pk)
    form_key = application.form_version.form.key
    schedule = FeeSchedule.applicant_objects.filter(tenant=tenant, form_key=form_key).first()
    computation = fees.compute(schedule.rule, application.data) if schedule else None
    if amount in (None, ""):
        if computation is None or computation.is_free:
            message = _(
                "Bitte geben Sie den Betrag an: Für diesen Antrag ergibt sich keine Gebühr."
            )
            raise PaymentError(message, {"amount": [message]})
        amount = computation.total
    amount = parse_amount(amount)
    legal_basis = (legal_basis or (schedule.legal_basis if schedule else "")).strip()
    if not legal_basis:
        message = _("Bitte geben Sie die Rechtsgrundlage der Gebühr an.")
        raise PaymentError(message, {"legal_basis": [message]})
    due_on = due_on or today + datetime.timedelta(days=DEFAULT_DUE_DAYS)
    if due_on < today:
        message = _("Das Fälligkeitsdatum darf nicht in der Vergangenheit liegen.")
        raise PaymentError(message, {"due_on": [message]})
    kassenzeichen = (kassenzeichen or "").strip()
    if kassenzeichen and not KASSENZEICHEN_PATTERN.match(kassenzeichen):
        message = _(
            "Das Kassenzeichen besteht aus 4 bis 40 Buchstaben, Ziffern oder Bindestrichen."
        )
        raise PaymentError(message, {"kassenzeichen": [message]})
    with transaction.atomic():
        # One notice open or paid at a time: the first is cancelled before another is issued.
        earlier = (
            FeeNotice.applicant_objects.select_for_update()
            .filter(application=application)
            .exclude(status=FeeNoticeStatus.CANCELLED)
            .first()
        )
        if earlier is not None:
            message = _(
                "Für diesen Antrag gibt es schon einen Gebührenbescheid (Kassenzeichen "
                "%(k)s, %(state)s)."
            ) % {"k": earlier.kassenzeichen, "state": earlier.get_status_display()}
            raise PaymentError(message, {"amount": [message]})
        if kassenzeichen and (
            FeeNotice.applicant_objects.filter(kassenzeichen=kassenzeichen).exists()
            or Payment.applicant_objects.filter(kassenzeichen=kassenzeichen).exists()
        ):
            message = _("Dieses Kassenzeichen ist schon vergeben.")
            raise PaymentError(message, {"kassenzeichen": [message]})
        notice = FeeNotice.applicant_objects.create(
            tenant=tenant,
            application=application,
            kind=FeeNoticeKind.NOTICE,
            form_key=form_key,
            service_name=application.service_name[:300],
            amount=amount,
            computation=computation.as_json() if computation else {},
            legal_basis=legal_basis[:500],
            kassenzeichen=kassenzeichen or _next_kassenzeichen(config, today.year),
            haushaltsstelle=config.haushaltsstelle,
            objektnummer=config.objektnummer,
            due_on=due_on,
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            is_demo=config.is_demo or bool(schedule and schedule.is_demo),
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="fee_notice.issue",
            obj=notice,
            after={
                "application": application.reference,
                "amount": str(notice.amount),
                "kassenzeichen": notice.kassenzeichen,
                "due_on": notice.due_on.isoformat(),
            },
        )
        emails.email_owe(notice, base_url=base_url)
    return notice


def fee_notice_cancel(*, notice: FeeNotice, actor, reason: str) -> FeeNotice:
    """Cancel (aufheben) an open fee notice with a reason, e.g. to issue a corrected one;
    an open payment of it is cancelled at the Bezahldienst first. Audited."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Bitte geben Sie einen Grund an.")
        raise PaymentError(message, {"reason": [message]})
    if notice.status != FeeNoticeStatus.OPEN:
        raise PaymentError(_("Nur ein offener Gebührenbescheid kann aufgehoben werden."))
    config = _connected(notice.tenant_id)
    for payment in Payment.applicant_objects.filter(fee_notice=notice, status=PaymentStatus.OPEN):
        _void_open(payment, config)
    with transaction.atomic():
        locked = FeeNotice.applicant_objects.select_for_update().get(pk=notice.pk)
        if locked.status != FeeNoticeStatus.OPEN:  # paid meanwhile
            raise PaymentError(_("Der Gebührenbescheid ist inzwischen bezahlt worden."))
        locked.status = FeeNoticeStatus.CANCELLED
        locked.note = reason[:500]
        locked.save(update_fields=["status", "note", "updated_at"])
        audit_record(
            tenant=locked.tenant,
            actor=actor,
            action="fee_notice.cancel",
            obj=locked,
            before={"status": FeeNoticeStatus.OPEN},
            after={"status": locked.status, "reason": reason},
        )
    return locked


def fee_claim_for_api_submission(application, *, schedule=None) -> FeeNotice | None:
    """An application submitted through the API for a service whose fee is paid at the
    submit: the API cannot take the applicant to the pay page first, so the fee is claimed
    right away (a `submission` fee notice with a pay link, due in 14 days) and the authority
    cannot decide positively before it is paid (`fee_outstanding`). Once per application
    (a retry returns the same claim); None when nothing is due at the submit."""
    form_key = application.form_version.form.key
    schedule = (
        schedule
        or FeeSchedule.applicant_objects.filter(
            tenant_id=application.tenant_id, form_key=form_key
        ).first()
    )
    if schedule is None or schedule.pay_when != PayWhen.SUBMISSION:
        return None
    existing = FeeNotice.applicant_objects.filter(
        application=application, kind=FeeNoticeKind.SUBMISSION
    ).first()
    if existing is not None:
        return existing
    config = ProviderConfig.applicant_objects.filter(tenant_id=application.tenant_id).first()
    computation = fees.compute(schedule.rule, application.data)
    if config is None or computation.is_free:
        return None
    today = timezone.localdate()
    try:
        with transaction.atomic():
            notice = FeeNotice.applicant_objects.create(
                tenant_id=application.tenant_id,
                application=application,
                kind=FeeNoticeKind.SUBMISSION,
                form_key=form_key,
                service_name=application.service_name[:300],
                amount=computation.total,
                computation=computation.as_json(),
                legal_basis=schedule.legal_basis,
                kassenzeichen=_next_kassenzeichen(config, today.year),
                haushaltsstelle=config.haushaltsstelle,
                objektnummer=config.objektnummer,
                due_on=today + datetime.timedelta(days=API_CLAIM_DUE_DAYS),
                is_demo=config.is_demo or schedule.is_demo,
            )
            audit_record(
                tenant=application.tenant,
                actor=None,
                action="fee_notice.claim",
                obj=notice,
                after={
                    "application": application.reference,
                    "amount": str(notice.amount),
                    "kassenzeichen": notice.kassenzeichen,
                },
            )
    except IntegrityError:  # a concurrent retry claimed it
        return FeeNotice.applicant_objects.get(
            application=application, kind=FeeNoticeKind.SUBMISSION
        )
    return notice


def fee_notice_payment_start(*, notice: FeeNotice, base_url: str) -> Payment:
    """A payment of the notice at the member's Bezahldienst, under the notice's Kassenzeichen
    and amount (never the browser's). An open payment is used again. `PaymentError` when
    the notice is not open, `PaymentUnavailable` when the Bezahldienst is down."""
    if notice.status == FeeNoticeStatus.PAID:
        raise PaymentError(_("Diese Gebühr ist schon bezahlt."))
    if notice.status != FeeNoticeStatus.OPEN:
        raise PaymentError(_("Dieser Gebührenbescheid ist aufgehoben."))
    config = ProviderConfig.applicant_objects.filter(tenant_id=notice.tenant_id).first()
    if config is None:
        raise PaymentNotConfigured()
    for earlier in Payment.applicant_objects.filter(fee_notice=notice, status=PaymentStatus.OPEN):
        if earlier.amount == notice.amount and earlier.payment_url:
            return earlier
        _void_open(earlier, config)
    if Payment.applicant_objects.filter(fee_notice=notice, status=PaymentStatus.PAID).exists():
        raise PaymentError(_("Diese Gebühr ist schon bezahlt."))
    with transaction.atomic():
        payment = Payment.applicant_objects.create(
            tenant_id=notice.tenant_id,
            application=notice.application,
            fee_notice=notice,
            form_key=notice.form_key,
            service_name=notice.service_name,
            amount=notice.amount,
            computation=notice.computation,
            legal_basis=notice.legal_basis,
            data_sha256="",
            purpose=f"{notice.kassenzeichen} {notice.service_name}"[:140],
            kassenzeichen=notice.kassenzeichen,
            haushaltsstelle=notice.haushaltsstelle,
            objektnummer=notice.objektnummer,
            provider=config.provider,
            is_demo=notice.is_demo,
        )
        audit_record(
            tenant=notice.tenant,
            actor=None,
            action="payment.start",
            obj=payment,
            after={
                "amount": str(payment.amount),
                "kassenzeichen": payment.kassenzeichen,
                "fee_notice": str(notice.public_id),
            },
        )
    return _request_at_provider(payment, config, base_url)


def _complete_notice(payment: Payment) -> Payment:
    """A paid payment of a fee notice marks the notice paid, once. A notice paid by another
    payment already, or cancelled, flags this one for refund."""
    if payment.needs_refund:
        return payment
    with transaction.atomic():
        notice = FeeNotice.applicant_objects.select_for_update().get(pk=payment.fee_notice_id)
        if notice.status == FeeNoticeStatus.OPEN:
            notice.status = FeeNoticeStatus.PAID
            notice.paid_at = payment.paid_at or timezone.now()
            notice.save(update_fields=["status", "paid_at", "updated_at"])
            audit_record(
                tenant=notice.tenant,
                actor=None,
                action="fee_notice.paid",
                obj=notice,
                after={"payment": str(payment.public_id), "amount": str(payment.amount)},
            )
            return payment
        other_paid = (
            Payment.applicant_objects.filter(fee_notice=notice, status=PaymentStatus.PAID)
            .exclude(pk=payment.pk)
            .exists()
        )
    if notice.status == FeeNoticeStatus.PAID and not other_paid:
        return payment  # this payment paid it (asked again)
    if notice.status == FeeNoticeStatus.CANCELLED:
        return _flag(payment, _("Gebührenbescheid war aufgehoben: bitte erstatten."))
    return _flag(payment, _("Gebühr war schon bezahlt: doppelte Zahlung, bitte erstatten."))


# --- a decision may require payment ----------------------------------------------------------


def fee_outstanding(application) -> str:
    """Why a positive decision must wait for the fee (German), or "" when it need not: the
    service requires payment before the decision (`FeeSchedule.decision_requires_payment`),
    a fee is due for the application and no payment of it has been received."""
    schedule = FeeSchedule.applicant_objects.filter(
        tenant_id=application.tenant_id, form_key=application.form_version.form.key
    ).first()
    if schedule is None or not schedule.decision_requires_payment:
        return ""
    if Payment.applicant_objects.filter(
        application=application, status=PaymentStatus.PAID, needs_refund=False
    ).exists():
        return ""
    notices = list(
        FeeNotice.applicant_objects.filter(application=application).exclude(
            status=FeeNoticeStatus.CANCELLED
        )
    )
    if any(n.status == FeeNoticeStatus.PAID for n in notices):
        return ""
    if notices:
        notice = notices[0]
        return _(
            "Die Gebühr von %(amount)s (Kassenzeichen %(k)s, fällig am %(due)s) ist noch nicht "
            "bezahlt. Für diese Leistung kann erst nach der Zahlung positiv entschieden werden."
        ) % {
            "amount": fees.euro(notice.amount),
            "k": notice.kassenzeichen,
            "due": notice.due_on.strftime("%d.%m.%Y"),
        }
    computation = fees.compute(schedule.rule, application.data)
    if computation.is_free:
        return ""
    return _(
        "Die Gebühr von %(amount)s ist fällig und noch nicht bezahlt. Für diese Leistung kann "
        "erst nach der Zahlung positiv entschieden werden: Erlassen Sie zuerst den "
        "Gebührenbescheid und warten Sie den Zahlungseingang ab."
    ) % {"amount": fees.euro(computation.total)}


def decision_payment_check(*, tenant, actor, application, decision: str, obj) -> None:
    """Called by the back office before it decides: a positive decision on an application
    whose fee is due and unpaid is refused with `PaymentError` (German) and the attempt is
    audited (`decision.refused_unpaid`, on `obj`, the case)."""
    if decision not in POSITIVE_DECISIONS:
        return
    reason = fee_outstanding(application)
    if not reason:
        return
    with transaction.atomic():
        audit_record(
            tenant=tenant,
            actor=actor,
            action="decision.refused_unpaid",
            obj=obj,
            after={"decision": decision, "application": application.reference},
        )
    raise PaymentError(reason, {"decision": [reason]})
