"""Every change in a working group: atomic, checked against the person's rights in the group
(`selectors.access`) and audited under the cooperative (the groups are its data).

The cooperative's staff set groups up and choose their participants; the chair and staff plan
meetings, keep agenda, attendance and minutes and put decisions to the vote; minutes are
approved by a second person (not the one who wrote them); chair and members vote and upload
files, guests read.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.accounts.models import User
from openkommune.cases.services.files import UploadRejected, intake, too_large
from openkommune.core import outbox
from openkommune.core.files import delete_private
from openkommune.submissions.constants import AttachmentType
from openkommune.tenancy.selectors import (
    cooperative_get,
    require_cooperative_staff,
    user_memberships,
)
from openkommune.tenancy.services import audit_record, snapshot
from openkommune.workinggroups import selectors
from openkommune.workinggroups.constants import (
    INVITATION_MAIL_KIND,
    VOTING_ROLES,
    Choice,
    DecisionStatus,
    MeetingStatus,
    MinutesStatus,
    ParticipantRole,
    VoteVisibility,
    VotingMode,
)
from openkommune.workinggroups.models import (
    AgendaItem,
    Attendance,
    CalendarToken,
    Decision,
    GroupFile,
    Invitation,
    Meeting,
    Participant,
    Vote,
    WorkingGroup,
)

__all__ = ["UploadRejected", "too_large"]

GROUP_FIELDS = ("name", "description", "vote_visibility", "quorum", "is_demo")
MEETING_FIELDS = ("title", "starts_at", "ends_at", "location", "status", "sequence")
DECISION_FIELDS = (
    "title",
    "status",
    "voting",
    "vote_visibility",
    "quorum",
    "yes_count",
    "no_count",
    "abstain_count",
    "quorum_basis",
    "contract",
    "fachverfahren",
    "meeting",
    "agenda_item",
)
FILE_TYPES = tuple(AttachmentType.values)


def _audit(*, actor, action: str, obj, before=None, after=None) -> None:
    audit_record(
        tenant=cooperative_get(), actor=actor, action=action, obj=obj, before=before, after=after
    )


def _group_snapshot(group: WorkingGroup) -> dict:
    return snapshot(group, GROUP_FIELDS) | {
        "contracts": sorted(str(c.public_id) for c in group.contracts.all()),
        "fachverfahren": sorted(str(f.public_id) for f in group.fachverfahren.all()),
    }


def _require_manager(group: WorkingGroup, actor) -> selectors.Access:
    rights = selectors.access(group=group, user=actor)
    if not rights.manages:
        raise PermissionDenied(_("Das dürfen nur der Vorsitz und die Genossenschaft."))
    return rights


# --- groups and participants ------------------------------------------------------------------


@transaction.atomic
def group_create(*, actor, contracts=(), fachverfahren=(), **fields) -> WorkingGroup:
    require_cooperative_staff(actor, _("Arbeitskreise richtet die Genossenschaft ein."))
    unknown = set(fields) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown group fields: {sorted(unknown)}")
    group = WorkingGroup(**fields)
    group.full_clean()
    group.save()
    group.contracts.set(contracts)
    group.fachverfahren.set(fachverfahren)
    _audit(actor=actor, action="workinggroup.create", obj=group, after=_group_snapshot(group))
    return group


@transaction.atomic
def group_update(
    *, group: WorkingGroup, actor, contracts=None, fachverfahren=None, **changes
) -> WorkingGroup:
    require_cooperative_staff(actor, _("Arbeitskreise richtet die Genossenschaft ein."))
    unknown = set(changes) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown group fields: {sorted(unknown)}")
    row = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    before = _group_snapshot(row)
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    if contracts is not None:
        row.contracts.set(contracts)
    if fachverfahren is not None:
        row.fachverfahren.set(fachverfahren)
    after = _group_snapshot(row)
    if after != before:
        _audit(actor=actor, action="workinggroup.update", obj=row, before=before, after=after)
    return row


def _organisation_for(user):
    """The organisation a person takes part for: their member (the first by name), else the
    cooperative when they work only for it."""
    memberships = user_memberships(user)
    members = [m.tenant for m in memberships if not m.tenant.is_cooperative]
    if members:
        return members[0]
    return memberships[0].tenant if memberships else None


@transaction.atomic
def participant_add(*, group: WorkingGroup, actor, email: str, role: str) -> Participant:
    """Add the person with this e-mail address (staff of a member or of the cooperative), or
    change the role of someone who takes part already, or take back someone who left."""
    require_cooperative_staff(actor, _("Die Teilnehmenden wählt die Genossenschaft aus."))
    if role not in ParticipantRole.values:
        raise ValidationError({"role": _("Bitte wählen Sie eine Rolle.")})
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    organisation = _organisation_for(user) if user else None
    if organisation is None:
        raise ValidationError(
            {
                "email": _(
                    "Unter dieser Adresse gibt es keine Beschäftigten eines Mitglieds oder der "
                    "Genossenschaft."
                )
            }
        )
    row = Participant.objects.select_for_update().filter(group=group, user=user).first()
    before = snapshot(row, ("role", "organisation", "removed_at")) if row else None
    if row is None:
        row = Participant(group=group, user=user)
    elif row.removed_at is None and row.role == role:
        return row
    row.organisation = organisation
    row.role = role
    row.removed_at = None
    row.save()
    _audit(
        actor=actor,
        action="workinggroup.participant_add"
        if before is None
        else "workinggroup.participant_change",
        obj=row,
        before=before,
        after=snapshot(row, ("role", "organisation", "removed_at")) | {"user": user.pk},
    )
    return row


@transaction.atomic
def participant_remove(*, participant: Participant, actor) -> Participant:
    """The person leaves the group: no longer sees it; their votes and attendance stay."""
    require_cooperative_staff(actor, _("Die Teilnehmenden wählt die Genossenschaft aus."))
    row = Participant.objects.select_for_update().get(pk=participant.pk)
    if row.removed_at is not None:
        return row
    row.removed_at = timezone.now()
    row.save(update_fields=["removed_at", "updated_at"])
    _audit(
        actor=actor,
        action="workinggroup.participant_remove",
        obj=row,
        before={"role": row.role},
        after={"removed_at": row.removed_at},
    )
    return row


# --- meetings -----------------------------------------------------------------------------------


def _check_times(starts_at, ends_at) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("Das Ende muss nach dem Beginn liegen.")})


@transaction.atomic
def meeting_plan(
    *,
    group: WorkingGroup,
    actor,
    title: str,
    starts_at,
    ends_at,
    location: str = "",
    agenda: list[str] | tuple[str, ...] = (),
) -> Meeting:
    _require_manager(group, actor)
    _check_times(starts_at, ends_at)
    meeting = Meeting(
        group=group,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.strip(),
    )
    meeting.full_clean()
    meeting.save()
    titles = [line.strip() for line in agenda if line.strip()]
    for position, item in enumerate(titles, 1):
        if len(item) > 200:
            raise ValidationError(
                {"agenda": _("Ein Tagesordnungspunkt hat höchstens 200 Zeichen.")}
            )
        AgendaItem.objects.create(meeting=meeting, position=position, title=item)
    _audit(
        actor=actor,
        action="workinggroup.meeting_plan",
        obj=meeting,
        after=snapshot(meeting, MEETING_FIELDS) | {"agenda": titles},
    )
    return meeting


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, actor, title: str, starts_at, ends_at, location: str = ""
) -> Meeting:
    """Change time, place or title of a planned meeting; calendars take it over (SEQUENCE)."""
    row = _lock_meeting(meeting)
    _require_manager(row.group, actor)
    if row.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Nur eine geplante Sitzung kann geändert werden."))
    _check_times(starts_at, ends_at)
    before = snapshot(row, MEETING_FIELDS)
    row.title, row.starts_at, row.ends_at = title.strip(), starts_at, ends_at
    row.location = location.strip()
    row.sequence += 1
    row.full_clean()
    row.save()
    _audit(
        actor=actor,
        action="workinggroup.meeting_update",
        obj=row,
        before=before,
        after=snapshot(row, MEETING_FIELDS),
    )
    return row


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor) -> Meeting:
    row = _lock_meeting(meeting)
    _require_manager(row.group, actor)
    if row.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Nur eine geplante Sitzung kann abgesagt werden."))
    before = snapshot(row, MEETING_FIELDS)
    row.status = MeetingStatus.CANCELLED
    row.sequence += 1
    row.save()
    _audit(
        actor=actor,
        action="workinggroup.meeting_cancel",
        obj=row,
        before=before,
        after=snapshot(row, MEETING_FIELDS),
    )
    return row


@transaction.atomic
def meeting_invite(*, meeting: Meeting, actor, base_url: str = "") -> int:
    """Owe every current participant not yet invited an invitation e-mail (with the meeting
    as an iCalendar file), sent through the outbox after the commit. The number invited."""
    row = _lock_meeting(meeting)
    _require_manager(row.group, actor)
    if row.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Eingeladen wird nur zu einer geplanten Sitzung."))
    invited = set(row.invitations.values_list("participant_id", flat=True))
    cooperative = cooperative_get()
    count = 0
    for participant in selectors.participant_list(group=row.group):
        if participant.pk in invited:
            continue
        invitation = Invitation.objects.create(meeting=row, participant=participant)
        outbox.owe(
            kind=INVITATION_MAIL_KIND,
            tenant=cooperative,
            subject=invitation,
            recipient=participant.user.email,
            base_url=base_url,
            dedupe_key=f"{INVITATION_MAIL_KIND}:{invitation.public_id}",
            new_subject=True,
        )
        count += 1
    if count:
        row.invited_at = timezone.now()
        row.save(update_fields=["invited_at", "updated_at"])
        _audit(
            actor=actor,
            action="workinggroup.meeting_invite",
            obj=row,
            after={"invited": count},
        )
    return count


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, actor, title: str) -> AgendaItem:
    row = _lock_meeting(meeting)
    _require_manager(row.group, actor)
    if row.status == MeetingStatus.CANCELLED or row.minutes_status == MinutesStatus.APPROVED:
        raise ValidationError(_("Die Tagesordnung dieser Sitzung ist abgeschlossen."))
    position = (row.agenda_items.aggregate(last=Max("position"))["last"] or 0) + 1
    item = AgendaItem(meeting=row, position=position, title=title.strip())
    item.full_clean()
    item.save()
    _audit(
        actor=actor,
        action="workinggroup.agenda_item_add",
        obj=item,
        after={"meeting": str(row.public_id), "position": position, "title": item.title},
    )
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, actor) -> None:
    """Remove a point; the later points move up one number."""
    row = _lock_meeting(item.meeting)
    _require_manager(row.group, actor)
    if row.status == MeetingStatus.CANCELLED or row.minutes_status == MinutesStatus.APPROVED:
        raise ValidationError(_("Die Tagesordnung dieser Sitzung ist abgeschlossen."))
    if item.decisions.exists():
        raise ValidationError(
            _("Zu diesem Tagesordnungspunkt gibt es einen Beschluss; er bleibt stehen.")
        )
    _audit(
        actor=actor,
        action="workinggroup.agenda_item_remove",
        obj=item,
        before={"meeting": str(row.public_id), "position": item.position, "title": item.title},
    )
    position = item.position
    item.delete()
    # One by one from the top: the unique (meeting, position) holds after every step.
    for later in row.agenda_items.filter(position__gt=position).order_by("position"):
        later.position = F("position") - 1
        later.save(update_fields=["position"])


@transaction.atomic
def attendance_record(*, meeting: Meeting, actor, present: set[int] | list[int]) -> Meeting:
    """Record who of the current participants was there (ids of participants); the meeting
    counts as held from then on. Only once it has begun."""
    row = _lock_meeting(meeting)
    _require_manager(row.group, actor)
    if row.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Die Sitzung wurde abgesagt."))
    if row.starts_at > timezone.now():
        raise ValidationError(_("Die Anwesenheit wird erst ab Beginn der Sitzung erfasst."))
    if row.minutes_status == MinutesStatus.APPROVED:
        raise ValidationError(_("Das Protokoll ist genehmigt; die Anwesenheit steht fest."))
    participants = list(selectors.participant_list(group=row.group))
    known = {p.pk for p in participants}
    present = {int(pk) for pk in present}
    if not present <= known:
        raise ValidationError(_("Unbekannte Teilnehmende in der Anwesenheitsliste."))
    for participant in participants:
        Attendance.objects.update_or_create(
            meeting=row,
            participant=participant,
            defaults={"present": participant.pk in present},
        )
    before = {"status": row.status}
    row.status = MeetingStatus.HELD
    row.save(update_fields=["status", "updated_at"])
    _audit(
        actor=actor,
        action="workinggroup.attendance_record",
        obj=row,
        before=before,
        after={
            "status": row.status,
            "present": sorted(p.user_id for p in participants if p.pk in present),
        },
    )
    return row


@transaction.atomic
def minutes_save(*, meeting: Meeting, actor, text: str) -> Meeting:
    row = _lock_meeting(meeting)
    _require_manager(row.group, actor)
    if row.status != MeetingStatus.HELD:
        raise ValidationError(
            _("Ein Protokoll gibt es erst, wenn die Anwesenheit der Sitzung erfasst ist.")
        )
    if row.minutes_status == MinutesStatus.APPROVED:
        raise ValidationError(_("Das Protokoll ist genehmigt und kann nicht mehr geändert werden."))
    if not text.strip():
        raise ValidationError({"minutes": _("Das Protokoll ist leer.")})
    before = {"minutes": row.minutes, "minutes_status": row.minutes_status}
    row.minutes = text.strip()
    row.minutes_status = MinutesStatus.DRAFT
    row.minutes_written_by = actor
    row.save()
    _audit(
        actor=actor,
        action="workinggroup.minutes_save",
        obj=row,
        before=before,
        after={"minutes": row.minutes, "minutes_status": row.minutes_status},
    )
    return row


@transaction.atomic
def minutes_approve(*, meeting: Meeting, actor) -> Meeting:
    """A second person approves the minutes: the chair or the cooperative's staff, not the
    one who wrote them (four eyes)."""
    row = _lock_meeting(meeting)
    _require_manager(row.group, actor)
    if row.minutes_status != MinutesStatus.DRAFT:
        raise ValidationError(_("Es gibt kein Protokoll, das auf Genehmigung wartet."))
    if row.minutes_written_by_id == actor.pk:
        raise ValidationError(
            _("Das Protokoll genehmigt eine zweite Person, nicht wer es geschrieben hat.")
        )
    row.minutes_status = MinutesStatus.APPROVED
    row.minutes_approved_by = actor
    row.minutes_approved_at = timezone.now()
    row.save()
    _audit(
        actor=actor,
        action="workinggroup.minutes_approve",
        obj=row,
        before={"minutes_status": MinutesStatus.DRAFT},
        after={"minutes_status": row.minutes_status},
    )
    return row


# --- files ----------------------------------------------------------------------------------


def file_upload(
    *, group: WorkingGroup, actor, uploaded_file, title: str = "", meeting: Meeting | None = None
) -> GroupFile:
    """Type from the content, virus scan and private storage as for the citizens' uploads
    (`cases.services.files.intake`); raises `UploadRejected` with a German message."""
    rights = selectors.access(group=group, user=actor)
    if not rights.uploads:
        raise PermissionDenied(_("Gäste können keine Dateien hochladen."))
    if meeting is not None and meeting.group_id != group.pk:
        raise ValidationError({"meeting": _("Diese Sitzung gehört nicht zum Arbeitskreis.")})
    stored = intake(uploaded_file, folder="workinggroups", accept=FILE_TYPES)
    try:
        with transaction.atomic():
            row = GroupFile(
                group=group,
                meeting=meeting,
                title=(title or "").strip() or stored.original_name,
                original_name=stored.original_name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_name=stored.storage_name,
                scan_result=stored.scan_result,
                uploaded_by=actor,
            )
            row.full_clean()
            row.save()
            _audit(
                actor=actor,
                action="workinggroup.file_upload",
                obj=row,
                after={
                    "title": row.title,
                    "name": row.original_name,
                    "sha256": row.sha256,
                    "scan_result": row.scan_result,
                },
            )
    except BaseException:
        delete_private(stored.storage_name)
        raise
    return row


@transaction.atomic
def file_delete(*, file: GroupFile, actor) -> None:
    rights = selectors.access(group=file.group, user=actor)
    if not (rights.manages or (rights.participant and file.uploaded_by_id == actor.pk)):
        raise PermissionDenied(_("Diese Datei dürfen Sie nicht löschen."))
    _audit(
        actor=actor,
        action="workinggroup.file_delete",
        obj=file,
        before={"title": file.title, "name": file.original_name, "sha256": file.sha256},
    )
    storage_name = file.storage_name
    file.delete()
    transaction.on_commit(lambda: delete_private(storage_name))


# --- decisions and votes --------------------------------------------------------------------


@transaction.atomic
def decision_open(
    *,
    group: WorkingGroup,
    actor,
    title: str,
    text: str,
    voting: str,
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    contract=None,
    fachverfahren=None,
) -> Decision:
    """Put a proposal to the vote under the group's current rule (visibility, quorum)."""
    _require_manager(group, actor)
    errors = {}
    if meeting is not None and meeting.group_id != group.pk:
        errors["meeting"] = _("Diese Sitzung gehört nicht zum Arbeitskreis.")
    if agenda_item is not None and (meeting is None or agenda_item.meeting_id != meeting.pk):
        errors["agenda_item"] = _("Der Tagesordnungspunkt gehört nicht zu dieser Sitzung.")
    if voting == VotingMode.MEETING and meeting is None:
        errors["meeting"] = _("Eine Abstimmung in der Sitzung braucht die Sitzung.")
    if meeting is not None and meeting.status == MeetingStatus.CANCELLED:
        errors["meeting"] = _("Die Sitzung wurde abgesagt.")
    if errors:
        raise ValidationError(errors)
    decision = Decision(
        group=group,
        meeting=meeting,
        agenda_item=agenda_item,
        title=title.strip(),
        text=text.strip(),
        voting=voting,
        vote_visibility=group.vote_visibility,
        quorum=group.quorum,
        contract=contract,
        fachverfahren=fachverfahren,
        opened_by=actor,
    )
    decision.full_clean()
    decision.save()
    _audit(
        actor=actor,
        action="workinggroup.decision_open",
        obj=decision,
        after=snapshot(decision, DECISION_FIELDS),
    )
    return decision


