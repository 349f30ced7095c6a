"""A working group with a chair and members from two different members, and staff."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from openkommune.tenancy.scoping import scopes_disabled
from openkommune.workinggroups import services
from openkommune.workinggroups.constants import ParticipantRole, VoteVisibility
from openkommune.workinggroups.models import Participant, WorkingGroup
from tests.accounts.factories import UserFactory


@dataclass
class Setting:
    group: WorkingGroup
    staff: object
    chair: object
    member: object
    guest: object
    outsider: object  # staff of a member, not in the group

    def participant(self, user) -> Participant:
        return self.group.participants.get(user=user)


def member_person(**kwargs):
    return UserFactory(clerk=True, **kwargs)


def working_group(*, visibility=VoteVisibility.SECRET, quorum=2, **fields) -> Setting:
    staff = UserFactory(cooperative_staff=True)
    chair = member_person(first_name="Clara", last_name="Vorsitz")
    member = member_person(first_name="Max", last_name="Mitglied")
    guest = member_person(first_name="Gerd", last_name="Gast")
    outsider = member_person(first_name="Otto", last_name="Außen")
    group = services.group_create(
        actor=staff,
        name=fields.pop("name", "Arbeitskreis E-Rechnung"),
        description="Erfahrungen mit XRechnung",
        vote_visibility=visibility,
        quorum=quorum,
        **fields,
    )
    with scopes_disabled():
        for user, role in (
            (chair, ParticipantRole.CHAIR),
            (member, ParticipantRole.MEMBER),
            (guest, ParticipantRole.GUEST),
        ):
            services.participant_add(group=group, actor=staff, email=user.email, role=role)
    return Setting(group, staff, chair, member, guest, outsider)


def moment(days: float = 0, hours: float = 0) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days, hours=hours)


def held_meeting(setting: Setting, *, present=None):
    """A meeting that began an hour ago, with the attendance recorded (everyone by default)."""
    meeting = services.meeting_plan(
        group=setting.group,
        actor=setting.chair,
        title="3. Sitzung",
        starts_at=moment(hours=-1),
        ends_at=moment(hours=1),
        location="Magdeburg, Raum 1",
        agenda=["Begrüßung", "Rahmenvertrag E-Rechnung"],
    )
    people = present if present is not None else [setting.chair, setting.member, setting.guest]
    services.attendance_record(
        meeting=meeting,
        actor=setting.chair,
        present={setting.participant(user).pk for user in people},
    )
    meeting.refresh_from_db()
    return meeting
