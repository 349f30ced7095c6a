"""The case workflow: every pair of states against ALLOWED_TRANSITIONS (rules and service),
reasons and decisions, the applicant's timeline, random walks."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from openkommune.cases.constants import (
    ALLOWED_TRANSITIONS,
    REASON_REQUIRED,
    CaseEventKind,
    CaseStatus,
    Decision,
)
from openkommune.cases.errors import (
    CaseInputInvalid,
    DecisionRequired,
    ReasonRequired,
    TransitionNotAllowed,
)
from openkommune.cases.models import Case, CaseEvent
from openkommune.cases.services import case_transition
from openkommune.cases.services.workflow import allowed_targets, check_transition
from openkommune.submissions.constants import ApplicationStatus, EventKind
from openkommune.submissions.models import ApplicationEvent
from openkommune.tenancy.scoping import scope
from tests.cases.factories import clerk_of, open_case, private_media  # noqa: F401

S = CaseStatus
# The table of the issue, written out once more so a change of the constant is a decision.
EXPECTED = {
    (S.RECEIVED, S.IN_PROGRESS),
    (S.RECEIVED, S.DORMANT),
    (S.IN_PROGRESS, S.INFORMATION_REQUESTED),
    (S.IN_PROGRESS, S.DECIDED),
    (S.IN_PROGRESS, S.DORMANT),
    (S.INFORMATION_REQUESTED, S.IN_PROGRESS),
    (S.INFORMATION_REQUESTED, S.DORMANT),
    (S.DECIDED, S.CLOSED),
    (S.DECIDED, S.IN_PROGRESS),  # correction before closing
    (S.DORMANT, S.IN_PROGRESS),
}
PAIRS = list(itertools.product(S.values, S.values))


def needs(to: str) -> dict:
    """What a transition to `to` must bring along."""
    extra = {}
    if to in REASON_REQUIRED:
        extra["reason"] = "Begründung"
    if to == S.DECIDED:
        extra["decision"] = Decision.APPROVED
    return extra


def test_the_constant_is_the_table():
    assert {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets} == EXPECTED
    assert set(ALLOWED_TRANSITIONS) == set(S.values)
    assert ALLOWED_TRANSITIONS[S.CLOSED] == frozenset()


@pytest.mark.parametrize(("current", "to"), PAIRS)
def test_rule_for_every_pair(current, to):
    if (current, to) in EXPECTED:
        assert check_transition(current, to, **needs(to)) == (
            needs(to).get("reason", ""),
            needs(to).get("decision", ""),
        )
        assert to in allowed_targets(current)
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            check_transition(current, to, **needs(to))
        assert "kann nicht" in refused.value.message
        assert to not in allowed_targets(current)


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media")
def test_service_for_every_pair():
    """Each pair on one case: set the case into `current` (test set-up, in a savepoint that
    is rolled back), then try the service."""
    case = open_case()
    actor = clerk_of(case.tenant)
    for current, to in PAIRS:
        with transaction.atomic():
            with scope(tenant=case.tenant):
                decided = current in (S.DECIDED, S.CLOSED)
                Case.objects.filter(pk=case.pk).update(
                    status=current, decision=Decision.REJECTED if decided else ""
                )
                events_before = CaseEvent.objects.filter(case=case).count()
            fresh = Case._base_manager.get(pk=case.pk)
            if (current, to) in EXPECTED:
                case_transition(tenant=case.tenant, actor=actor, case=fresh, to=to, **needs(to))
                fresh.refresh_from_db()
                assert fresh.status == to, (current, to)
                with scope(tenant=case.tenant):
                    event = CaseEvent.objects.filter(case=case).order_by("sequence").last()
                assert event.kind == CaseEventKind.STATUS_CHANGED
                assert (event.payload["from"], event.payload["to"]) == (current, to)
            else:
                with pytest.raises(TransitionNotAllowed):
                    case_transition(tenant=case.tenant, actor=actor, case=fresh, to=to, **needs(to))
                fresh.refresh_from_db()
                assert fresh.status == current, (current, to)
                with scope(tenant=case.tenant):
                    assert CaseEvent.objects.filter(case=case).count() == events_before
            transaction.set_rollback(True)


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_dormant_needs_a_reason(reason):
    with pytest.raises(ReasonRequired) as refused:
        check_transition(S.IN_PROGRESS, S.DORMANT, reason=reason)
    assert refused.value.message == "Bitte geben Sie an, warum der Vorgang ruht."
    assert refused.value.fields == {"reason": [refused.value.message]}


def test_decision_needs_a_decision_and_a_reason():
    with pytest.raises(DecisionRequired) as refused:
        check_transition(S.IN_PROGRESS, S.DECIDED, reason="Begründung")
    assert "bewilligt, abgelehnt oder teilweise" in refused.value.message
    with pytest.raises(DecisionRequired):
        check_transition(S.IN_PROGRESS, S.DECIDED, reason="Begründung", decision="vielleicht")
    with pytest.raises(ReasonRequired) as refused:
        check_transition(S.IN_PROGRESS, S.DECIDED, decision=Decision.PARTIAL)
    assert refused.value.message == "Bitte begründen Sie die Entscheidung."


def test_a_decision_only_with_decided():
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(S.RECEIVED, S.IN_PROGRESS, decision=Decision.APPROVED)
    assert refused.value.fields == {"decision": [refused.value.message]}


def test_overlong_reason_is_refused():
    with pytest.raises(CaseInputInvalid):
        check_transition(S.IN_PROGRESS, S.DORMANT, reason="x" * 2001)


def test_closed_is_final_with_its_own_message():
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(S.CLOSED, S.IN_PROGRESS)
    assert refused.value.message == (
        "Der Vorgang ist abgeschlossen und kann nicht mehr geändert werden."
    )


def test_unknown_status_is_refused():
    with pytest.raises(TransitionNotAllowed):
        check_transition(S.RECEIVED, "archived")


@given(st.lists(st.sampled_from(S.values), max_size=25))
def test_random_walks_only_follow_the_table(targets):
    """Whatever is tried, the status moves only along the table, and once closed stays."""
    status = S.RECEIVED
    closed = False
    for to in targets:
        try:
            check_transition(status, to, **needs(to))
        except TransitionNotAllowed:
            assert (status, to) not in EXPECTED
            continue
        assert (status, to) in EXPECTED
        assert not closed, "nothing may follow closing"
        status = to
        closed = status == S.CLOSED


# --- with the database: decision, closing, the applicant's timeline --------------------------


def timeline(case) -> list[str]:
    with scope(tenant=case.tenant):
        return list(
            ApplicationEvent.objects.filter(application=case.application)
            .order_by("at", "id")
            .values_list("kind", flat=True)
        )


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media")
def test_a_full_procedure_and_what_the_applicant_sees():
    case = open_case()
    tenant = case.tenant
    actor = clerk_of(tenant)

    def go(to, **extra):
        case_transition(tenant=tenant, actor=actor, case=case, to=to, **extra)
        case.application.refresh_from_db()

    go(S.IN_PROGRESS)
    assert case.application.status == ApplicationStatus.IN_PROGRESS
    go(S.INFORMATION_REQUESTED)
    assert case.application.status == ApplicationStatus.INFORMATION_REQUESTED
    go(S.IN_PROGRESS)
    go(S.DORMANT, reason="Wartet auf Stellungnahme des Veterinäramts.")
    # Dormant is internal: the applicant still sees "in Bearbeitung", no new entry.
    assert case.application.status == ApplicationStatus.IN_PROGRESS
    go(S.IN_PROGRESS)
    go(S.DECIDED, decision=Decision.APPROVED, reason="Alle Voraussetzungen erfüllt.")
    assert case.decision == Decision.APPROVED
    assert case.application.status == ApplicationStatus.DECIDED
    go(S.CLOSED)
    assert case.closed_at is not None
    assert case.decision == Decision.APPROVED
    assert case.application.status == ApplicationStatus.CLOSED
    assert timeline(case) == [
        EventKind.SUBMITTED,
        EventKind.DELIVERED,
        EventKind.RECEIVED,
        EventKind.IN_PROGRESS,
        EventKind.INFORMATION_REQUESTED,
        EventKind.IN_PROGRESS,
        EventKind.DECIDED,
        EventKind.CLOSED,
    ]
    with scope(tenant=tenant):
        events = list(CaseEvent.objects.filter(case=case).order_by("sequence"))
    assert [e.kind for e in events] == [CaseEventKind.OPENED] + [CaseEventKind.STATUS_CHANGED] * 7
    dormant = events[4]
    assert dormant.payload == {
        "from": S.IN_PROGRESS,
        "to": S.DORMANT,
        "reason": "Wartet auf Stellungnahme des Veterinäramts.",
    }
    assert dormant.actor == actor


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media")
def test_a_correction_clears_the_decision_and_the_history_keeps_it():
    case = open_case()
    actor = clerk_of(case.tenant)
    case_transition(tenant=case.tenant, actor=actor, case=case, to=S.IN_PROGRESS)
    case_transition(
        tenant=case.tenant,
        actor=actor,
        case=case,
        to=S.DECIDED,
        decision=Decision.REJECTED,
        reason="Unterlagen fehlen.",
    )
    case_transition(tenant=case.tenant, actor=actor, case=case, to=S.IN_PROGRESS)
    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS
    assert case.decision == ""
    with scope(tenant=case.tenant):
        last = CaseEvent.objects.filter(case=case).order_by("sequence").last()
    assert last.payload["previous_decision"] == Decision.REJECTED


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media")
def test_refused_transition_changes_nothing():
    case = open_case()
    with pytest.raises(ReasonRequired):
        case_transition(tenant=case.tenant, actor=None, case=case, to=S.DORMANT)
    case.refresh_from_db()
    assert case.status == S.RECEIVED
    with scope(tenant=case.tenant):
        assert CaseEvent.objects.filter(case=case).count() == 1