@transaction.atomic
def vote_cast(*, decision: Decision, actor, choice: str) -> None:
    """One vote of a voting participant in an online vote. In a secret vote the choice only
    goes into the counts; the audit record says that the person voted, not how."""
    row = Decision.objects.select_for_update().select_related("group").get(pk=decision.pk)
    rights = selectors.access(group=row.group, user=actor)
    if not rights.votes:
        raise PermissionDenied(_("Abstimmen dürfen der Vorsitz und die Mitglieder."))
    if row.voting != VotingMode.ONLINE or not row.is_open:
        raise ValidationError(_("Über diesen Beschluss wird hier nicht (mehr) abgestimmt."))
    if choice not in Choice.values:
        raise ValidationError({"choice": _("Bitte wählen Sie Ja, Nein oder Enthaltung.")})
    open_vote = row.vote_visibility == VoteVisibility.OPEN
    try:
        with transaction.atomic():
            Vote.objects.create(
                decision=row, participant=rights.participant, choice=choice if open_vote else ""
            )
    except IntegrityError:
        raise ValidationError(_("Sie haben schon abgestimmt.")) from None
    counter = {Choice.YES: "yes_count", Choice.NO: "no_count", Choice.ABSTAIN: "abstain_count"}
    Decision.objects.filter(pk=row.pk).update(**{counter[choice]: F(counter[choice]) + 1})
    _audit(
        actor=actor,
        action="workinggroup.vote_cast",
        obj=row,
        after={"voted": True} | ({"choice": choice} if open_vote else {}),
    )


