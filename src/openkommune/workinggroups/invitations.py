"""The invitation e-mail of a meeting (outbox kind `workinggroups.invitation`): rendered when
it is sent, with the meeting as an iCalendar file, so a changed time reaches whoever is
invited later with the current data."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext_lazy

from openkommune.core import outbox
from openkommune.core.outbox_models import OutboxMail
from openkommune.workinggroups import ical
from openkommune.workinggroups.constants import INVITATION_MAIL_KIND
from openkommune.workinggroups.models import Invitation


def meeting_url(meeting, base_url: str = "") -> str:
    path = reverse(
        "workinggroups:meeting_detail",
        kwargs={"group_id": meeting.group.public_id, "meeting_id": meeting.public_id},
    )
    return f"{base_url.rstrip('/')}{path}" if base_url else ""


def build_invitation_email(row: OutboxMail) -> EmailMessage:
    invitation = Invitation.objects.select_related("meeting__group", "participant__user").get(
        pk=row.subject_id
    )
    meeting = invitation.meeting
    url = meeting_url(meeting, row.base_url)
    attachment = ical.calendar(
        [meeting], name=meeting.group.name, urls={meeting.public_id: url} if url else None
    )
    return outbox.render_email(
        "workinggroups/email/invitation",
        {
            "meeting": meeting,
            "group": meeting.group,
            "agenda": list(meeting.agenda_items.order_by("position")),
            "participant": invitation.participant,
            "url": url,
        },
        to=[row.recipient],
        attachments=[("einladung.ics", attachment, "text/calendar")],
    )


def _reference(row: OutboxMail) -> str:
    invitation = Invitation.objects.filter(pk=row.subject_id).select_related("meeting").first()
    return str(invitation.meeting.public_id) if invitation else ""


def _current_recipient(row: OutboxMail) -> str:
    invitation = (
        Invitation.objects.filter(pk=row.subject_id).select_related("participant__user").first()
    )
    return invitation.participant.user.email if invitation else ""


outbox.register(
    INVITATION_MAIL_KIND,
    build=build_invitation_email,
    audit="workinggroup_invitation",
    label=gettext_lazy("Einladung zur Sitzung eines Arbeitskreises"),
    reference=_reference,
    current_recipient=_current_recipient,
)
