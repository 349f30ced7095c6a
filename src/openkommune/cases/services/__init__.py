"""Every change of a case (docs/cases.md). Each service is atomic, locks the case row, appends
one hash-chained `CaseEvent`, writes a `tenancy` audit record, and moves the applicant's
timeline on where the applicant should see the change.

What may hold personal data (reasons, note texts, file names) goes into the event payload
only, which retention can redact (`audit.redact_events`); the immutable tenancy audit record
gets ids and codes.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.cases.constants import (
    DOCUMENT_TITLE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    CaseEventKind,
    CaseStatus,
)
from openkommune.cases.errors import (
    AssigneeNotAllowed,
    CaseClosed,
    CaseInputInvalid,
    FeeUnpaid,
)
from openkommune.cases.errors import CaseError as CaseError  # for the apps above cases
from openkommune.cases.models import Case, CaseDocument, CaseNote
from openkommune.cases.models.case import build_search_text
from openkommune.cases.selectors import is_assignable, service_deadline_for_cached
from openkommune.cases.services.audit import append_event
from openkommune.cases.services.files import intake
from openkommune.cases.services.workflow import (
    CITIZEN_EVENT_FOR_STATUS,
    applicant_name,
    applicant_of,
    check_transition,
    due_date,
)
from openkommune.core.files import delete_private
from openkommune.core.timezone import local_date
from openkommune.payments import services as payment_services
from openkommune.submissions.constants import STATUS_AFTER_EVENT
from openkommune.submissions.models import Application
from openkommune.submissions.services import application_event_add
from openkommune.tenancy.scoping import insert_scoped, scope
from openkommune.tenancy.services import audit_record

DOCUMENT_FOLDER = "case-documents"


def _user_ref(user) -> dict | None:
    """How a clerk appears in an event: id and a display name (clerks, not applicants)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.email}


def _person(actor):
    """The actor as a user to store, or None for the system and API keys."""
    return actor if getattr(actor, "is_authenticated", False) else None


def with_via(payload: dict, via: str) -> dict:
    # `via` names a non-person actor, e.g. the API key of a Fachverfahren.
    if via:
        payload["via"] = via[:200]
    return payload


def _locked(case: Case) -> Case:
    """The case row, locked; inside the caller's scope, so another tenant's case is
    `Case.DoesNotExist`."""
    return Case.objects.select_for_update(of=("self",)).get(pk=case.pk)