def _result(decision: Decision) -> str:
    if decision.quorum_basis < decision.quorum:
        return DecisionStatus.NOT_QUORATE
    # Simple majority of the votes cast: abstentions count for the quorum, not the majority.
    return (
        DecisionStatus.ADOPTED
        if decision.yes_count > decision.no_count
        else DecisionStatus.REJECTED
    )


@transaction.atomic
def decision_close(
    *, decision: Decision, actor, yes: int | None = None, no: int | None = None,
    abstain: int | None = None,
) -> Decision:  # fmt: skip
    """End the vote and state the result. Online: the counts of the votes cast, the quorum on
    the votes cast. In the meeting: the counts given here, the quorum on the voting
    participants recorded present; more votes than voters present are refused."""
    row = (
        # Only the decision's row: PostgreSQL refuses FOR UPDATE on the nullable meeting join.
        Decision.objects.select_for_update(of=("self",))
        .select_related("group", "meeting")
        .get(pk=decision.pk)
    )
    _require_manager(row.group, actor)
    if not row.is_open:
        raise ValidationError(_("Die Abstimmung ist schon abgeschlossen."))
    before = snapshot(row, DECISION_FIELDS)
    if row.voting == VotingMode.MEETING:
        meeting = row.meeting
        if meeting is None or meeting.status != MeetingStatus.HELD:
            raise ValidationError(
                _("Erfassen Sie zuerst die Anwesenheit der Sitzung; danach das Ergebnis.")
            )
        counts = {"yes_count": yes, "no_count": no, "abstain_count": abstain}
        errors = {
            name: _("Bitte geben Sie eine Zahl ab 0 an.")
            for name, value in counts.items()
            if value is None or value < 0
        }
        if errors:
            raise ValidationError(errors)
        present = Attendance.objects.filter(
            meeting=meeting, present=True, participant__role__in=VOTING_ROLES
        ).count()
        if sum(counts.values()) > present:
            raise ValidationError(
                _(
                    "Es wurden mehr Stimmen angegeben (%(votes)s), als Stimmberechtigte "
                    "anwesend waren (%(present)s)."
                )
                % {"votes": sum(counts.values()), "present": present}
            )
        for name, value in counts.items():
            setattr(row, name, value)
        row.quorum_basis = present
    else:
        row.quorum_basis = row.votes.count()
    row.status = _result(row)
    row.closed_at = timezone.now()
    row.save()
    _audit(
        actor=actor,
        action="workinggroup.decision_close",
        obj=row,
        before=before,
        after=snapshot(row, DECISION_FIELDS),
    )
    return row


