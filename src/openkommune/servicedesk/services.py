"""Every change of a ticket: atomic and audited under the ticket's member. Members open tickets
and answer; cooperative staff answer, write internal notes, assign teams and change the status
(a pause state opens a `TicketPause`, leaving it closes the pause)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.servicedesk import notifications
from openkommune.servicedesk.constants import DONE_STATES, PAUSE_STATES, SlaGoal, Status
from openkommune.servicedesk.models import (
    SatisfactionAnswer,
    SlaTarget,
    TeamMember,
    Ticket,
    TicketAttachment,
    TicketEscalation,
    TicketMessage,
    TicketPause,
    TimeEntry,
)
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import (
    acts_for_cooperative,
    cooperative_get,
    require_cooperative_staff,
    user_is_cooperative_staff,
    user_roles,
)
from openkommune.tenancy.services import audit_record, snapshot

SLA_FIELDS = ("priority", "first_response_minutes", "resolution_minutes", "warning_percent")
TICKET_FIELDS = (
    "subject",
    "category",
    "priority",
    "team",
    "status",
    "fachverfahren_id",
    "assignee_id",
)


def _may_act_for(actor, tenant) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    return acts_for_cooperative(actor) or bool(user_roles(actor, tenant=tenant))


@transaction.atomic
def ticket_open(
    *,
    tenant,
    actor,
    subject: str,
    body: str,
    category: str,
    priority: str,
    fachverfahren=None,
    reporter_email: str = "",
    message_id: str = "",
    opened_at=None,
    files=(),
) -> Ticket:
    """Open a ticket for `tenant`. `actor` None only for mail (then `reporter_email`).
    `files`: checked and stored uploads (`servicedesk.uploads.check_and_store`)."""
    if actor is None:
        if not reporter_email:
            raise PermissionDenied(_("Ein Ticket braucht eine meldende Person."))
    elif not _may_act_for(actor, tenant):
        raise PermissionDenied(_("Sie können für dieses Mitglied kein Ticket eröffnen."))
    if not body.strip():
        raise ValidationError({"body": _("Bitte beschreiben Sie Ihr Anliegen.")})
    with scope(tenant=tenant):
        ticket = Ticket(
            tenant=tenant,
            number=0,
            subject=subject.strip(),
            category=category,
            priority=priority,
            fachverfahren=fachverfahren,
            reporter=actor if actor is not None else None,
            reporter_email=reporter_email or getattr(actor, "email", "") or "",
            opened_at=opened_at or timezone.now(),
        )
        ticket.full_clean(exclude=["number"])
        ticket.save()
        ticket.number = ticket.pk
        ticket.save(update_fields=["number"])
        # Opened on the page: the opening message gets a Message-ID of ours, which the
        # confirmation e-mail carries, so an answer to that e-mail threads back.
        message_id = message_id or notifications.new_message_id(ticket)
        opening = TicketMessage.objects.create(
            tenant=tenant,
            ticket=ticket,
            author=actor,
            author_email=ticket.reporter_email,
            body=body,
            message_id=message_id,
            created_at=ticket.opened_at,
        )
        _attach(opening, files)
        notifications.opened_owe(ticket=ticket)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="servicedesk.ticket_open",
            obj=ticket,
            after=snapshot(ticket, TICKET_FIELDS) | _file_names(files),
        )
    return ticket


def _attach(message: TicketMessage, files) -> None:
    for checked in files:
        TicketAttachment.objects.create(
            tenant=message.tenant,
            message=message,
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            storage_name=checked.storage_name,
            scan_result=checked.scan_result,
            scan_detail=checked.scan_detail,
        )


def _file_names(files) -> dict:
    return {"files": [checked.filename for checked in files]} if files else {}


def _close_pause(ticket: Ticket, at) -> None:
    TicketPause.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=at)


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    actor,
    body: str,
    internal: bool = False,
    author_email: str = "",
    message_id: str = "",
    at=None,
    files=(),
) -> TicketMessage:
    """A message on the ticket. Staff: the first public one is the first response, and every
    public one is mailed to the requester (with a Message-ID of ours, so an answer by mail
    threads back); internal notes only by staff. A member's answer ends "wartet auf
    Rückmeldung"."""
    at = at or timezone.now()
    staff = actor is not None and actor.is_authenticated and acts_for_cooperative(actor)
    if actor is not None and not _may_act_for(actor, ticket.tenant):
        raise PermissionDenied(_("Sie können auf dieses Ticket nicht antworten."))
    if actor is None and not author_email:
        raise PermissionDenied(_("Eine Antwort braucht einen Absender."))
    if internal and not staff:
        raise PermissionDenied(_("Interne Notizen schreibt nur die Genossenschaft."))
    if not body.strip():
        raise ValidationError({"body": _("Die Nachricht ist leer.")})
    with scope(tenant=ticket.tenant):
        row = Ticket.objects.select_for_update().get(pk=ticket.pk)
        before = snapshot(row, TICKET_FIELDS)
        outgoing = staff and not internal
        if outgoing and not message_id:
            message_id = notifications.new_message_id(row)
        message = TicketMessage.objects.create(
            tenant=row.tenant,
            ticket=row,
            author=actor,
            author_email=author_email or getattr(actor, "email", "") or "",
            body=body,
            internal=internal,
            from_staff=staff,
            message_id=message_id,
            created_at=at,
        )
        _attach(message, files)
        if staff and not internal and row.first_response_at is None:
            row.first_response_at = at
            if row.status == Status.NEW:
                row.status = Status.IN_PROGRESS
        if not staff and row.status == Status.WAITING_FOR_MEMBER:
            _close_pause(row, at)
            row.status = Status.IN_PROGRESS
        if not staff and row.status in DONE_STATES:
            row.status = Status.IN_PROGRESS
            row.resolved_at = None
        row.save()
        if outgoing:
            notifications.reply_owe(message=message)
        audit_record(
            tenant=row.tenant,
            actor=actor,
            action="servicedesk.ticket_note" if internal else "servicedesk.ticket_reply",
            obj=row,
            before=before,
            after=snapshot(row, TICKET_FIELDS)
            | {"message": str(message.public_id)}
            | _file_names(files),
        )
    ticket.refresh_from_db()
    return message


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor, at=None, **changes) -> Ticket:
    """Staff change status, team, priority, category or the assigned agent. Status into a
    pause state opens a pause; out of it closes the pause; into resolved/closed sets the
    resolution time and asks the requester the satisfaction question (once per ticket)."""
    if actor is None or not acts_for_cooperative(actor):
        raise PermissionDenied(_("Das darf nur die Genossenschaft."))
    unknown = set(changes) - {"status", "team", "priority", "category", "assignee"}
    if unknown:
        raise ValidationError(_("Unbekannte Felder: %s") % ", ".join(sorted(unknown)))
    assignee = changes.get("assignee")
    if assignee is not None and not user_is_cooperative_staff(assignee):
        raise ValidationError(
            {"assignee": _("Tickets bearbeiten nur Beschäftigte der Genossenschaft.")}
        )
    at = at or timezone.now()
    with scope(tenant=ticket.tenant):
        row = Ticket.objects.select_for_update().get(pk=ticket.pk)
        before = snapshot(row, TICKET_FIELDS)
        old_status = row.status
        for name, value in changes.items():
            setattr(row, name, value)
        row.full_clean()
        new_status = row.status
        if new_status != old_status:
            if old_status in PAUSE_STATES:
                _close_pause(row, at)
            if new_status in PAUSE_STATES:
                TicketPause.objects.create(
                    tenant=row.tenant, ticket=row, status=new_status, started_at=at
                )
            if new_status in DONE_STATES and row.resolved_at is None:
                row.resolved_at = at
            if new_status in DONE_STATES:
                notifications.satisfaction_owe(ticket=row)
            if new_status not in DONE_STATES:
                row.resolved_at = None
        row.save()
        audit_record(
            tenant=row.tenant,
            actor=actor,
            action="servicedesk.ticket_update",
            obj=row,
            before=before,
            after=snapshot(row, TICKET_FIELDS),
        )
    ticket.refresh_from_db()
    return row


