"""E-mails about bundling rounds through the platform's one outbox (`core.outbox`).

- a round was opened: to the administrators of every current member of the register;
- a round closes soon (its deadline within `CLOSING_NOTICE_DAYS`): to the administrators of
  the current members that have not reported any demand yet (the periodic check
  `notices_due`).

One row per event and person (`dedupe_key`), rendered in German when sent from the round's
current data.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.bundling.constants import RoundStatus
from openkommune.bundling.models import BundlingRound, DemandEntry
from openkommune.core import outbox
from openkommune.core.models import OutboxMail
from openkommune.members.selectors import members_as_of
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Membership
from openkommune.tenancy.scoping import scopes_disabled

ROUND_OPENED = "bundling.round_opened"
ROUND_CLOSING = "bundling.round_closing"
CLOSING_NOTICE_DAYS = 3


def _admins_of_current_members(exclude_ids=frozenset()) -> list[tuple[int, int, str]]:
    """(organisation id, user id, e-mail) of the administrators of today's members."""
    ids = {span.organisation_id for span in members_as_of(timezone.localdate())} - set(exclude_ids)
    with scopes_disabled():
        rows = Membership.objects.filter(
            tenant_id__in=ids, role=Role.MEMBER_ADMIN, user__is_active=True
        ).values_list("tenant_id", "user_id", "user__email")
        return sorted((t, u, e) for t, u, e in rows if e)


def _owe(kind: str, bundling_round: BundlingRound, people) -> int:
    created = 0
    for tenant_id, user_id, email in people:
        _row, new = outbox.owe(
            kind=kind,
            tenant=None,
            subject=bundling_round,
            recipient=email,
            base_url=settings.SITE_URL,
            dedupe_key=f"{kind}:{bundling_round.public_id}:{tenant_id}:{user_id}",
        )
        created += new
    return created


def round_opened_owe(*, bundling_round: BundlingRound) -> int:
    return _owe(ROUND_OPENED, bundling_round, _admins_of_current_members())


@transaction.atomic
def notices_due(*, now: datetime.datetime | None = None) -> int:
    """Open rounds whose deadline is within `CLOSING_NOTICE_DAYS`: remind the members that
    have not reported demand. Returns how many e-mails were newly owed."""
    now = now or timezone.now()
    created = 0
    closing = BundlingRound.objects.filter(
        status=RoundStatus.OPEN,
        deadline__gt=now,
        deadline__lte=now + datetime.timedelta(days=CLOSING_NOTICE_DAYS),
    )
    for bundling_round in closing:
        with scopes_disabled():
            reported = set(
                DemandEntry.objects.filter(round_item__round=bundling_round).values_list(
                    "tenant_id", flat=True
                )
            )
        created += _owe(
            ROUND_CLOSING, bundling_round, _admins_of_current_members(exclude_ids=reported)
        )
    return created


def _build(row: OutboxMail, template: str) -> EmailMessage:
    bundling_round = BundlingRound.objects.get(pk=row.subject_id)
    link = (row.base_url or settings.SITE_URL).rstrip("/") + reverse(
        "bundling:detail", args=[bundling_round.public_id]
    )
    return outbox.render_email(
        template,
        {
            "round": bundling_round,
            "still_open": bundling_round.status == RoundStatus.OPEN,
            "link": link,
        },
        to=[row.recipient],
    )


outbox.register(
    ROUND_OPENED,
    build=lambda row: _build(row, "bundling/email/round_opened"),
    audit="bundling_notice",
    label=_("Bündelungsrunde eröffnet"),
    reference=lambda row: row.subject.title if row.subject else "",
)
outbox.register(
    ROUND_CLOSING,
    build=lambda row: _build(row, "bundling/email/round_closing"),
    audit="bundling_notice",
    label=_("Bündelungsrunde endet bald"),
    reference=lambda row: row.subject.title if row.subject else "",
)
