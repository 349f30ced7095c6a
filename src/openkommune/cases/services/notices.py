"""Notices (Bescheide): text from the service's template, PDF, mailbox, delivery date.

`notice_issue` decides the case (through `case_transition`), fills the template with the case
data, renders an accessible PDF (WeasyPrint, PDF/UA-1, `cases/notice_pdf.html`), stores it
privately with its SHA-256, puts it into the applicant's mailbox and owes the applicant an
e-mail without personal data.

Delivery (Bekanntgabe) follows § 9 Abs. 1 OZG: a notice made available for retrieval in the
applicant's mailbox "gilt am vierten Tag nach der Bereitstellung zum Abruf als bekannt
gegeben"; if the applicant retrieves it earlier, the day of the first retrieval counts. Read
here as:

- the day of making available is not counted (§ 31 Abs. 1 VwVfG with § 187 Abs. 1 BGB), so a
  notice made available on Monday counts as delivered on Friday: the German calendar date of
  `made_available_at` plus 4 days (`models.deemed_delivery_date`, Europe/Berlin);
- it is a fiction of a day, not a deadline: it is not moved off a weekend or public holiday
  (the courts differ on this for § 122 AO; an authority that wants the later day must change
  `deemed_delivery_date`);
- "first retrieval" is the applicant's first download of the PDF from the mailbox
  (`notice_open`); a clerk's download is not a retrieval;
- delivered on = the earlier of the first retrieval's date and the deemed date. A retrieval
  after the deemed date leaves the deemed date.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.cases.constants import (
    REASON_MAX_LENGTH,
    CaseEventKind,
    CaseStatus,
    Decision,
)
from openkommune.cases.errors import (
    CaseClosed,
    CaseInputInvalid,
    DecisionRequired,
    NoticeAlreadyIssued,
    ReasonRequired,
    TransitionNotAllowed,
)
from openkommune.cases.models import Case, Notice, NoticeTemplate, deemed_delivery_date
from openkommune.cases.services import (
    case_transition,
    notice_texts,
    require_fee_paid,
    with_via,
)
from openkommune.cases.services.audit import append_event
from openkommune.cases.services.emails import NEW_NOTICE, email_owe
from openkommune.cases.services.messaging import parse_uuid
from openkommune.cases.services.notice_pdf import (
    applicant_address,
    notice_letter,
    render_notice_pdf,
)
from openkommune.cases.services.workflow import applicant_name, applicant_of
from openkommune.core.files import delete_private, download_response, save_private
from openkommune.core.formatting import format_date
from openkommune.core.timezone import local_date
from openkommune.submissions.constants import EventKind
from openkommune.submissions.services import application_event_add
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

NOTICE_FOLDER = "notices"
NOTICE_TEXT_MAX_LENGTH = 50000


def _today() -> datetime.date:
    return local_date()


# --- the template and the text -----------------------------------------------------------------


def notice_template_for(*, tenant, ozg_leistung, decision: str) -> NoticeTemplate | None:
    """The template for the service and decision: the member's own (for this decision, else
    for every decision), else the cooperative's default (likewise); None: use the built-in."""
    rows = NoticeTemplate.all_objects.filter(
        Q(tenant=tenant) | Q(tenant__isnull=True),
        ozg_leistung=ozg_leistung,
        decision__in=[decision, ""],
    )
    ranked = sorted(rows, key=lambda row: (row.tenant_id is None, row.decision == ""))
    return ranked[0] if ranked else None


@dataclass(frozen=True)
class NoticeDraft:
    """The text a notice would get, and where it comes from (for the preview)."""

    title: str
    body: str
    template: NoticeTemplate | None
    source: str  # "member", "cooperative" or "builtin"
    unknown_placeholders: list[str] = field(default_factory=list)

    @property
    def is_builtin(self) -> bool:
        return self.source == "builtin"


