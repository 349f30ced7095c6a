"""Messages between the authority and the applicant (docs/cases.md, "Messages and notices").

- `message_send_to_applicant`: the clerk asks a question. The case goes to Rückfrage
  (through `case_transition`, which also writes the applicant's timeline entry), one
  `message_sent` event is chained, and the applicant gets an e-mail that something is
  waiting (`cases.emails`: no personal data, no message text).
- `message_reply_from_applicant`: the applicant answers with text and files (the same
  intake as every upload: type from the bytes, size limit, virus scan, private storage).
  A case waiting in Rückfrage goes back to in Bearbeitung.
- `message_mark_read`: the recipient has seen a message.

Texts and file names go into the chained event payload only (redactable by retention); the
tenancy audit record gets ids and codes.
"""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.cases.constants import (
    ALLOWED_TRANSITIONS,
    MESSAGE_MAX_LENGTH,
    CaseEventKind,
    CaseStatus,
    MessageDirection,
)
from openkommune.cases.errors import CaseClosed, CaseInputInvalid, TransitionNotAllowed
from openkommune.cases.models import Case, Message, MessageAttachment
from openkommune.cases.services import case_transition, with_via
from openkommune.cases.services.audit import append_event
from openkommune.cases.services.emails import NEW_MESSAGE, email_owe
from openkommune.cases.services.files import UploadRejected, intake, too_large
from openkommune.core.files import delete_private
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

MESSAGE_FOLDER = "case-messages"
# Files one answer may carry (each also limited by OPENKOMMUNE_UPLOAD_MAX_SIZE).
MAX_REPLY_FILES = 10
# States from which a question moves the case through "in Bearbeitung" first: a case not
# yet opened for work, or resting, is taken up by asking. A decided case is not: asking
# would silently drop its decision (the clerk reopens it explicitly on the case page).
_TAKEN_UP_BY_ASKING = frozenset({CaseStatus.RECEIVED, CaseStatus.DORMANT})


def parse_uuid(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def clean_body(body: str, *, required: bool = True) -> str:
    """The message text, trimmed; `CaseInputInvalid` (field `body`) if empty or too long."""
    text = (body or "").strip()
    if required and not text:
        message = _("Bitte schreiben Sie eine Nachricht.")
        raise CaseInputInvalid(message, {"body": [message]})
    if len(text) > MESSAGE_MAX_LENGTH:
        message = _("Die Nachricht ist zu lang (höchstens %(n)d Zeichen).") % {
            "n": MESSAGE_MAX_LENGTH
        }
        raise CaseInputInvalid(message, {"body": [message]})
    return text


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("application", "tenant")
        .get(pk=case.pk)
    )


def _ask_transitions(status: str) -> list[str]:
    """The statuses a case passes through to Rückfrage when the clerk asks a question."""
    target = CaseStatus.INFORMATION_REQUESTED
    if status == target:
        return []
    if target in ALLOWED_TRANSITIONS[status]:
        return [target]
    if status in _TAKEN_UP_BY_ASKING:
        return [CaseStatus.IN_PROGRESS, target]
    if status == CaseStatus.CLOSED:
        raise CaseClosed(
            _("Der Vorgang ist abgeschlossen: Es können keine Nachrichten mehr gesendet werden.")
        )
    message = _(
        "Der Vorgang ist entschieden. Um eine Rückfrage zu stellen, nehmen Sie die Bearbeitung "
        "auf der Seite des Vorgangs zuerst wieder auf."
    )
    raise TransitionNotAllowed(message, {"body": [message]})


# --- the clerk asks ------------------------------------------------------------------------------


def message_send_to_applicant(
    *, tenant, actor, case: Case, body: str, base_url: str | None = None, via: str = ""
) -> Message:
    """Send a question to the applicant: the case goes to Rückfrage, the applicant sees the
    message on the status page and gets an e-mail that something is waiting. `via` names a
    non-person actor (an API key) in the events. Raises `CaseInputInvalid` (empty or too
    long), `CaseClosed`, `TransitionNotAllowed` (decided)."""
    text = clean_body(body)
    with transaction.atomic(), scope(tenant=tenant):
        locked = _locked(case)
        for status in _ask_transitions(locked.status):
            case_transition(
                tenant=tenant,
                actor=actor,
                case=locked,
                to=status,
                reason=_("Rückfrage an die Antragstellerin/den Antragsteller"),
                via=via,
            )
        message = Message.objects.create(
            tenant=locked.tenant,
            case=locked,
            direction=MessageDirection.TO_APPLICANT,
            sender=_person(actor),
            body=text,
        )
        append_event(
            tenant=tenant,
            kind=CaseEventKind.MESSAGE_SENT,
            actor=actor,
            case=locked,
            payload=with_via({"message": str(message.public_id), "text": text}, via),
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="message.send",
            obj=message,
            after={"case": str(locked.public_id), "status": locked.status},
        )
        email_owe(kind=NEW_MESSAGE, subject=message, base_url=base_url)
    case.status = locked.status
    case.decision = locked.decision
    return message


# --- the applicant answers -----------------------------------------------------------------------


def _case_of(application) -> Case:
    with scope(tenant=application.tenant):
        case = Case.objects.filter(application=application).first()
    if case is None:
        raise Case.DoesNotExist("No case for this application.")
    return case


def reply_files_too_large(file_names) -> UploadRejected:
    """The refusal (field `files`) of an answer some of whose files the upload handler
    skipped while the post arrived, for exceeding `OPENKOMMUNE_UPLOAD_MAX_SIZE`
    (`core.uploads.oversized_files`): the message `intake` gives, once per file. The whole
    answer is refused, as for any file that cannot be taken; nothing is stored."""
    messages = [too_large(name).message for name in file_names]
    return UploadRejected(messages[0], {"files": messages})