@transaction.atomic
def decision_link(*, decision: Decision, actor, contract=None, fachverfahren=None) -> Decision:
    """Change which framework contract and Fachverfahren the decision is about."""
    row = Decision.objects.select_for_update().select_related("group").get(pk=decision.pk)
    _require_manager(row.group, actor)
    before = snapshot(row, ("contract", "fachverfahren"))
    row.contract, row.fachverfahren = contract, fachverfahren
    row.save(update_fields=["contract", "fachverfahren", "updated_at"])
    after = snapshot(row, ("contract", "fachverfahren"))
    if after != before:
        _audit(
            actor=actor, action="workinggroup.decision_link", obj=row, before=before, after=after
        )
    return row


# --- calendar -------------------------------------------------------------------------------


@transaction.atomic
def calendar_token_reset(*, user) -> str:
    """A new secret for the person's calendar feeds (the old addresses stop working)."""
    salt = secrets.token_hex(16)
    token = selectors.derive_calendar_token(salt)
    CalendarToken.objects.update_or_create(
        user=user,
        defaults={
            "salt": salt,
            "token_hash": selectors.calendar_token_hash(token),
            "created_at": timezone.now(),
        },
    )
    audit_record(
        tenant=None,
        actor=user,
        action="workinggroup.calendar_token_reset",
        obj=user,
        after={"at": timezone.now()},
    )
    return token
