"""Reading tickets: members see their own member's tickets (tenant scope), staff see all; the
SLA state of a ticket computed by `servicedesk.sla` from its pauses and the member's targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from openkommune.servicedesk import sla
from openkommune.servicedesk.constants import DEFAULT_TARGETS
from openkommune.servicedesk.models import SlaTarget, Ticket, TicketMessage
from openkommune.tenancy.scoping import scope, scopes_disabled
from openkommune.tenancy.selectors import acts_for_cooperative, user_roles

SORTS = {
    "eroeffnet": "opened_at",
    "-eroeffnet": "-opened_at",
    "prioritaet": "priority",
    "-prioritaet": "-priority",
    "status": "status",
    "-status": "-status",
}


def business_hours() -> sla.BusinessHours:
    config = getattr(settings, "OPENKOMMUNE_SERVICEDESK_HOURS", {})
    return sla.BusinessHours(**config)


def targets(*, tenant, priority: str) -> tuple[timedelta, timedelta]:
    with scope(tenant=tenant):
        row = SlaTarget.objects.filter(tenant=tenant, priority=priority).first()
    if row is None:
        return DEFAULT_TARGETS[priority]
    return timedelta(minutes=row.first_response_minutes), timedelta(minutes=row.resolution_minutes)


@dataclass(frozen=True)
class SlaState:
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_breached: bool
    resolution_breached: bool
    paused: bool


def ticket_sla(ticket: Ticket, *, now: datetime | None = None) -> SlaState:
    now = now or timezone.now()
    hours = business_hours()
    first, resolution = targets(tenant=ticket.tenant, priority=ticket.priority)
    with scope(tenant=ticket.tenant):
        pauses = [(p.started_at, p.ended_at) for p in ticket.pauses.all()]
    first_due = sla.due_at(hours, ticket.opened_at, first, pauses)
    resolution_due = sla.due_at(hours, ticket.opened_at, resolution, pauses)

    def breached(due, done_at):
        if due is None:
            return False
        return (done_at or now) > due

    return SlaState(
        first_response_due=first_due,
        resolution_due=resolution_due,
        first_response_breached=breached(first_due, ticket.first_response_at),
        resolution_breached=breached(resolution_due, ticket.resolved_at),
        paused=bool(pauses) and pauses[-1][1] is None,
    )


def ticket_list(*, user, tenant, sort: str = "-eroeffnet") -> QuerySet[Ticket]:
    """Staff: every member's tickets; everyone else: the tickets of `tenant` only."""
    order = SORTS.get(sort, "-opened_at")
    if acts_for_cooperative(user):
        with scopes_disabled():
            return Ticket.objects.select_related("tenant", "fachverfahren").order_by(order, "pk")
    if tenant is None or not user_roles(user, tenant=tenant):
        with scope():
            return Ticket.objects.none()
    with scope(tenant=tenant):
        return (
            Ticket.objects.filter(tenant=tenant)
            .select_related("tenant", "fachverfahren")
            .order_by(order, "pk")
        )


def ticket_get(*, user, tenant, public_id) -> Ticket:
    return ticket_list(user=user, tenant=tenant).get(public_id=public_id)


def ticket_messages(*, ticket: Ticket, staff: bool) -> list[TicketMessage]:
    with scope(tenant=ticket.tenant):
        rows = ticket.messages.all()
        if not staff:
            rows = rows.filter(internal=False)
        return list(rows)


@dataclass(frozen=True)
class ReportLine:
    ticket: Ticket
    sla: SlaState


@dataclass(frozen=True)
class MemberReport:
    member: object
    lines: list[ReportLine]

    @property
    def breached(self) -> int:
        return sum(
            1
            for line in self.lines
            if line.sla.first_response_breached or line.sla.resolution_breached
        )


def sla_report(*, user, tenant, year: int, month: int, now=None) -> list[MemberReport]:
    """Tickets opened in the month (Europe/Berlin), per member, with their SLA state; staff:
    every member, others: their own member."""
    tz = timezone.get_default_timezone()
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    rows = ticket_list(user=user, tenant=tenant, sort="eroeffnet").filter(
        opened_at__gte=start, opened_at__lt=end
    )
    with scopes_disabled():
        tickets = list(rows.order_by("tenant__name", "opened_at", "pk"))
    reports: dict[int, MemberReport] = {}
    for ticket in tickets:
        entry = reports.setdefault(ticket.tenant_id, MemberReport(ticket.tenant, []))
        entry.lines.append(ReportLine(ticket, ticket_sla(ticket, now=now)))
    return list(reports.values())