def _require_not_closed(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise CaseClosed(_("Der Vorgang ist abgeschlossen und kann nicht mehr geändert werden."))


def _copy(target: Case, source: Case, fields) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def _citizen_status(*, tenant, actor, case: Case, status: str, held: bool = False) -> None:
    """Append the applicant's timeline entry for the case's new status, unless the
    application already shows that status (e.g. dormant -> in progress). `held`: this
    transaction inserted the application (see `application_event_add`)."""
    kind = CITIZEN_EVENT_FOR_STATUS.get(status)
    if kind is None:
        return
    application = case.application
    if application.status == STATUS_AFTER_EVENT[kind]:
        return
    application_event_add(tenant=tenant, actor=actor, application=application, kind=kind, held=held)


# --- open ------------------------------------------------------------------------------------


def case_open_for_application(application, *, actor=None) -> Case:
    """The case of a submitted application, opened once (a second call returns the first
    case)."""
    tenant = application.tenant
    with transaction.atomic(), scope(tenant=tenant):
        existing = Case.objects.filter(application=application).first()
        if existing is not None:
            return existing
        return _case_open(application, actor=actor, fresh=False)


def case_open_for_submitted(application) -> Case:
    """The case of an application the submit has just stored. Registered as the
    `submissions.hooks` submit hook, so it runs in the submit's transaction, which inserted
    the application and has not committed it: no other transaction can see it, so it has no
    case yet and none can be opened meanwhile — no look-up, no savepoint."""
    with transaction.atomic(savepoint=False), scope(tenant=application.tenant):
        return _case_open(application, actor=None, fresh=True)


def case_forget_sealed_answers(application) -> None:
    """The application was sealed after its case opened (FIT-Connect delivery through an
    external Zustelldienst, `fitconnect.outbound`): the case keeps no name taken from the
    answers either — the inbox shows what a sealed application offers (its e-mail)."""
    with scope(tenant=application.tenant):
        case = Case.objects.filter(application=application).first()
        if case is None:
            return
        case.applicant_name = applicant_name({}, email=application.email)
        case.search_text = build_search_text(case.reference, case.applicant_name)
        case.save(update_fields=["applicant_name", "search_text", "updated_at"])


def _case_open(application, *, actor, fresh: bool) -> Case:
    tenant = application.tenant
    deadline = service_deadline_for_cached(tenant=tenant, ozg_leistung=application.ozg_leistung)
    case = Case(
        tenant=tenant,
        application=application,
        reference=application.reference,
        applicant_name=applicant_name(applicant_of(application), email=application.email),
        ozg_leistung=application.ozg_leistung,
        submitted_at=application.submitted_at,
        status=CaseStatus.RECEIVED,
        status_changed_at=application.submitted_at,
        due_on=due_date(application.submitted_at, deadline.days if deadline else None),
    )
    if fresh:
        # What `Case.save` adds (the inbox's search text), then the submit's lean INSERT.
        case.search_text = build_search_text(case.reference, case.applicant_name)
        insert_scoped([case])
    else:
        try:
            with transaction.atomic():
                case.save(force_insert=True)
        except IntegrityError:
            # Opened by a concurrent call in the meantime (unique application).
            return Case.objects.get(application=application)
    append_event(
        tenant=tenant,
        kind=CaseEventKind.OPENED,
        actor=actor,
        case=case,
        # The case was inserted just above, in this transaction: its chain is new.
        new_chain=True,
        payload={
            "reference": case.reference,
            "ozg_id": application.ozg_leistung.ozg_id,
            "submitted_at": case.submitted_at,
            "due_on": case.due_on,
            "deadline_days": deadline.days if deadline else None,
        },
    )
    # No reference here: the tenancy record is immutable and outlives anonymisation,
    # which replaces the reference (the chained event above holds it, redactably).
    audit_record(
        tenant=tenant,
        actor=actor,
        action="case.open",
        obj=case,
        after={
            "status": case.status,
            "due_on": case.due_on.isoformat() if case.due_on else None,
        },
    )
    _citizen_status(tenant=tenant, actor=actor, case=case, status=case.status, held=fresh)
    return case


# --- status ----------------------------------------------------------------------------------


def case_transition(
    *,
    tenant,
    actor,
    case: Case,
    to: str,
    reason: str = "",
    decision: str | None = None,
    via: str = "",
) -> Case:
    """Move the case to `to` (see `constants.ALLOWED_TRANSITIONS`). `decided` needs a
    `decision` and a `reason`, `dormant` a reason. Raises `TransitionNotAllowed`,
    `DecisionRequired`, `ReasonRequired`. A correction (decided -> in progress) clears the
    decision; the history keeps it. A positive decision on an application whose fee is due
    and unpaid raises `FeeUnpaid` where the service requires payment first."""
    if to == CaseStatus.DECIDED:
        require_fee_paid(tenant=tenant, actor=actor, case=case, decision=decision)
    with transaction.atomic(), scope(tenant=tenant):
        locked = _locked(case)
        reason, decision = check_transition(locked.status, to, reason=reason, decision=decision)
        before = {"status": locked.status, "decision": locked.decision}
        now = timezone.now()
        locked.status = to
        locked.status_changed_at = now
        if to == CaseStatus.DECIDED:
            locked.decision = decision
        elif to != CaseStatus.CLOSED:
            locked.decision = ""
        if to == CaseStatus.CLOSED:
            locked.closed_at = now
        fields = ["status", "status_changed_at", "decision", "closed_at"]
        locked.save(update_fields=[*fields, "updated_at"])
        payload = {"from": before["status"], "to": to, "reason": reason}
        if locked.decision:
            payload["decision"] = locked.decision
        if before["decision"] and not locked.decision:
            payload["previous_decision"] = before["decision"]
        append_event(
            tenant=tenant,
            kind=CaseEventKind.STATUS_CHANGED,
            actor=actor,
            case=locked,
            payload=with_via(payload, via),
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="case.transition",
            obj=locked,
            before=before,
            after={"status": locked.status, "decision": locked.decision},
        )
        _citizen_status(tenant=tenant, actor=actor, case=locked, status=to)
    _copy(case, locked, [*fields, "updated_at"])
    return case


def require_fee_paid(*, tenant, actor, case: Case, decision: str | None) -> None:
    """Refuse a positive decision while the application's fee is due and unpaid (where the
    service requires payment first); the refused attempt is audited by the payments app."""
    if not decision:
        return
    with scope(tenant=tenant):
        application = Application.objects.select_related("form_version__form").get(
            pk=case.application_id
        )
    try:
        payment_services.decision_payment_check(
            tenant=tenant, actor=actor, application=application, decision=decision, obj=case
        )
    except payment_services.PaymentError as refused:
        raise FeeUnpaid(refused.message, {"decision": [refused.message]}) from None


# --- assignment and follow-up ----------------------------------------------------------------


def case_assign(*, tenant, actor, case: Case, assignee, via: str = "") -> Case:
    """Assign the case to `assignee` (a user with a membership in `tenant`), or to nobody
    (`None`). Raises `AssigneeNotAllowed` for anyone else."""
    if assignee is not None and not is_assignable(tenant=tenant, user=assignee):
        message = _("Der Vorgang kann nur Personen Ihrer Organisation zugewiesen werden.")
        raise AssigneeNotAllowed(message, {"assigned_to": [message]})
    return _case_field_set(
        tenant=tenant,
        actor=actor,
        case=case,
        name="assigned_to",
        value=assignee,
        event=CaseEventKind.ASSIGNED,
        payload=lambda old, new: with_via({"from": _user_ref(old), "to": _user_ref(new)}, via),
        action="case.assign",
        recorded=lambda user: user.pk if user else None,
    )


def case_set_follow_up(
    *, tenant, actor, case: Case, follow_up_on: date | None, today: date | None = None
) -> Case:
    """Set the follow-up date (Wiedervorlage), today or later, or clear it (`None`)."""
    today = today or local_date()
    if follow_up_on is not None and follow_up_on < today:
        message = _("Die Wiedervorlage muss heute oder an einem späteren Tag sein.")
        raise CaseInputInvalid(message, {"follow_up_on": [message]})
    return _case_field_set(
        tenant=tenant,
        actor=actor,
        case=case,
        name="follow_up_on",
        value=follow_up_on,
        event=CaseEventKind.FOLLOW_UP_SET,
        payload=lambda old, new: {"from": old, "to": new},
        action="case.follow_up",
        recorded=lambda day: day.isoformat() if day else None,
    )


def _case_field_set(*, tenant, actor, case: Case, name, value, event, payload, action, recorded):
    """Set one field of an open case under its lock: an event `event` with `payload(old,
    new)` on its timeline and the audit record `action` with `recorded(old/new)`; nothing
    when the value is the same. `case` is updated in place and returned."""
    with transaction.atomic(), scope(tenant=tenant):
        locked = _locked(case)
        _require_not_closed(locked)
        previous = getattr(locked, name)
        if previous == value:
            return case
        setattr(locked, name, value)
        locked.save(update_fields=[name, "updated_at"])
        append_event(
            tenant=tenant, kind=event, actor=actor, case=locked, payload=payload(previous, value)
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action=action,
            obj=locked,
            before={name: recorded(previous)},
            after={name: recorded(value)},
        )
    _copy(case, locked, [name, "updated_at"])
    return case


# --- notes and documents ---------------------------------------------------------------------


def case_add_note(*, tenant, actor, case: Case, text: str) -> CaseNote:
    """An internal note (never shown to the applicant)."""
    text = (text or "").strip()
    if not text:
        message = _("Bitte schreiben Sie eine Notiz.")
        raise CaseInputInvalid(message, {"text": [message]})
    if len(text) > NOTE_MAX_LENGTH:
        message = _("Die Notiz ist zu lang (höchstens %(n)d Zeichen).") % {"n": NOTE_MAX_LENGTH}
        raise CaseInputInvalid(message, {"text": [message]})
    with transaction.atomic(), scope(tenant=tenant):
        locked = _locked(case)
        _require_not_closed(locked)
        note = CaseNote.objects.create(
            tenant=locked.tenant, case=locked, author=_person(actor), text=text
        )
        # The text is in the chained payload: a note changed later no longer matches it.
        append_event(
            tenant=tenant,
            kind=CaseEventKind.NOTE_ADDED,
            actor=actor,
            case=locked,
            payload={"note": str(note.public_id), "text": text},
        )
        audit_record(tenant=tenant, actor=actor, action="case.note_add", obj=note)
    return note


def case_add_document(*, tenant, actor, case: Case, uploaded_file, title: str = "") -> CaseDocument:
    """Add a file to the case (PDF, image or text; type from the content, virus scan,
    private storage). Raises `UploadRejected` for a file that is not accepted."""
    title = " ".join((title or "").split())
    if len(title) > DOCUMENT_TITLE_MAX_LENGTH:
        message = _("Die Bezeichnung ist zu lang (höchstens %(n)d Zeichen).") % {
            "n": DOCUMENT_TITLE_MAX_LENGTH
        }
        raise CaseInputInvalid(message, {"title": [message]})
    with scope(tenant=tenant):
        # Checked before the file is stored, and again under the lock.
        _require_not_closed(Case.objects.get(pk=case.pk))
    stored = intake(uploaded_file, folder=DOCUMENT_FOLDER)
    try:
        with transaction.atomic(), scope(tenant=tenant):
            locked = _locked(case)
            _require_not_closed(locked)
            document = CaseDocument.objects.create(
                tenant=locked.tenant,
                case=locked,
                title=title or stored.original_name,
                added_by=_person(actor),
                **stored.row_fields(scan_result=False),
            )
            append_event(
                tenant=tenant,
                kind=CaseEventKind.DOCUMENT_ADDED,
                actor=actor,
                case=locked,
                payload={
                    "document": str(document.public_id),
                    "title": document.title,
                    "name": document.original_name,
                    "content_type": document.content_type,
                    "size": document.size,
                    "sha256": document.sha256,
                },
            )
            audit_record(
                tenant=tenant,
                actor=actor,
                action="case.document_add",
                obj=document,
                after={"sha256": document.sha256, "size": document.size},
            )
    except BaseException:
        delete_private(stored.storage_name)
        raise
    return document
