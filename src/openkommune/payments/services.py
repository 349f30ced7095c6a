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
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.forms.engine import validate
from openkommune.forms.selectors import version_definition
from openkommune.payments import fees, providers
from openkommune.payments.constants import (
    UNSUCCESSFUL,
    NotificationOutcome,
    PaymentStatus,
    PayWhen,
)
from openkommune.payments.errors import (
    PaymentError,
    PaymentNotConfigured,
    PaymentUnavailable,
)
from openkommune.payments.models import FeeSchedule, Payment, PaymentNotification, ProviderConfig
from openkommune.submissions import services as submission_services
from openkommune.submissions.models import Draft
from openkommune.tenancy.services import audit_record, reject_unknown_fields

logger = logging.getLogger(__name__)

__all__ = [
    "PaymentError",
    "PaymentNotConfigured",
    "PaymentUnavailable",
    "data_fingerprint",
    "draft_fee",
    "fee_schedule_set",
    "notification_receive",
    "payment_refresh",
    "payment_refund",
    "payment_start",
    "payments_poll",
    "provider_config_set",
]


def data_fingerprint(data) -> str:
    canonical = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- fees -------------------------------------------------------------------------------------


def fee_schedule_set(
    *, tenant, actor, form_key: str, legal_basis: str, rule, pay_when: str, is_demo=False
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
            }
            unchanged = before == {
                "legal_basis": legal_basis.strip(),
                "rule": rule,
                "pay_when": pay_when,
            }
            if unchanged and schedule.is_demo == is_demo:
                return schedule  # nothing to write, nothing to audit
        schedule.legal_basis = legal_basis.strip()
        schedule.rule = rule
        schedule.pay_when = pay_when
        schedule.is_demo = is_demo
        schedule.save()
        audit_record(
            tenant=tenant,
            actor=actor,
            action="fee.create" if before is None else "fee.update",
            obj=schedule,
            before=before,
            after={"legal_basis": schedule.legal_basis, "rule": rule, "pay_when": pay_when},
        )
    return schedule


PROVIDER_FIELDS = (
    "provider",
    "base_url",
    "originator_id",
    "endpoint_id",
    "secret_reference",
    "haushaltsstelle",
    "objektnummer",
    "kassenzeichen_prefix",
    "is_demo",
)


def provider_config_set(*, tenant, actor, **fields) -> ProviderConfig:
    """Connect the member to its Bezahldienst (or change the connection); audited. The secret
    is never passed here: `secret_reference` names the environment variable holding it."""
    reject_unknown_fields(fields, PROVIDER_FIELDS, "ProviderConfig")
    with transaction.atomic():
        config = ProviderConfig.applicant_objects.filter(tenant=tenant).first()
        before = None if config is None else {f: getattr(config, f) for f in fields}
        if before == fields:
            return config  # nothing to write, nothing to audit
        config = config or ProviderConfig(tenant=tenant)
        for name, value in fields.items():
            setattr(config, name, value)
        try:
            config.clean_fields(exclude=["tenant", "next_number"])
        except ValidationError as invalid:
            raise PaymentError(
                _("Die Anbindung ist unvollständig oder fehlerhaft."), invalid.message_dict
            ) from None
        config.save()
        audit_record(
            tenant=tenant,
            actor=actor,
            action="payment_config.create" if before is None else "payment_config.update",
            obj=config,
            before=before,
            after={f: getattr(config, f) for f in fields},
        )
    return config


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
        "url_on_success": back,
        "url_on_failure": back,
        "url_on_abort": back,
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
    # Outside any transaction: no lock is held while the Bezahldienst answers.
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
    stuck = Payment.applicant_objects.filter(
        status=PaymentStatus.PAID, application__isnull=True, needs_refund=False
    ).values_list("pk", flat=True)[:500]
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