@transaction.atomic
def sla_target_set(
    *,
    tenant,
    actor,
    priority: str,
    first_response_minutes: int,
    resolution_minutes: int,
    warning_percent: int | None = None,
) -> SlaTarget:
    """Create or change the member's contract target for one priority (staff, audited)."""
    if actor is None or not acts_for_cooperative(actor):
        raise PermissionDenied(_("Das darf nur die Genossenschaft."))
    with scope(tenant=tenant):
        row = SlaTarget.objects.filter(tenant=tenant, priority=priority).first()
        before = snapshot(row, SLA_FIELDS) if row else None
        row = row or SlaTarget(tenant=tenant, priority=priority)
        row.first_response_minutes = first_response_minutes
        row.resolution_minutes = resolution_minutes
        if warning_percent is not None:
            row.warning_percent = warning_percent
        row.full_clean()
        if row.resolution_minutes < row.first_response_minutes:
            raise ValidationError(
                {"resolution_minutes": _("Die Lösung kann nicht vor der Erstreaktion fällig sein.")}
            )
        row.save()
        audit_record(
            tenant=tenant,
            actor=actor,
            action="servicedesk.sla_target_set",
            obj=row,
            before=before,
            after=snapshot(row, SLA_FIELDS),
        )
    return row


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, goal: str, percent: int, threshold_at, due_at, at=None
) -> TicketEscalation | None:
    """Record that `ticket` used `percent` of the business time of `goal` and warn the agent
    or team by e-mail; once per ticket and goal (None when it was recorded before). The
    system's action (the periodic check), audited under the member."""
    if goal not in SlaGoal.values:
        raise ValidationError(_("Unbekannte Frist."))
    with scope(tenant=ticket.tenant):
        row = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if TicketEscalation.objects.filter(ticket=row, goal=goal).exists():
            return None
        escalation = TicketEscalation.objects.create(
            tenant=row.tenant,
            ticket=row,
            goal=goal,
            percent=percent,
            threshold_at=threshold_at,
            due_at=due_at,
            created_at=at or timezone.now(),
        )
        recipients = notifications.escalation_owe(escalation=escalation)
        audit_record(
            tenant=row.tenant,
            actor=None,
            action="servicedesk.ticket_escalate",
            obj=row,
            after={
                "goal": goal,
                "percent": percent,
                "threshold_at": threshold_at.isoformat(),
                "due_at": due_at.isoformat() if due_at else None,
                "mails": len(recipients),
            },
        )
    return escalation


