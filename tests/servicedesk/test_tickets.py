"""Tickets: opening, replies, internal notes, pause states that stop the SLA clock, tenant
isolation and audit records."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openkommune.servicedesk import selectors, services
from openkommune.servicedesk.constants import Category, Priority, Status, Team
from openkommune.servicedesk.models import SlaTarget, Ticket
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def local(*args):
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def staff():
    return UserFactory(cooperative_staff=True)


@pytest.fixture
def clerk():
    return UserFactory(clerk=True)


def _member(user):
    with scopes_disabled():
        return user.memberships.get().tenant


def _open(clerk, **fields):
    values = {
        "subject": "Einwohnermeldeamt startet nicht",
        "body": "Seit heute Morgen kommt eine Fehlermeldung.",
        "category": Category.INCIDENT,
        "priority": Priority.HIGH,
    } | fields
    return services.ticket_open(tenant=_member(clerk), actor=clerk, **values)


def test_open_reply_note_and_audit(clerk, staff):
    ticket = _open(clerk, opened_at=local(2025, 10, 30, 14))
    assert ticket.status == Status.NEW
    assert ticket.number == ticket.pk
    services.ticket_reply(ticket=ticket, actor=staff, body="Nur intern", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # an internal note is no response
    services.ticket_reply(
        ticket=ticket, actor=staff, body="Wir sehen es uns an.", at=local(2025, 10, 30, 15)
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == local(2025, 10, 30, 15)
    assert ticket.status == Status.IN_PROGRESS
    member_view = selectors.ticket_messages(ticket=ticket, staff=False)
    staff_view = selectors.ticket_messages(ticket=ticket, staff=True)
    assert [m.body for m in member_view] == [
        "Seit heute Morgen kommt eine Fehlermeldung.",
        "Wir sehen es uns an.",
    ]
    assert "Nur intern" in [m.body for m in staff_view]
    with scopes_disabled():
        actions = list(
            AuditRecord.objects.filter(object_id=str(ticket.public_id)).values_list(
                "action", flat=True
            )
        )
    assert sorted(actions) == [
        "servicedesk.ticket_note",
        "servicedesk.ticket_open",
        "servicedesk.ticket_reply",
    ]


def test_members_cannot_write_notes_or_act_for_others(clerk, staff):
    ticket = _open(clerk)
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=ticket, actor=clerk, body="x", internal=True)
    stranger = UserFactory(clerk=True)
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=ticket, actor=stranger, body="Hallo")
    with pytest.raises(PermissionDenied):
        services.ticket_open(
            tenant=_member(clerk), actor=stranger, subject="x", body="y",
            category=Category.REQUEST, priority=Priority.LOW,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.ticket_update(ticket=ticket, actor=clerk, status=Status.CLOSED)


def test_bad_input_changes_nothing(clerk, staff):
    with pytest.raises(ValidationError):
        _open(clerk, priority="dringendst")
    with pytest.raises(ValidationError):
        _open(clerk, body="   ")
    ticket = _open(clerk)
    with pytest.raises(ValidationError):
        services.ticket_update(ticket=ticket, actor=staff, status="verschwunden")
    with scopes_disabled():
        assert Ticket.objects.count() == 1
        assert Ticket.objects.get().status == Status.NEW


def test_waiting_for_member_pauses_and_the_answer_resumes(clerk, staff):
    member = _member(clerk)
    with scope(tenant=member):
        SlaTarget.objects.create(
            tenant=member, priority=Priority.HIGH, first_response_minutes=60,
            resolution_minutes=16 * 60,
        )  # fmt: skip
    # Mon 2.11.2026 9:00, resolution 16 h; waiting Mon 10:00 - Tue 12:00 (the member answers):
    # Mon 9-10 = 1 h, Tue 12-16 = 4 h, Wed 8 h, Thu 8:00 + 3 h = 11:00.
    ticket = _open(clerk, opened_at=local(2026, 11, 2, 9))
    services.ticket_update(
        ticket=ticket, actor=staff, status=Status.WAITING_FOR_MEMBER, at=local(2026, 11, 2, 10)
    )
    paused = selectors.ticket_sla(ticket, now=local(2026, 11, 2, 11))
    assert paused.paused
    assert paused.resolution_due is None
    assert paused.first_response_breached  # 1 h target, nothing answered by 10:00
    services.ticket_reply(
        ticket=ticket, actor=clerk, body="Hier die Angaben.", at=local(2026, 11, 3, 12)
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    state = selectors.ticket_sla(ticket, now=local(2026, 11, 5, 10))
    assert not state.paused
    assert state.resolution_due == local(2026, 11, 5, 11)
    assert not state.resolution_breached
    assert selectors.ticket_sla(ticket, now=local(2026, 11, 5, 11, 1)).resolution_breached
    services.ticket_update(
        ticket=ticket, actor=staff, status=Status.RESOLVED, team=Team.APPLICATIONS,
        at=local(2026, 11, 5, 10, 30),
    )  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.resolved_at == local(2026, 11, 5, 10, 30)
    assert not selectors.ticket_sla(ticket, now=local(2026, 12, 1, 9)).resolution_breached


def test_default_targets_across_reformationstag(clerk):
    # No contract row: HIGH defaults to 4 h first response. Thu 30.10.2025 14:00:
    # Thu 14-16 = 2 h, Fri holiday, weekend, Mon 3.11. 8:00 + 2 h = 10:00.
    ticket = _open(clerk, opened_at=local(2025, 10, 30, 14))
    state = selectors.ticket_sla(ticket, now=local(2025, 11, 3, 9))
    assert state.first_response_due == local(2025, 11, 3, 10)
    assert not state.first_response_breached
    assert selectors.ticket_sla(ticket, now=local(2025, 11, 3, 10, 0, 1)).first_response_breached


def test_members_see_only_their_own_tickets(clerk, staff):
    own = _open(clerk)
    other_clerk = UserFactory(clerk=True)
    other = _open(other_clerk, subject="Fremdes Ticket")
    mine = list(selectors.ticket_list(user=clerk, tenant=_member(clerk)))
    assert mine == [own]
    with pytest.raises(Ticket.DoesNotExist):
        selectors.ticket_get(user=clerk, tenant=_member(clerk), public_id=other.public_id)
    assert set(selectors.ticket_list(user=staff, tenant=None)) == {own, other}
    assert list(selectors.ticket_list(user=UserFactory(), tenant=None)) == []
    assert timedelta(0) < selectors.targets(tenant=OrganisationFactory(), priority="low")[0]


def test_sla_targets_are_staff_only_audited_and_checked(clerk, staff):
    member = _member(clerk)
    with pytest.raises(PermissionDenied):
        services.sla_target_set(
            tenant=member, actor=clerk, priority=Priority.LOW,
            first_response_minutes=60, resolution_minutes=120,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.sla_target_set(
            tenant=member, actor=staff, priority=Priority.LOW,
            first_response_minutes=600, resolution_minutes=60,
        )  # fmt: skip
    services.sla_target_set(
        tenant=member, actor=staff, priority=Priority.LOW,
        first_response_minutes=30, resolution_minutes=90,
    )  # fmt: skip
    assert selectors.targets(tenant=member, priority=Priority.LOW) == (
        timedelta(minutes=30),
        timedelta(minutes=90),
    )
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="servicedesk.sla_target_set").count() == 1
        assert SlaTarget.objects.count() == 1
