"""Reading tickets: members see their own member's tickets (tenant scope), staff see all; the
SLA state of a ticket computed by `servicedesk.sla` from its pauses and the member's targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from openkommune.servicedesk import sla
from openkommune.servicedesk.constants import DEFAULT_TARGETS, DEFAULT_WARNING_PERCENT
from openkommune.servicedesk.models import (
    SatisfactionAnswer,
    SlaTarget,
    Ticket,
    TicketAttachment,
    TicketEscalation,
    TicketMessage,
    TimeEntry,
)
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


@dataclass(frozen=True)
class Contract:
    """A member's SLA for one priority: business-time targets and the warning share."""

    first_response: timedelta
    resolution: timedelta
    warning_percent: int


def contract(*, tenant, priority: str) -> Contract:
    with scope(tenant=tenant):
        row = SlaTarget.objects.filter(tenant=tenant, priority=priority).first()
    if row is None:
        first, resolution = DEFAULT_TARGETS[priority]
        return Contract(first, resolution, DEFAULT_WARNING_PERCENT)
    return Contract(
        timedelta(minutes=row.first_response_minutes),
        timedelta(minutes=row.resolution_minutes),
        row.warning_percent,
    )


def targets(*, tenant, priority: str) -> tuple[timedelta, timedelta]:
    found = contract(tenant=tenant, priority=priority)
    return found.first_response, found.resolution


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
            return Ticket.objects.select_related("tenant", "fachverfahren", "assignee").order_by(
                order, "pk"
            )
    if tenant is None or not user_roles(user, tenant=tenant):
        with scope():
            return Ticket.objects.none()
    with scope(tenant=tenant):
        return (
            Ticket.objects.filter(tenant=tenant)
            .select_related("tenant", "fachverfahren", "assignee")
            .order_by(order, "pk")
        )


def ticket_get(*, user, tenant, public_id) -> Ticket:
    return ticket_list(user=user, tenant=tenant).get(public_id=public_id)


def ticket_messages(*, ticket: Ticket, staff: bool) -> list[TicketMessage]:
    with scope(tenant=ticket.tenant):
        rows = ticket.messages.prefetch_related("attachments")
        if not staff:
            rows = rows.filter(internal=False)
        return list(rows)


def attachment_get(*, user, tenant, public_id) -> TicketAttachment:
    """A kept attachment of a ticket the person may see (members: not of internal notes);
    anything else is DoesNotExist, like a missing one."""
    tickets = ticket_list(user=user, tenant=tenant)
    with scopes_disabled():
        rows = TicketAttachment.objects.filter(
            public_id=public_id, message__ticket__in=tickets
        ).exclude(storage_name="")
        if not acts_for_cooperative(user):
            rows = rows.filter(message__internal=False)
        return rows.select_related("message").get()


def ticket_escalations(*, tickets) -> dict[int, list[TicketEscalation]]:
    """The warnings of the given tickets (reached through a scoped list), by ticket id."""
    ids = [ticket.pk for ticket in tickets]
    found: dict[int, list[TicketEscalation]] = {}
    with scopes_disabled():
        for row in TicketEscalation.objects.filter(ticket_id__in=ids).order_by("created_at"):
            found.setdefault(row.ticket_id, []).append(row)
    return found


def ticket_time_entries(*, ticket: Ticket) -> list[TimeEntry]:
    with scope(tenant=ticket.tenant):
        return list(ticket.time_entries.select_related("agent"))


def ticket_satisfaction(*, ticket: Ticket) -> SatisfactionAnswer | None:
    with scope(tenant=ticket.tenant):
        return SatisfactionAnswer.objects.filter(ticket=ticket).first()


def satisfaction_ticket(*, public_id: str) -> Ticket | None:
    """The ticket a valid satisfaction link names (the link is the credential)."""
    with scopes_disabled():
        try:
            return Ticket.objects.select_related("tenant").get(public_id=public_id)
        except (Ticket.DoesNotExist, ValueError):
            return None


@dataclass(frozen=True)
class ReportLine:
    ticket: Ticket
    sla: SlaState
    minutes: int = 0
    rating: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class MemberReport:
    member: object
    lines: list[ReportLine] = field(default_factory=list)

    @property
    def breached(self) -> int:
        return sum(
            1
            for line in self.lines
            if line.sla.first_response_breached or line.sla.resolution_breached
        )

    @property
    def first_response_breached(self) -> int:
        return sum(1 for line in self.lines if line.sla.first_response_breached)

    @property
    def resolution_breached(self) -> int:
        return sum(1 for line in self.lines if line.sla.resolution_breached)

    @property
    def minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def ratings(self) -> list[int]:
        return [line.rating for line in self.lines if line.rating is not None]

    @property
    def average_rating(self) -> float | None:
        ratings = self.ratings
        return round(sum(ratings) / len(ratings), 2) if ratings else None


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end


def sla_report(*, user, tenant, year: int, month: int, now=None) -> list[MemberReport]:
    """Tickets opened in the month (Europe/Berlin), per member, with their SLA state, the
    minutes booked on them and the requester's rating; staff: every member, others: their
    own member."""
    start, end = month_bounds(year, month)
    rows = ticket_list(user=user, tenant=tenant, sort="eroeffnet").filter(
        opened_at__gte=start, opened_at__lt=end
    )
    with scopes_disabled():
        tickets = list(rows.order_by("tenant__name", "opened_at", "pk"))
        ids = [ticket.pk for ticket in tickets]
        minutes = dict(
            TimeEntry.objects.filter(ticket_id__in=ids)
            .values("ticket_id")
            .annotate(total=Sum("minutes"))
            .values_list("ticket_id", "total")
        )
        ratings = {
            ticket_id: (rating, comment)
            for ticket_id, rating, comment in SatisfactionAnswer.objects.filter(
                ticket_id__in=ids
            ).values_list("ticket_id", "rating", "comment")
        }
    reports: dict[int, MemberReport] = {}
    for ticket in tickets:
        entry = reports.setdefault(ticket.tenant_id, MemberReport(ticket.tenant, []))
        entry.lines.append(
            ReportLine(
                ticket,
                ticket_sla(ticket, now=now),
                minutes.get(ticket.pk, 0),
                *ratings.get(ticket.pk, (None, "")),
            )
        )
    return list(reports.values())