def notice_values(*, case: Case, decision: str, reason: str, issued_on) -> dict[str, str]:
    """What the placeholders of `notice_texts.PLACEHOLDERS` stand for in this case."""
    application = case.application
    authority = application.authority or {}
    applicant = applicant_of(application)
    return {
        "reference": case.reference,
        "service": application.service_name,
        "applicant_name": applicant_name(applicant, email=application.email),
        "applicant_address": ", ".join(applicant_address(applicant)),
        "decision": str(Decision(decision).label),
        "reason": reason,
        "date": format_date(issued_on),
        "submitted_on": format_date(local_date(application.submitted_at)),
        "authority": authority.get("name") or case.tenant.name,
    }


def notice_draft(
    *, tenant, case: Case, decision: str, reason: str, text_override: str | None = None, today=None
) -> NoticeDraft:
    """The notice's title and text with the case data filled in (the preview shows it and
    `notice_issue` issues it). `text_override` replaces the template's text."""
    decision = _clean_decision(decision)
    template = notice_template_for(tenant=tenant, ozg_leistung=case.ozg_leistung, decision=decision)
    if template is None:
        title, body, source = (
            notice_texts.BUILTIN_TITLE,
            notice_texts.builtin_body(decision),
            "builtin",
        )
    else:
        title, body = template.title, template.body
        source = "cooperative" if template.tenant_id is None else "member"
    if text_override is not None and text_override.strip():
        body = text_override
    values = notice_values(case=case, decision=decision, reason=reason, issued_on=today or _today())
    return NoticeDraft(
        title=notice_texts.fill_placeholders(title, values),
        body=notice_texts.fill_placeholders(body, values).strip(),
        template=template,
        source=source,
        unknown_placeholders=notice_texts.unknown_placeholders(f"{title}\n{body}"),
    )


# --- issuing -------------------------------------------------------------------------------------


