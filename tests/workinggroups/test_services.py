"""Working groups: who may do what, meetings from plan to approved minutes, votes with quorum
and secrecy, files through the shared upload intake, audit records."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar

from openkommune.core.outbox_models import OutboxMail, OutboxStatus
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.workinggroups import selectors, services
from openkommune.workinggroups.constants import (
    Choice,
    DecisionStatus,
    MeetingStatus,
    MinutesStatus,
    ParticipantRole,
    VoteVisibility,
    VotingMode,
)
from openkommune.workinggroups.models import GroupFile, Vote
from tests.clamav import EICAR, EICAR_FOUND
from tests.procurement.factories import ContractFactory
from tests.workinggroups.factories import held_meeting, moment, working_group

pytestmark = pytest.mark.django_db


def _audits(action: str) -> list[AuditRecord]:
    with scopes_disabled():
        return list(AuditRecord.objects.filter(action=action).order_by("id"))


def test_only_staff_set_up_groups_and_choose_participants():
    setting = working_group()
    with pytest.raises(PermissionDenied):
        services.group_create(actor=setting.chair, name="Eigener Kreis")
    with pytest.raises(PermissionDenied):
        services.participant_add(
            group=setting.group, actor=setting.chair, email=setting.outsider.email, role="member"
        )
    with pytest.raises(ValidationError) as unknown:
        services.participant_add(
            group=setting.group, actor=setting.staff, email="niemand@example.org", role="member"
        )
    assert "keine Beschäftigten" in str(unknown.value)
    roles = {p.user: p.role for p in selectors.participant_list(group=setting.group)}
    assert roles == {
        setting.chair: ParticipantRole.CHAIR,
        setting.member: ParticipantRole.MEMBER,
        setting.guest: ParticipantRole.GUEST,
    }
    # The participant takes part for their member organisation.
    with scopes_disabled():
        assert setting.participant(setting.chair).organisation == (
            setting.chair.memberships.get().tenant
        )
    assert len(_audits("workinggroup.participant_add")) == 3


def test_a_person_sees_only_the_groups_they_take_part_in():
    setting = working_group()
    other = working_group(name="Arbeitskreis Schulen")
    assert list(selectors.group_list(user=setting.member)) == [setting.group]
    assert list(selectors.group_list(user=setting.outsider)) == []
    assert set(selectors.group_list(user=setting.staff)) == {setting.group, other.group}
    services.participant_remove(
        participant=setting.participant(setting.member), actor=setting.staff
    )
    assert list(selectors.group_list(user=setting.member)) == []
    # Back in: the same row again, with the new role.
    services.participant_add(
        group=setting.group, actor=setting.staff, email=setting.member.email, role="guest"
    )
    assert setting.participant(setting.member).role == ParticipantRole.GUEST
    assert list(selectors.group_list(user=setting.member)) == [setting.group]


def test_meeting_planned_invited_held_and_minuted(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    setting = working_group()
    with pytest.raises(PermissionDenied):
        services.meeting_plan(
            group=setting.group,
            actor=setting.member,
            title="x",
            starts_at=moment(1),
            ends_at=moment(1, 2),
        )
    with pytest.raises(ValidationError) as backwards:
        services.meeting_plan(
            group=setting.group,
            actor=setting.chair,
            title="x",
            starts_at=moment(1),
            ends_at=moment(1, -2),
        )
    assert "ends_at" in backwards.value.message_dict
    meeting = services.meeting_plan(
        group=setting.group,
        actor=setting.chair,
        title="Frühjahrssitzung",
        starts_at=moment(7),
        ends_at=moment(7, 3),
        location="Magdeburg, Raum 1",
        agenda=["Begrüßung", "", "Rahmenvertrag E-Rechnung"],
    )
    assert [i.title for i in meeting.agenda_items.all()] == [
        "Begrüßung",
        "Rahmenvertrag E-Rechnung",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        invited = services.meeting_invite(
            meeting=meeting, actor=setting.chair, base_url="https://ok.example.org"
        )
    assert invited == 3
    assert services.meeting_invite(meeting=meeting, actor=setting.chair) == 0  # once each
    with scopes_disabled():
        rows = OutboxMail.objects.filter(kind="workinggroups.invitation")
        assert sorted(r.recipient for r in rows) == sorted(
            u.email for u in (setting.chair, setting.member, setting.guest)
        )
        assert {r.status for r in rows} == {OutboxStatus.SENT}
    sent = next(m for m in mail.outbox if setting.member.email in m.to)
    assert "Frühjahrssitzung" in sent.subject
    assert "TOP 2: Rahmenvertrag E-Rechnung" in sent.body
    assert f"/genossenschaft/arbeitskreise/{setting.group.public_id}/sitzungen/" in sent.body
    name, content, mimetype = sent.attachments[0]
    assert (name, mimetype) == ("einladung.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Arbeitskreis E-Rechnung: Frühjahrssitzung"
    assert event.decoded("DTSTART") == meeting.starts_at.replace(microsecond=0)

    # Not before it began: attendance, then minutes.
    with pytest.raises(ValidationError):
        services.attendance_record(meeting=meeting, actor=setting.chair, present=[])
    with pytest.raises(ValidationError):
        services.minutes_save(meeting=meeting, actor=setting.chair, text="zu früh")

    meeting = held_meeting(setting, present=[setting.chair, setting.member])
    assert meeting.status == MeetingStatus.HELD
    attendance = selectors.attendance_map(meeting=meeting)
    assert attendance[setting.participant(setting.guest).pk] is False
    assert attendance[setting.participant(setting.member).pk] is True

    services.minutes_save(meeting=meeting, actor=setting.chair, text="TOP 1: begrüßt.")
    meeting.refresh_from_db()
    assert meeting.minutes_status == MinutesStatus.DRAFT
    with pytest.raises(ValidationError) as own:
        services.minutes_approve(meeting=meeting, actor=setting.chair)
    assert "zweite Person" in own.value.messages[0]
    with pytest.raises(PermissionDenied):
        services.minutes_approve(meeting=meeting, actor=setting.member)
    services.minutes_approve(meeting=meeting, actor=setting.staff)
    meeting.refresh_from_db()
    assert meeting.minutes_status == MinutesStatus.APPROVED
    assert meeting.minutes_approved_by == setting.staff
    with pytest.raises(ValidationError):
        services.minutes_save(meeting=meeting, actor=setting.chair, text="später geändert")
    assert [a.after["minutes_status"] for a in _audits("workinggroup.minutes_approve")] == [
        "approved"
    ]


def test_meeting_changes_count_the_calendar_sequence_and_cancel_keeps_it():
    setting = working_group()
    meeting = services.meeting_plan(
        group=setting.group,
        actor=setting.chair,
        title="A",
        starts_at=moment(3),
        ends_at=moment(3, 1),
    )
    services.meeting_update(
        meeting=meeting, actor=setting.chair, title="B", starts_at=moment(4), ends_at=moment(4, 1)
    )
    services.meeting_cancel(meeting=meeting, actor=setting.staff)
    meeting.refresh_from_db()
    assert (meeting.title, meeting.status, meeting.sequence) == ("B", MeetingStatus.CANCELLED, 2)
    with pytest.raises(ValidationError):
        services.meeting_invite(meeting=meeting, actor=setting.chair)


def test_agenda_items_are_renumbered_when_one_goes():
    setting = working_group()
    meeting = services.meeting_plan(
        group=setting.group,
        actor=setting.chair,
        title="A",
        starts_at=moment(3),
        ends_at=moment(3, 1),
        agenda=["Eins", "Zwei", "Drei"],
    )
    services.agenda_item_add(meeting=meeting, actor=setting.chair, title="Vier")
    services.agenda_item_remove(item=meeting.agenda_items.get(position=2), actor=setting.chair)
    assert [(i.position, i.title) for i in meeting.agenda_items.all()] == [
        (1, "Eins"),
        (2, "Drei"),
        (3, "Vier"),
    ]


def test_meeting_vote_counts_against_attendance_and_links_a_contract():
    setting = working_group(quorum=2)
    contract = ContractFactory()
    meeting = held_meeting(setting, present=[setting.chair, setting.member, setting.guest])
    item = meeting.agenda_items.get(position=2)
    decision = services.decision_open(
        group=setting.group,
        actor=setting.chair,
        title="Beitritt zum Rahmenvertrag",
        text="Der Arbeitskreis empfiehlt den Beitritt.",
        voting=VotingMode.MEETING,
        meeting=meeting,
        agenda_item=item,
        contract=contract,
    )
    # The guest was there but does not vote: two voters present.
    with pytest.raises(ValidationError) as too_many:
        services.decision_close(decision=decision, actor=setting.chair, yes=2, no=1, abstain=0)
    assert "mehr Stimmen" in too_many.value.messages[0]
    decision = services.decision_close(
        decision=decision, actor=setting.chair, yes=1, no=0, abstain=1
    )
    assert decision.status == DecisionStatus.ADOPTED
    assert decision.quorum_basis == 2
    assert list(selectors.decisions_for_contract(contract=contract)) == [decision]
    with pytest.raises(ValidationError):
        services.decision_close(decision=decision, actor=setting.chair, yes=0, no=2, abstain=0)


def test_meeting_without_quorum_decides_nothing():
    setting = working_group(quorum=2)
    meeting = held_meeting(setting, present=[setting.chair])
    decision = services.decision_open(
        group=setting.group,
        actor=setting.staff,
        title="Antrag",
        text="…",
        voting=VotingMode.MEETING,
        meeting=meeting,
    )
    decision = services.decision_close(
        decision=decision, actor=setting.staff, yes=1, no=0, abstain=0
    )
    assert decision.status == DecisionStatus.NOT_QUORATE


def test_agenda_item_of_another_meeting_is_refused():
    setting = working_group()
    first = held_meeting(setting)
    second = services.meeting_plan(
        group=setting.group,
        actor=setting.chair,
        title="B",
        starts_at=moment(3),
        ends_at=moment(3, 1),
    )
    with pytest.raises(ValidationError) as error:
        services.decision_open(
            group=setting.group,
            actor=setting.chair,
            title="x",
            text="x",
            voting=VotingMode.MEETING,
            meeting=second,
            agenda_item=first.agenda_items.first(),
        )
    assert "agenda_item" in error.value.message_dict


def _online(setting):
    return services.decision_open(
        group=setting.group,
        actor=setting.chair,
        title="Gemeinsame Schulung",
        text="Wir bestellen eine Schulung.",
        voting=VotingMode.ONLINE,
    )


def test_secret_online_vote_keeps_only_the_counts():
    setting = working_group(visibility=VoteVisibility.SECRET, quorum=2)
    decision = _online(setting)
    services.vote_cast(decision=decision, actor=setting.chair, choice=Choice.YES)
    with pytest.raises(ValidationError):
        services.vote_cast(decision=decision, actor=setting.chair, choice=Choice.NO)
    with pytest.raises(PermissionDenied):
        services.vote_cast(decision=decision, actor=setting.guest, choice=Choice.NO)
    with pytest.raises(PermissionDenied):
        services.vote_cast(decision=decision, actor=setting.outsider, choice=Choice.NO)
    services.vote_cast(decision=decision, actor=setting.member, choice=Choice.NO)
    assert {v.choice for v in Vote.objects.filter(decision=decision)} == {""}
    assert selectors.named_votes(decision=decision) == []
    assert all("choice" not in a.after for a in _audits("workinggroup.vote_cast"))
    decision = services.decision_close(decision=decision, actor=setting.chair)
    assert (decision.yes_count, decision.no_count, decision.abstain_count) == (1, 1, 0)
    assert decision.status == DecisionStatus.REJECTED  # a tie is no majority
    with pytest.raises(ValidationError):
        services.vote_cast(decision=decision, actor=setting.member, choice=Choice.YES)


def test_open_online_vote_shows_who_voted_how():
    setting = working_group(visibility=VoteVisibility.OPEN, quorum=2)
    decision = _online(setting)
    services.vote_cast(decision=decision, actor=setting.chair, choice=Choice.YES)
    services.vote_cast(decision=decision, actor=setting.member, choice=Choice.ABSTAIN)
    named = {v.participant.user: v.choice for v in selectors.named_votes(decision=decision)}
    assert named == {setting.chair: Choice.YES, setting.member: Choice.ABSTAIN}
    decision = services.decision_close(decision=decision, actor=setting.staff)
    assert decision.status == DecisionStatus.ADOPTED
    # A later change of the group's rule does not reveal or hide past votes differently.
    services.group_update(group=setting.group, actor=setting.staff, vote_visibility="secret")
    decision.refresh_from_db()
    assert len(selectors.named_votes(decision=decision)) == 2


def test_online_vote_below_quorum_is_not_quorate():
    setting = working_group(quorum=2)
    decision = _online(setting)
    services.vote_cast(decision=decision, actor=setting.member, choice=Choice.YES)
    decision = services.decision_close(decision=decision, actor=setting.chair)
    assert decision.status == DecisionStatus.NOT_QUORATE


def _upload(name: str, content: bytes):
    buffer = io.BytesIO(content)
    buffer.name = name
    return buffer


def test_files_go_through_the_shared_intake():
    setting = working_group()
    with pytest.raises(PermissionDenied):
        services.file_upload(
            group=setting.group, actor=setting.guest, uploaded_file=_upload("a.txt", b"Hallo")
        )
    with pytest.raises(services.UploadRejected) as refused:
        services.file_upload(
            group=setting.group, actor=setting.member, uploaded_file=_upload("a.exe", b"MZ\x90\x00")
        )
    assert "kann nicht angenommen werden" in refused.value.message
    row = services.file_upload(
        group=setting.group,
        actor=setting.member,
        uploaded_file=_upload("notizen.txt", "Protokollentwurf äöü".encode()),
        title="Entwurf",
    )
    assert (row.title, row.content_type, row.size) == ("Entwurf", "text/plain", 23)
    with pytest.raises(PermissionDenied):
        services.file_delete(file=row, actor=setting.guest)
    services.file_delete(file=row, actor=setting.member)
    assert not GroupFile.objects.exists()


def test_an_infected_file_is_refused(clamav):
    setting = working_group()
    with pytest.raises(services.UploadRejected) as refused:
        services.file_upload(
            group=setting.group, actor=setting.member, uploaded_file=_upload("x.txt", EICAR)
        )
    assert EICAR_FOUND in refused.value.message
    assert not GroupFile.objects.exists()


def test_calendar_token_opens_only_the_persons_feed_and_reset_closes_it():
    setting = working_group()
    token = services.calendar_token_reset(user=setting.member)
    assert selectors.calendar_user(token=token) == setting.member
    assert selectors.calendar_user(token=token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    new = services.calendar_token_reset(user=setting.member)
    assert selectors.calendar_user(token=token) is None
    assert selectors.calendar_user(token=new) == setting.member
    assert selectors.calendar_token_of(user=setting.member) == new
