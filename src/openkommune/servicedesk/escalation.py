"""Escalation before breach: the periodic check (`servicedesk.escalations`, every five minutes
on the job workers' schedule, `core.worker`).

For every ticket not yet solved it computes, per goal still open (first response while
nobody of the cooperative answered; resolution while not solved), the instant at which the
ticket will have used the contract's warning share (`SlaTarget.warning_percent`, default
`DEFAULT_WARNING_PERCENT` = 80 %) of the goal's business time, with the same clock as the due
times (`servicedesk.sla`: business hours, Saxony-Anhalt's public holidays, pauses). Once that
instant has passed, `services.ticket_escalate` records the warning and mails the agent or team
— once per ticket and goal, however often the check runs. A ticket waiting for the member
does not approach its deadline (the clock stands), so it is not warned about while it waits.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from openkommune.servicedesk import selectors, services, sla
from openkommune.servicedesk.constants import DONE_STATES, SlaGoal
from openkommune.servicedesk.models import Ticket
from openkommune.tenancy.scoping import scopes_disabled


def escalations_due(*, now: datetime | None = None) -> int:
    """Warn about every ticket past its warning threshold; the number of new warnings."""
    now = now or timezone.now()
    hours = selectors.business_hours()
    with scopes_disabled():
        tickets = list(
            Ticket.objects.exclude(status__in=DONE_STATES)
            .filter(opened_at__lte=now)
            .select_related("tenant", "assignee")
            .prefetch_related("pauses", "escalations")
            .order_by("opened_at", "pk")
        )
    contracts: dict[tuple[int, str], selectors.Contract] = {}
    created = 0
    for ticket in tickets:
        key = (ticket.tenant_id, ticket.priority)
        if key not in contracts:
            contracts[key] = selectors.contract(tenant=ticket.tenant, priority=ticket.priority)
        contract = contracts[key]
        warned = {row.goal for row in ticket.escalations.all()}
        pauses = [(p.started_at, p.ended_at) for p in ticket.pauses.all()]
        goals = (
            (SlaGoal.FIRST_RESPONSE, contract.first_response, ticket.first_response_at),
            (SlaGoal.RESOLUTION, contract.resolution, ticket.resolved_at),
        )
        for goal, target, reached in goals:
            if goal in warned or reached is not None:
                continue
            threshold = target * contract.warning_percent / 100
            threshold_at = sla.due_at(hours, ticket.opened_at, threshold, pauses)
            if threshold_at is None or threshold_at > now:
                continue
            due_at = sla.due_at(hours, ticket.opened_at, target, pauses)
            if services.ticket_escalate(
                ticket=ticket,
                goal=goal,
                percent=contract.warning_percent,
                threshold_at=threshold_at,
                due_at=due_at,
                at=now,
            ):
                created += 1
    return created
