"""Escalation before breach: the periodic check warns the agent (else the team, else all staff)
once a ticket has used the contract's warning share of a deadline — computed on business
hours across Reformationstag and a weekend, with the clock frozen at chosen instants — once per
ticket and goal, audited, and marked on the staff's ticket list."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from openkommune.core import worker
from openkommune.servicedesk import services
from openkommune.servicedesk.constants import Category, Priority, SlaGoal, Status, Team
from openkommune.servicedesk.escalation import escalations_due
from openkommune.servicedesk.models import TeamMember, TicketEscalation
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def local(*args):
    return datetime(*args, tzinfo=BERLIN)


def _member(user):
    with scopes_disabled():
        return user.memberships.get().tenant


def _open(clerk, opened_at, priority=Priority.HIGH, subject="Fachverfahren hängt"):
    return services.ticket_open(
        tenant=_member(clerk), actor=clerk, subject=subject, body="Bitte helfen.",
        category=Category.INCIDENT, priority=priority, opened_at=opened_at,
    )  # fmt: skip


def _check(at, capture):
    with capture(execute=True):
        return escalations_due(now=at)


def _escalations(ticket):
    with scopes_disabled():
        return list(
            TicketEscalation.objects.filter(ticket=ticket)
            .order_by("pk")
            .values_list("goal", "percent", "threshold_at", "due_at")
        )


def test_warned_at_80_percent_across_reformationstag_and_weekend(
    django_capture_on_commit_callbacks,
):
    clerk = UserFactory(clerk=True)
    agent = UserFactory(cooperative_staff=True)
    team_person = UserFactory(cooperative_staff=True)
    UserFactory(cooperative_staff=True)  # neither assigned nor in the team: not mailed
    services.team_member_add(actor=agent, user=team_person, team=Team.FIRST_LEVEL)
    # HIGH, contract defaults: first response 4 h, resolution 16 h, warning at 80 %.
    # Opened Thu 30.10.2025 14:00. First response: 80 % of 4 h = 3 h 12 min: Thu 14-16 = 2 h,
    # Fri 31.10. Reformationstag, weekend, Mon 3.11. 8:00 + 1 h 12 min = 9:12 (due 10:00).
    ticket = _open(clerk, local(2025, 10, 30, 14))
    assert _check(local(2025, 10, 31, 15), django_capture_on_commit_callbacks) == 0  # holiday
    assert _check(local(2025, 11, 2, 23), django_capture_on_commit_callbacks) == 0  # Sunday
    assert _check(local(2025, 11, 3, 9, 11), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    assert _check(local(2025, 11, 3, 9, 12), django_capture_on_commit_callbacks) == 1
    assert _escalations(ticket) == [
        (SlaGoal.FIRST_RESPONSE, 80, local(2025, 11, 3, 9, 12), local(2025, 11, 3, 10))
    ]
    # No assignee: the ticket's team is warned.
    [warning] = mail.outbox
    assert warning.to == [team_person.email]
    assert f"[Ticket #{ticket.number}]" in warning.subject
    assert "80 %" in warning.subject
    assert "03.11.2025 10:00" in warning.body
    assert str(ticket.public_id) in warning.body

    # Once per ticket and goal, however often the check runs.
    assert _check(local(2025, 11, 3, 9, 30), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1

    # Resolution: 80 % of 16 h = 12 h 48 min: Thu 2 h, Mon 8 h, Tue 4.11. 8:00 + 2 h 48 min
    # = 10:48; due after 16 h: Thu 2 h, Mon 8 h, Tue 8:00 + 6 h = 14:00.
    services.ticket_update(ticket=ticket, actor=agent, assignee=agent, at=local(2025, 11, 3, 9))
    assert _check(local(2025, 11, 4, 10, 47), django_capture_on_commit_callbacks) == 0
    assert _check(local(2025, 11, 4, 10, 48), django_capture_on_commit_callbacks) == 1
    assert _escalations(ticket)[1] == (
        SlaGoal.RESOLUTION, 80, local(2025, 11, 4, 10, 48), local(2025, 11, 4, 14)
    )  # fmt: skip
    assert mail.outbox[1].to == [agent.email]  # the assigned agent only
    with scopes_disabled():
        audits = AuditRecord.objects.filter(action="servicedesk.ticket_escalate")
        assert sorted(record.after["goal"] for record in audits) == ["first_response", "resolution"]
        assert {record.tenant_id for record in audits} == {ticket.tenant_id}


def test_contract_threshold_pause_and_answered_goals(django_capture_on_commit_callbacks):
    clerk = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    services.sla_target_set(
        tenant=_member(clerk), actor=staff, priority=Priority.NORMAL,
        first_response_minutes=8 * 60, resolution_minutes=16 * 60, warning_percent=50,
    )  # fmt: skip
    # Mon 5.1.2026 12:00, NORMAL with the member's contract: 50 % of 8 h = 4 h: Mon 12-16,
    # so 16:00 — but staff answer at 15:00, so no first-response warning.
    answered = _open(clerk, local(2026, 1, 5, 12), Priority.NORMAL, "Beantwortet")
    services.ticket_reply(ticket=answered, actor=staff, body="Wir sind dran.",
                          at=local(2026, 1, 5, 15))  # fmt: skip
    # Another ticket at the same time waits for the member from 13:00 on: the clock stands,
    # no warning however long it waits.
    waiting = _open(clerk, local(2026, 1, 5, 12), Priority.NORMAL, "Wartet")
    services.ticket_update(
        ticket=waiting, actor=staff, status=Status.WAITING_FOR_MEMBER, at=local(2026, 1, 5, 13)
    )
    # Resolution of the answered one: 50 % of 16 h = 8 h: Mon 12-16 = 4 h, Tue 6.1. Heilige
    # Drei Könige, Wed 7.1. 8:00 + 4 h = 12:00.
    assert _check(local(2026, 1, 6, 16), django_capture_on_commit_callbacks) == 0
    assert _check(local(2026, 1, 7, 12), django_capture_on_commit_callbacks) == 1
    assert [row[:2] for row in _escalations(answered)] == [(SlaGoal.RESOLUTION, 50)]
    assert _escalations(waiting) == []
    # Nobody assigned, nobody in the team: every cooperative staff person (deputy rule).
    assert [message.to for message in mail.outbox] == [[staff.email]]
    # A solved ticket is not checked any more.
    services.ticket_update(ticket=waiting, actor=staff, status=Status.RESOLVED,
                           at=local(2026, 1, 7, 13))  # fmt: skip
    assert _check(local(2026, 2, 1, 12), django_capture_on_commit_callbacks) == 0


def test_marked_on_the_staff_list_not_for_members_and_scheduled(
    client, django_capture_on_commit_callbacks
):
    clerk = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    ticket = _open(clerk, local(2025, 10, 30, 14))
    _check(local(2025, 11, 3, 9, 30), django_capture_on_commit_callbacks)
    client.force_login(staff)
    page = client.get(reverse("servicedesk:list")).text
    assert 'data-eskalation="first_response"' in page
    assert "Warnung: Erstreaktion zu 80 % der Frist verbraucht" in page
    detail = client.get(reverse("servicedesk:detail", args=[ticket.public_id])).text
    assert 'id="eskalationen"' in detail
    client.force_login(clerk)
    assert "data-eskalation" not in client.get(reverse("servicedesk:list")).text
    assert (
        'id="eskalationen"'
        not in client.get(reverse("servicedesk:detail", args=[ticket.public_id])).text
    )
    assert "servicedesk.escalations" in [periodic.name for periodic in worker.schedule()]


def test_team_members_are_cooperative_staff_and_audited():
    from django.core.exceptions import ValidationError

    staff = UserFactory(cooperative_staff=True)
    with pytest.raises(ValidationError):
        services.team_member_add(actor=staff, user=UserFactory(clerk=True), team=Team.OPERATIONS)
    member = services.team_member_add(actor=staff, user=staff, team=Team.OPERATIONS)
    services.team_member_remove(actor=staff, member=member)
    assert not TeamMember.objects.exists()
    with scopes_disabled():
        actions = sorted(
            AuditRecord.objects.filter(action__startswith="servicedesk.team_member").values_list(
                "action", flat=True
            )
        )
    assert actions == ["servicedesk.team_member_add", "servicedesk.team_member_remove"]
