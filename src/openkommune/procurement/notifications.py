"""E-mails about procurement events, through the platform's one outbox (`core.outbox`).

Events (issue 19, part 4):
- a call-off waits for approval: to every member administrator who may approve it (not
  one of the people who changed it); when nobody may, to the cooperative's staff (deputy);
- the approval was decided (approved or rejected): to the person who submitted it;
- a framework contract expires in 90 and in 30 days: to the cooperative's staff;
- a contract's volume reached 80 %: to the cooperative's staff.

Each e-mail is a row owed in the transaction of the change (or of the daily check,
`notices_due`), with a unique `dedupe_key` per event and recipient, so an event is mailed
once per person however often the check runs. Rows name their subject (call-off or
contract) and are rendered when sent, in German, from its current data. Bundling rounds'
e-mails (opened, closing) are in `bundling.notifications`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openkommune.core import outbox
from openkommune.core.models import OutboxMail
from openkommune.procurement.constants import USAGE_WARNING_SHARE, CallOffStatus
from openkommune.procurement.models import CallOff, FrameworkContract
from openkommune.procurement.selectors import contract_usage, today
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Membership, Organisation
from openkommune.tenancy.scoping import scope, scopes_disabled

APPROVAL_WAITING = "procurement.approval_waiting"
APPROVAL_DECIDED = "procurement.approval_decided"
CONTRACT_EXPIRY = "procurement.contract_expiry"
VOLUME_WARNING = "procurement.volume_warning"
# Days before a contract's last day on which staff are told (the larger first).
EXPIRY_NOTICE_DAYS = (90, 30)


def cooperative_staff_addresses() -> list[tuple[int, str]]:
    """(user id, e-mail) of the cooperative's active staff."""
    with scopes_disabled():
        rows = Membership.objects.filter(
            role=Role.COOPERATIVE_STAFF, tenant__is_cooperative=True, user__is_active=True
        ).values_list("user_id", "user__email")
        return sorted({(pk, email) for pk, email in rows if email})


def _cooperative() -> Organisation | None:
    return Organisation.objects.filter(is_cooperative=True).first()


def _owe(kind: str, *, tenant, subject, recipient: str, key: str) -> OutboxMail:
    row, _created = outbox.owe(
        kind=kind,
        tenant=tenant,
        subject=subject,
        recipient=recipient,
        base_url=settings.SITE_URL,
        dedupe_key=f"{kind}:{key}"[:160],
    )
    return row


# --- owing (inside the transaction of the change) -------------------------------------------


def approval_waiting_owe(*, call_off: CallOff, approvers: list) -> list[OutboxMail]:
    """To each person who may approve; none (deputy rule): to the cooperative's staff."""
    if approvers:
        people = [(user.pk, user.email) for user in approvers if user.email]
        tenant = call_off.tenant
    else:
        people = cooperative_staff_addresses()
        tenant = call_off.tenant
    return [
        _owe(
            APPROVAL_WAITING,
            tenant=tenant,
            subject=call_off,
            recipient=email,
            key=f"{call_off.public_id}:{user_id}",
        )
        for user_id, email in people
    ]


def approval_decided_owe(*, call_off: CallOff) -> OutboxMail | None:
    person = call_off.submitted_by or call_off.created_by
    if person is None or not person.email:
        return None
    return _owe(
        APPROVAL_DECIDED,
        tenant=call_off.tenant,
        subject=call_off,
        recipient=person.email,
        key=f"{call_off.public_id}:{person.pk}",
    )


def volume_warning_owe(*, contract: FrameworkContract) -> list[OutboxMail]:
    """When the committed volume has reached 80 % of the maximum: once per staff person."""
    if contract_usage(contract).share < USAGE_WARNING_SHARE:
        return []
    return [
        _owe(
            VOLUME_WARNING,
            tenant=None,
            subject=contract,
            recipient=email,
            key=f"{contract.public_id}:{user_id}",
        )
        for user_id, email in cooperative_staff_addresses()
    ]