def _intake_all(files) -> list:
    stored = []
    try:
        for uploaded in files:
            stored.append(intake(uploaded, folder=MESSAGE_FOLDER))
    except UploadRejected as rejected:
        for done in stored:
            delete_private(done.storage_name)
        rejected.fields = {"files": [rejected.message]}
        raise
    except BaseException:
        for done in stored:
            delete_private(done.storage_name)
        raise
    return stored


def message_reply_from_applicant(*, application, body: str, files=()) -> Message:
    """The applicant's answer (text and/or files) to the authority's question. Call only for
    an application authorised for this applicant (`submissions.selectors`). A case in
    Rückfrage goes back to in Bearbeitung. Raises `CaseInputInvalid` (fields `body` or
    `files`), `UploadRejected` (field `files`; nothing is stored), `CaseClosed`, and
    `Case.DoesNotExist` when there is no question to answer."""
    files = [f for f in files if f]
    text = clean_body(body, required=not files)
    if len(files) > MAX_REPLY_FILES:
        message = _("Bitte fügen Sie höchstens %(n)d Dateien bei.") % {"n": MAX_REPLY_FILES}
        raise CaseInputInvalid(message, {"files": [message]})
    tenant = application.tenant
    case = _case_of(application)
    _check_can_reply(case)
    applicant = application.user if application.user_id else None
    stored = _intake_all(files)
    try:
        with transaction.atomic(), scope(tenant=tenant):
            locked = _locked(case)
            question = _check_can_reply(locked)
            message = Message.objects.create(
                tenant=tenant,
                case=locked,
                direction=MessageDirection.FROM_APPLICANT,
                in_reply_to=question,
                body=text,
            )
            attachments = [
                MessageAttachment.objects.create(
                    tenant=tenant, message=message, **item.row_fields()
                )
                for item in stored
            ]
            append_event(
                tenant=tenant,
                kind=CaseEventKind.MESSAGE_RECEIVED,
                actor=applicant,
                case=locked,
                payload={
                    "message": str(message.public_id),
                    "text": text,
                    "attachments": [
                        {
                            "attachment": str(a.public_id),
                            "name": a.original_name,
                            "content_type": a.content_type,
                            "size": a.size,
                            "sha256": a.sha256,
                        }
                        for a in attachments
                    ],
                },
            )
            audit_record(
                tenant=tenant,
                actor=applicant,
                action="message.reply",
                obj=message,
                after={
                    "case": str(locked.public_id),
                    "attachments": [a.sha256 for a in attachments],
                },
            )
            if locked.status == CaseStatus.INFORMATION_REQUESTED:
                case_transition(
                    tenant=tenant,
                    actor=applicant,
                    case=locked,
                    to=CaseStatus.IN_PROGRESS,
                    reason=_("Antwort der Antragstellerin/des Antragstellers eingegangen"),
                )
    except BaseException:
        for item in stored:
            delete_private(item.storage_name)
        raise
    return message


def _check_can_reply(case: Case) -> Message:
    """The question being answered (the newest message to the applicant)."""
    if case.status == CaseStatus.CLOSED or case.anonymised_at is not None:
        raise CaseClosed(
            _(
                "Dieser Antrag ist abgeschlossen. Bitte wenden Sie sich direkt an die "
                "zuständige Stelle."
            )
        )
    with scope(tenant=case.tenant_id):
        question = (
            Message.objects.filter(case=case, direction=MessageDirection.TO_APPLICANT)
            .order_by("-sent_at", "-id")
            .first()
        )
    if question is None:
        raise Case.DoesNotExist("No question to answer.")
    return question


# --- read ----------------------------------------------------------------------------------------


def message_mark_read(*, tenant, actor, message: Message, by_applicant: bool = False) -> Message:
    """Record that the recipient saw `message` (once): the applicant for messages to them
    (`by_applicant=True`), a clerk for the applicant's answers. Anything else is a no-op."""
    wanted = MessageDirection.TO_APPLICANT if by_applicant else MessageDirection.FROM_APPLICANT
    if message.direction != wanted or message.read_at is not None:
        return message
    now = timezone.now()
    with transaction.atomic(), scope(tenant=tenant):
        changed = Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
        if changed:
            audit_record(
                tenant=tenant,
                actor=_person(actor),
                action="message.read",
                obj=message,
                after={"by_applicant": by_applicant},
            )
    message.read_at = now if changed else message.read_at
    return message


# --- reads of the authority ----------------------------------------------------------------------


def case_messages(*, tenant, case: Case) -> list[Message]:
    """The conversation of a case, oldest first, with attachments and senders."""
    with scope(tenant=tenant):
        return list(
            Message.objects.filter(case=case)
            .select_related("sender")
            .prefetch_related("attachments")
            .order_by("sent_at", "id")
        )


def case_message_attachment_get(*, tenant, case: Case, public_id) -> MessageAttachment:
    """A file of a message of this case; `DoesNotExist` for any other."""
    key = parse_uuid(public_id)
    if key is None:
        raise MessageAttachment.DoesNotExist
    with scope(tenant=tenant):
        return MessageAttachment.objects.select_related("message").get(
            public_id=key, message__case=case
        )


def unread_replies_count(*, tenant, case: Case) -> int:
    """Answers of the applicant no clerk has opened yet (for the case page)."""
    with scope(tenant=tenant):
        return Message.objects.filter(
            case=case, direction=MessageDirection.FROM_APPLICANT, read_at__isnull=True
        ).count()
