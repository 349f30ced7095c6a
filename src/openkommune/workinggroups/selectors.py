"""Reading working groups. The one access rule: a group is seen by its participants and by
the cooperative's staff; everything inside a group is reached through the group, so "not a
participant" and "does not exist" answer the same (DoesNotExist → 404). A participant counts
only while they hold a role in an organisation (`user_memberships`): whoever lost every role
(left their member) sees no group, so everyone who sees one is staff and has completed the
second factor (ADR 0020)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from openkommune.tenancy.selectors import acts_for_cooperative, user_memberships
from openkommune.workinggroups.constants import VOTING_ROLES, ParticipantRole, VoteVisibility
from openkommune.workinggroups.models import (
    AgendaItem,
    CalendarToken,
    Decision,
    GroupFile,
    Meeting,
    Participant,
    Vote,
    WorkingGroup,
)

TOKEN_PURPOSE = "openkommune.workinggroups.calendar"  # noqa: S105 (an HMAC salt)


def group_list(*, user) -> QuerySet[WorkingGroup]:
    """Staff: every group; other staff of a member: the groups they take part in; anyone
    without a role (citizens, people who left their member) and anonymous: none."""
    if user is None or not user.is_authenticated:
        return WorkingGroup.objects.none()
    if acts_for_cooperative(user):
        return WorkingGroup.objects.all()
    if not user_memberships(user):
        return WorkingGroup.objects.none()
    return WorkingGroup.objects.filter(
        participants__user=user, participants__removed_at__isnull=True
    ).distinct()


def group_get(*, user, public_id) -> WorkingGroup:
    return group_list(user=user).get(public_id=public_id)


@dataclass(frozen=True)
class Access:
    """What the person may do in a group."""

    participant: Participant | None
    staff: bool

    @property
    def role(self) -> str | None:
        return self.participant.role if self.participant else None

    @property
    def manages(self) -> bool:
        """Plan meetings, keep the agenda, attendance and minutes, put decisions to vote."""
        return self.staff or self.role == ParticipantRole.CHAIR

    @property
    def votes(self) -> bool:
        return self.role in VOTING_ROLES

    @property
    def uploads(self) -> bool:
        return self.staff or self.role in VOTING_ROLES


def access(*, group: WorkingGroup, user) -> Access:
    participant = (
        Participant.objects.filter(group=group, user=user, removed_at__isnull=True).first()
        if user is not None and user.is_authenticated and user_memberships(user)
        else None
    )
    # The system (None) acts for the cooperative, as in every service (demo loader, imports).
    staff = acts_for_cooperative(user)
    return Access(participant=participant, staff=staff)


def participant_list(*, group: WorkingGroup) -> QuerySet[Participant]:
    """The current participants (not those who left)."""
    return group.participants.filter(removed_at__isnull=True).select_related("user", "organisation")


def voting_participants(*, group: WorkingGroup) -> QuerySet[Participant]:
    return participant_list(group=group).filter(role__in=VOTING_ROLES)


def meeting_list(*, group: WorkingGroup) -> QuerySet[Meeting]:
    return group.meetings.prefetch_related(
        Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position"))
    )


def meetings_upcoming(*, group: WorkingGroup, now=None) -> QuerySet[Meeting]:
    now = now or timezone.now()
    return meeting_list(group=group).filter(ends_at__gte=now).order_by("starts_at", "pk")


def meetings_past(*, group: WorkingGroup, now=None) -> QuerySet[Meeting]:
    now = now or timezone.now()
    return meeting_list(group=group).filter(ends_at__lt=now).order_by("-starts_at", "pk")


def meeting_get(*, group: WorkingGroup, public_id) -> Meeting:
    return group.meetings.get(public_id=public_id)


def attendance_map(*, meeting: Meeting) -> dict[int, bool]:
    """participant id → present, for the participants whose attendance was recorded."""
    return {a.participant_id: a.present for a in meeting.attendances.all()}


def file_list(*, group: WorkingGroup) -> QuerySet[GroupFile]:
    return group.files.select_related("meeting", "uploaded_by")


def file_get(*, group: WorkingGroup, public_id) -> GroupFile:
    return group.files.get(public_id=public_id)


def decision_list(*, group: WorkingGroup) -> QuerySet[Decision]:
    return group.decisions.select_related("meeting", "agenda_item", "contract", "fachverfahren")


def decision_get(*, group: WorkingGroup, public_id) -> Decision:
    return decision_list(group=group).get(public_id=public_id)


def named_votes(*, decision: Decision) -> list[Vote]:
    """Who voted how: only for an open vote; a secret vote keeps no choice to show."""
    if decision.vote_visibility != VoteVisibility.OPEN:
        return []
    return list(
        decision.votes.select_related("participant__user", "participant__organisation").order_by(
            "participant__user__last_name", "pk"
        )
    )


def has_voted(*, decision: Decision, participant: Participant | None) -> bool:
    return participant is not None and decision.votes.filter(participant=participant).exists()


def decisions_for_contract(*, contract) -> QuerySet[Decision]:
    """The decisions linked to a framework contract, newest first (for the contract's page,
    which only the cooperative's staff see)."""
    return (
        Decision.objects.filter(contract=contract)
        .select_related("group", "meeting")
        .order_by("-created_at", "-pk")
    )


# --- calendar tokens ------------------------------------------------------------------------


def derive_calendar_token(salt: str) -> str:
    digest = salted_hmac(TOKEN_PURPOSE, salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def calendar_token_of(*, user) -> str | None:
    row = CalendarToken.objects.filter(user=user).first()
    return derive_calendar_token(row.salt) if row else None


def calendar_user(*, token: str):
    """The person whose feed `token` opens, or None (unknown, reset, or the person gone)."""
    if not token or len(token) > 100:
        return None
    row = (
        CalendarToken.objects.filter(token_hash=calendar_token_hash(token))
        .select_related("user")
        .first()
    )
    if row is None or not hmac.compare_digest(derive_calendar_token(row.salt), token):
        return None
    return row.user if row.user.is_active else None


def feed_meetings(*, user, group: WorkingGroup | None = None) -> QuerySet[Meeting]:
    """The meetings of the groups the person takes part in (the personal feed), or of one
    group the person may see (the group's feed)."""
    if group is None:
        groups = group_list(user=user).filter(
            participants__user=user, participants__removed_at__isnull=True
        )
    else:
        groups = group_list(user=user).filter(pk=group.pk)
    return (
        Meeting.objects.filter(group__in=groups)
        .select_related("group")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position"))
        )
        .order_by("starts_at", "pk")
    )