@transaction.atomic
def notices_due(*, on: datetime.date | None = None) -> int:
    """The daily check: contracts ending within 90 and within 30 days, contracts at 80 %
    of their volume. Returns how many e-mails were newly owed (dedupe keys make it safe to
    run as often as wanted)."""
    on = on or today()
    before = OutboxMail.objects.filter(kind__in=(CONTRACT_EXPIRY, VOLUME_WARNING)).count()
    staff = cooperative_staff_addresses()
    running = FrameworkContract.objects.filter(starts_on__lte=on, ends_on__gte=on)
    for contract in running:
        days_left = (contract.ends_on - on).days
        for days in sorted(EXPIRY_NOTICE_DAYS):
            if days_left <= days:
                for user_id, email in staff:
                    _owe(
                        CONTRACT_EXPIRY,
                        tenant=None,
                        subject=contract,
                        recipient=email,
                        key=f"{contract.public_id}:{days}:{user_id}",
                    )
                break  # the nearest notice only: 20 days left owes the 30-day one, not both
        volume_warning_owe(contract=contract)
    return OutboxMail.objects.filter(kind__in=(CONTRACT_EXPIRY, VOLUME_WARNING)).count() - before


# --- the messages (built by the outbox's job) --------------------------------------------------


def _link(row: OutboxMail, path: str) -> str:
    return (row.base_url or settings.SITE_URL).rstrip("/") + path


def _call_off(row: OutboxMail) -> CallOff:
    with scope(tenant=row.tenant_id):
        return CallOff.objects.select_related("tenant", "supplier", "contract").get(
            pk=row.subject_id
        )


def build_approval_waiting(row: OutboxMail) -> EmailMessage:
    call_off = _call_off(row)
    return outbox.render_email(
        "procurement/email/approval_waiting",
        {
            "call_off": call_off,
            "still_waiting": call_off.status == CallOffStatus.AWAITING_APPROVAL,
            "link": _link(row, reverse("procurement:call_off_detail", args=[call_off.reference])),
        },
        to=[row.recipient],
    )


def build_approval_decided(row: OutboxMail) -> EmailMessage:
    call_off = _call_off(row)
    return outbox.render_email(
        "procurement/email/approval_decided",
        {
            "call_off": call_off,
            "approved": call_off.status in (CallOffStatus.APPROVED, CallOffStatus.ORDERED),
            "link": _link(row, reverse("procurement:call_off_detail", args=[call_off.reference])),
        },
        to=[row.recipient],
    )


def _contract(row: OutboxMail) -> FrameworkContract:
    return FrameworkContract.objects.get(pk=row.subject_id)


def build_contract_expiry(row: OutboxMail) -> EmailMessage:
    contract = _contract(row)
    return outbox.render_email(
        "procurement/email/contract_expiry",
        {
            "contract": contract,
            "days_left": (contract.ends_on - today()).days,
            "link": _link(row, reverse("procurement:contract_detail", args=[contract.public_id])),
        },
        to=[row.recipient],
    )


def build_volume_warning(row: OutboxMail) -> EmailMessage:
    contract = _contract(row)
    usage = contract_usage(contract)
    return outbox.render_email(
        "procurement/email/volume_warning",
        {
            "contract": contract,
            "percent": int(usage.share * 100),
            "link": _link(row, reverse("procurement:contract_usage", args=[contract.public_id])),
        },
        to=[row.recipient],
    )


outbox.register(
    APPROVAL_WAITING,
    build=build_approval_waiting,
    audit="procurement_notice",
    label=_("Abruf wartet auf Freigabe"),
    reference=lambda row: row.subject.reference if row.subject else "",
)
outbox.register(
    APPROVAL_DECIDED,
    build=build_approval_decided,
    audit="procurement_notice",
    label=_("Freigabe eines Abrufs entschieden"),
    reference=lambda row: row.subject.reference if row.subject else "",
)
outbox.register(
    CONTRACT_EXPIRY,
    build=build_contract_expiry,
    audit="procurement_notice",
    label=_("Rahmenvertrag läuft aus"),
    reference=lambda row: row.subject.number if row.subject else "",
)
outbox.register(
    VOLUME_WARNING,
    build=build_volume_warning,
    audit="procurement_notice",
    label=_("Rahmenvertrag zu 80 % ausgeschöpft"),
    reference=lambda row: row.subject.number if row.subject else "",
)