@transaction.atomic
def time_entry_add(*, ticket: Ticket, actor, minutes: int, note: str, worked_on=None) -> TimeEntry:
    """Staff book time spent on a ticket (minutes with what was done)."""
    require_cooperative_staff(actor, _("Zeit buchen nur Beschäftigte der Genossenschaft."))
    with scope(tenant=ticket.tenant):
        entry = TimeEntry(
            tenant=ticket.tenant,
            ticket=ticket,
            agent=actor,
            minutes=minutes,
            note=(note or "").strip(),
            worked_on=worked_on or timezone.localdate(),
        )
        entry.full_clean()
        if entry.worked_on > timezone.localdate():
            raise ValidationError({"worked_on": _("Zeit lässt sich nicht im Voraus buchen.")})
        if entry.worked_on < timezone.localtime(ticket.opened_at).date():
            raise ValidationError({"worked_on": _("Der Tag liegt vor der Eröffnung des Tickets.")})
        entry.save()
        audit_record(
            tenant=ticket.tenant,
            actor=actor,
            action="servicedesk.time_entry_add",
            obj=ticket,
            after=snapshot(entry, ("worked_on", "minutes", "note"))
            | {"entry": str(entry.public_id)},
        )
    return entry


@transaction.atomic
def satisfaction_answer(*, ticket: Ticket, rating: int, comment: str = "") -> SatisfactionAnswer:
    """The requester's rating (1 to 5) and comment, through the signed link: one per ticket,
    only once the ticket is solved or closed."""
    with scope(tenant=ticket.tenant):
        row = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if row.status not in DONE_STATES:
            raise ValidationError(_("Das Ticket ist wieder in Bearbeitung."))
        if SatisfactionAnswer.objects.filter(ticket=row).exists():
            raise ValidationError(_("Zu diesem Ticket gibt es schon eine Bewertung. Danke!"))
        answer = SatisfactionAnswer(
            tenant=row.tenant, ticket=row, rating=rating, comment=(comment or "").strip()
        )
        answer.full_clean()
        answer.save()
        audit_record(
            tenant=row.tenant,
            actor=None,
            action="servicedesk.satisfaction_answer",
            obj=row,
            after={"rating": answer.rating, "comment": bool(answer.comment)},
        )
    return answer


@transaction.atomic
def team_member_add(*, actor, user, team: str) -> TeamMember:
    require_cooperative_staff(actor)
    if not user_is_cooperative_staff(user):
        raise ValidationError(
            {"user": _("In den Teams arbeiten nur Beschäftigte der Genossenschaft.")}
        )
    row = TeamMember(user=user, team=team)
    row.full_clean()
    row.save()
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="servicedesk.team_member_add",
        obj=row,
        after={"user": user.pk, "team": team},
    )
    return row


@transaction.atomic
def team_member_remove(*, actor, member: TeamMember) -> None:
    require_cooperative_staff(actor)
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="servicedesk.team_member_remove",
        obj=member,
        before={"user": member.user_id, "team": member.team},
    )
    member.delete()