def _clean_decision(decision) -> str:
    if decision not in Decision.values:
        message = _(
            "Bitte wählen Sie die Entscheidung: bewilligt, abgelehnt oder teilweise bewilligt."
        )
        raise DecisionRequired(message, {"decision": [message]})
    return decision


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        message = _("Bitte begründen Sie die Entscheidung.")
        raise ReasonRequired(message, {"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("Die Begründung ist zu lang (höchstens %(n)d Zeichen).") % {
            "n": REASON_MAX_LENGTH
        }
        raise CaseInputInvalid(message, {"reason": [message]})
    return reason


def notice_issued_since_decision(case: Case) -> bool:
    """Whether the case's current decision already has its notice: one made available since
    the case was decided (`status_changed_at`). A correction (decided -> in progress ->
    decided) moves that time on, so the new decision may get its own notice."""
    with scope(tenant=case.tenant_id):
        return Notice.objects.filter(
            case_id=case.pk, made_available_at__gte=case.status_changed_at
        ).exists()


def decide_transitions(case: Case, decision: str) -> list[str]:
    """The statuses the case passes through to be decided with `decision` (empty when it is
    decided so already: the notice follows a decision taken on the case page). Raises
    `NoticeAlreadyIssued` when that decision has its notice already."""
    status = case.status
    if status == CaseStatus.CLOSED:
        raise CaseClosed(
            _("Der Vorgang ist abgeschlossen: Es kann kein Bescheid mehr erlassen werden.")
        )
    if status == CaseStatus.DECIDED:
        if case.decision == decision:
            if notice_issued_since_decision(case):
                message = _(
                    "Für diese Entscheidung ist bereits ein Bescheid erlassen. Um neu zu "
                    "entscheiden, nehmen Sie die Bearbeitung auf der Seite des Vorgangs "
                    "zuerst wieder auf."
                )
                raise NoticeAlreadyIssued(message, {"decision": [message]})
            return []
        message = _(
            "Der Vorgang ist bereits als „%(current)s“ entschieden. Um anders zu entscheiden, "
            "nehmen Sie die Bearbeitung auf der Seite des Vorgangs zuerst wieder auf."
        ) % {"current": Decision(case.decision).label}
        raise TransitionNotAllowed(message, {"decision": [message]})
    if status == CaseStatus.IN_PROGRESS:
        return [CaseStatus.DECIDED]
    # received, waiting for an answer, dormant: taking the decision takes the case up.
    return [CaseStatus.IN_PROGRESS, CaseStatus.DECIDED]


def _signer(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return actor.get_full_name() or ""


def notice_issue(
    *,
    tenant,
    actor,
    case: Case,
    decision: str,
    reason: str,
    text_override: str | None = None,
    base_url: str | None = None,
    via: str = "",
) -> Notice:
    """Decide the case with `decision` and place the notice (PDF) in the applicant's mailbox.
    `via` names a non-person actor (an API key) in the events. Raises `DecisionRequired`,
    `ReasonRequired`, `CaseInputInvalid` (field `text`), `TransitionNotAllowed` (decided
    otherwise), `NoticeAlreadyIssued` (this decision has its notice), `CaseClosed`."""
    decision = _clean_decision(decision)
    reason = _clean_reason(reason)
    if text_override is not None and len(text_override) > NOTICE_TEXT_MAX_LENGTH:
        message = _("Der Text ist zu lang (höchstens %(n)d Zeichen).") % {
            "n": NOTICE_TEXT_MAX_LENGTH
        }
        raise CaseInputInvalid(message, {"text": [message]})
    with scope(tenant=tenant):
        current = Case.objects.select_related("application", "ozg_leistung", "tenant").get(
            pk=case.pk
        )
    decide_transitions(current, decision)
    # A positive notice waits for the fee where the service requires it (audited refusal).
    require_fee_paid(tenant=tenant, actor=actor, case=current, decision=decision)
    # Rendered before the transaction: the tenant's event chain stays locked from the first
    # append to the commit, and rendering takes a while.
    issued_on = _today()
    draft = notice_draft(
        tenant=tenant,
        case=current,
        decision=decision,
        reason=reason,
        text_override=text_override,
        today=issued_on,
    )
    if not draft.body:
        message = _("Der Bescheid braucht einen Text.")
        raise CaseInputInvalid(message, {"text": [message]})
    letter = notice_letter(
        case=current,
        title=draft.title,
        body=draft.body,
        decision=decision,
        signer=_signer(actor),
        issued_on=issued_on,
    )
    pdf = render_notice_pdf(letter)
    storage_name = save_private(NOTICE_FOLDER, pdf, suffix=".pdf")
    try:
        return _issue(
            tenant, actor, case, decision, reason, draft, pdf, storage_name, base_url, via
        )
    except BaseException:
        delete_private(storage_name)
        raise


def _issue(
    tenant, actor, case, decision, reason, draft, pdf, storage_name, base_url, via
) -> Notice:
    with transaction.atomic(), scope(tenant=tenant):
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("application", "tenant")
            .get(pk=case.pk)
        )
        steps = decide_transitions(locked, decision)
        for status in steps:
            case_transition(
                tenant=tenant,
                actor=actor,
                case=locked,
                to=status,
                reason=reason if status == CaseStatus.DECIDED else _("Entscheidung getroffen"),
                decision=decision if status == CaseStatus.DECIDED else None,
                via=via,
            )
        now = timezone.now()
        notice = Notice.objects.create(
            tenant=locked.tenant,
            case=locked,
            decision=decision,
            template=draft.template,
            title=draft.title[:200],
            body=draft.body,
            pdf_name=storage_name,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            made_available_at=now,
            deemed_delivered_on=deemed_delivery_date(now),
        )
        append_event(
            tenant=tenant,
            kind=CaseEventKind.NOTICE_ISSUED,
            actor=actor,
            case=locked,
            payload=with_via(
                {
                    "notice": str(notice.public_id),
                    "decision": decision,
                    "template": str(draft.template.public_id) if draft.template else None,
                    "template_source": draft.source,
                    "title": notice.title,
                    "text": notice.body,
                    "pdf_sha256": notice.pdf_sha256,
                    "made_available_at": notice.made_available_at,
                    "deemed_delivered_on": notice.deemed_delivered_on,
                },
                via,
            ),
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="notice.issue",
            obj=notice,
            after={
                "case": str(locked.public_id),
                "decision": decision,
                "pdf_sha256": notice.pdf_sha256,
                "deemed_delivered_on": notice.deemed_delivered_on.isoformat(),
            },
        )
        if not steps:
            # Decided before (case page): the timeline already says so; tell them where.
            application_event_add(
                tenant=tenant,
                actor=actor,
                application=locked.application,
                kind=EventKind.DECIDED,
                note=_("Ihr Bescheid liegt in Ihrem Postfach zum Abruf bereit."),
            )
        email_owe(kind=NEW_NOTICE, subject=notice, base_url=base_url)
    case.status, case.decision = locked.status, locked.decision
    return notice


# --- opening and delivery ------------------------------------------------------------------------


def notice_open(*, notice: Notice, by_applicant: bool, actor=None) -> Notice:
    """Record the applicant's first retrieval of the notice (once; later ones change
    nothing). A clerk's download (`by_applicant=False`) is not a retrieval."""
    if not by_applicant or notice.first_opened_at is not None:
        return notice
    tenant = notice.tenant_id
    with transaction.atomic(), scope(tenant=tenant):
        locked = (
            Notice.objects.select_for_update(of=("self",)).select_related("case").get(pk=notice.pk)
        )
        if locked.first_opened_at is None:
            locked.first_opened_at = timezone.now()
            locked.save(update_fields=["first_opened_at"])
            person = actor if getattr(actor, "is_authenticated", False) else None
            append_event(
                tenant=locked.tenant,
                kind=CaseEventKind.NOTICE_OPENED,
                actor=person,
                case=locked.case,
                payload={
                    "notice": str(locked.public_id),
                    "first_opened_at": locked.first_opened_at,
                    "delivered_on": locked.delivered_on,
                },
            )
            audit_record(
                tenant=locked.tenant,
                actor=person,
                action="notice.open",
                obj=locked,
                after={"delivered_on": locked.delivered_on.isoformat()},
            )
    notice.first_opened_at = locked.first_opened_at
    return notice


@dataclass(frozen=True)
class DeliveryStatus:
    """What both sides are shown about a notice's delivery."""

    delivered_on: datetime.date
    is_final: bool  # False while the day may still move earlier (not retrieved, not yet due)
    text: str
    opened_on: datetime.date | None


def notice_delivery_status(notice: Notice, *, today: datetime.date | None = None) -> DeliveryStatus:
    """ "zugestellt am …" once the day is certain (retrieved, or the deemed day has come),
    "gilt als zugestellt am … (sofern nicht früher abgerufen)" before."""
    today = today or _today()
    delivered = notice.delivered_on
    opened = local_date(notice.first_opened_at) if notice.first_opened_at else None
    day = format_date(delivered)
    if opened is not None and opened <= notice.deemed_delivered_on:
        text = _("zugestellt am %(day)s (abgerufen)") % {"day": day}
        return DeliveryStatus(delivered, True, text, opened)
    if opened is not None:
        text = _("zugestellt am %(day)s (gilt als zugestellt; abgerufen am %(opened)s)") % {
            "day": day,
            "opened": format_date(opened),
        }
        return DeliveryStatus(delivered, True, text, opened)
    if today >= notice.deemed_delivered_on:
        text = _("zugestellt am %(day)s (gilt als zugestellt; noch nicht abgerufen)") % {"day": day}
        return DeliveryStatus(delivered, True, text, None)
    text = _("gilt als zugestellt am %(day)s (sofern nicht früher abgerufen)") % {"day": day}
    return DeliveryStatus(delivered, False, text, None)


# --- reads of the authority ----------------------------------------------------------------------


def case_notices(*, tenant, case: Case) -> list[Notice]:
    """The case's notices, newest first."""
    with scope(tenant=tenant):
        return list(
            Notice.objects.filter(case=case)
            .select_related("issued_by")
            .order_by("-made_available_at", "-id")
        )


def case_notice_get(*, tenant, case: Case, public_id) -> Notice:
    key = parse_uuid(public_id)
    if key is None:
        raise Notice.DoesNotExist
    with scope(tenant=tenant):
        return Notice.objects.select_related("case").get(public_id=key, case=case)


def notice_filename(notice: Notice) -> str:
    day = local_date(notice.made_available_at)
    return f"Bescheid-{notice.case.reference}-{day:%Y%m%d}.pdf"


def notice_pdf_response(notice: Notice):
    """The stored PDF as a download. Call only for a notice reached through an authorised
    case or application."""
    return download_response(
        storage_name=notice.pdf_name,
        filename=notice_filename(notice),
        content_type="application/pdf",
    )
