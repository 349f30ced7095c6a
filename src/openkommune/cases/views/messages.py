"""Back-office pages of a case's messages and notices (linked from the case page):

- `behoerde/vorgang/<uuid>/nachrichten/`: the conversation with the applicant and the form
  to ask a question (the case goes to Rückfrage); the applicant's files as downloads.
- `behoerde/vorgang/<uuid>/bescheid/`: the notices issued, and a new notice in two steps:
  decision and reason, then the preview of the text (editable) with the confirmation.

Clerks and member administrators of the case's organisation only; anyone else gets 404
(`accounts.access.back_office`, `views.case_or_404`). Thin: the services decide.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import back_office
from openkommune.cases.constants import CaseStatus, MessageDirection
from openkommune.cases.errors import CaseError
from openkommune.cases.forms.messages import MessageForm, NoticeConfirmForm, NoticeForm
from openkommune.cases.models import MessageAttachment, Notice
from openkommune.cases.services import messaging, notices
from openkommune.cases.services.notice_texts import PLACEHOLDERS, text_blocks
from openkommune.cases.views.cases import case_or_404
from openkommune.core.files import download_response
from openkommune.submissions.services import download_name


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _case_url(case) -> str:
    return reverse("cases:case_detail", args=[case.public_id])


# --- messages ------------------------------------------------------------------------------------


def _render_messages(request, case, tenant, form, *, status=200, conversation=None, new=()):
    if conversation is None:
        conversation = messaging.case_messages(tenant=tenant, case=case)
    application = case.application
    context = {
        "case": case,
        "application": application,
        "conversation": conversation,
        "new_ids": set(new),
        "form": form,
        "case_url": _case_url(case),
        "has_email": bool(application.email or (application.user_id and application.user.email)),
        "can_ask": case.status not in (CaseStatus.DECIDED, CaseStatus.CLOSED),
    }
    return render(request, "cases/messages.html", context, status=status)


def _done(request, form, call, *, success: str) -> bool:
    """Run the case service `call()`: its refusal goes onto `form`, else `success` is
    flashed. True when it went through."""
    try:
        call()
    except CaseError as refused:
        form.add_service_errors(refused.fields, refused.message)
        return False
    flash.success(request, success)
    return True


@back_office
@require_http_methods(["GET", "POST"])
def case_messages(request, public_id, *, tenant):
    case = case_or_404(tenant, public_id)
    if request.method == "POST":
        form = MessageForm(request.POST)
        sent = form.is_valid() and _done(
            request,
            form,
            lambda: messaging.message_send_to_applicant(
                tenant=tenant,
                actor=request.user,
                case=case,
                body=form.cleaned_data["body"],
                base_url=_base_url(request),
            ),
            success=_("Die Nachricht ist gesendet. Der Vorgang wartet jetzt auf die Antwort."),
        )
        if sent:
            return redirect(reverse("cases:messages", args=[case.public_id]) + "#verlauf")
        return _render_messages(request, case, tenant, form, status=400)
    # Opening the conversation is reading the applicant's answers; they are marked "neu" once.
    conversation = messaging.case_messages(tenant=tenant, case=case)
    new = [
        m.pk
        for m in conversation
        if m.direction == MessageDirection.FROM_APPLICANT and m.read_at is None
    ]
    for message in conversation:
        messaging.message_mark_read(tenant=tenant, actor=request.user, message=message)
    return _render_messages(
        request, case, tenant, MessageForm(), conversation=conversation, new=new
    )


@back_office
@require_GET
def case_message_attachment(request, public_id, attachment_id, *, tenant):
    case = case_or_404(tenant, public_id)
    try:
        attachment = messaging.case_message_attachment_get(
            tenant=tenant, case=case, public_id=attachment_id
        )
    except MessageAttachment.DoesNotExist:
        raise Http404(_("Diese Datei gibt es nicht.")) from None
    content_type = attachment.content_type
    if content_type == "text/plain":
        content_type += "; charset=utf-8"  # checked at upload: valid UTF-8
    return download_response(
        storage_name=attachment.storage_name,
        filename=download_name(attachment.original_name, attachment.content_type),
        content_type=content_type,
    )


# --- notices -------------------------------------------------------------------------------------


def _issued(tenant, case) -> list[dict]:
    return [
        {"notice": notice, "delivery": notices.notice_delivery_status(notice)}
        for notice in notices.case_notices(tenant=tenant, case=case)
    ]


def _render_notice_form(request, case, tenant, form, *, status=200):
    context = {
        "case": case,
        "form": form,
        "issued": _issued(tenant, case),
        "case_url": _case_url(case),
        "can_issue": case.status != CaseStatus.CLOSED,
    }
    return render(request, "cases/notice_issue.html", context, status=status)


def _render_preview(request, case, tenant, form, draft, *, status=200):
    context = {
        "case": case,
        "form": form,
        "draft": draft,
        "blocks": text_blocks(draft.body),
        "placeholders": PLACEHOLDERS,
        "decision_label": dict(form.fields["decision"].choices).get(form.data.get("decision"), ""),
        "case_url": _case_url(case),
    }
    return render(request, "cases/notice_preview.html", context, status=status)


@back_office
@require_http_methods(["GET", "POST"])
def case_notice_create(request, public_id, *, tenant):
    """Step 1 (GET, POST `_action=vorschau`): decision and reason; step 2: the preview with
    the editable text (`_action=aktualisieren` shows the edited text again), confirmed by
    POST `_action=erlassen`."""
    case = case_or_404(tenant, public_id)
    if request.method == "GET":
        initial = {"decision": case.decision} if case.decision else {}
        return _render_notice_form(request, case, tenant, NoticeForm(initial=initial))
    if request.POST.get("_action") in ("erlassen", "aktualisieren"):
        return _confirm(request, case, tenant, issue=request.POST["_action"] == "erlassen")
    form = NoticeForm(request.POST)
    if not form.is_valid():
        return _render_notice_form(request, case, tenant, form, status=400)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    try:
        notices.decide_transitions(case, decision)
        draft = notices.notice_draft(tenant=tenant, case=case, decision=decision, reason=reason)
    except CaseError as refused:
        form.add_service_errors(refused.fields, refused.message)
        return _render_notice_form(request, case, tenant, form, status=400)
    confirm = NoticeConfirmForm({"decision": decision, "reason": reason, "text": draft.body})
    return _render_preview(request, case, tenant, confirm, draft)


def _confirm(request, case, tenant, *, issue: bool):
    """Issue the notice (`issue`), or show the preview of the edited text again."""
    form = NoticeConfirmForm(request.POST)
    if form.is_valid() and issue:
        issued = _done(
            request,
            form,
            lambda: notices.notice_issue(
                tenant=tenant,
                actor=request.user,
                case=case,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                text_override=form.cleaned_data["text"],
                base_url=_base_url(request),
            ),
            success=_(
                "Der Bescheid ist erlassen und liegt im Postfach der Antragstellerin/des "
                "Antragstellers."
            ),
        )
        if issued:
            return redirect(reverse("cases:notice_create", args=[case.public_id]) + "#bescheide")
    if form.has_error("decision") or form.has_error("reason") or form.non_field_errors():
        # Hidden on the preview: shown (and changed) on step 1.
        step_one = NoticeForm(request.POST)
        step_one.is_valid()
        for name in ("decision", "reason", None):
            for message in form.errors.get(name or "__all__", []):
                if message not in step_one.errors.get(name or "__all__", []):
                    step_one.add_error(name, message)
        return _render_notice_form(request, case, tenant, step_one, status=400)
    draft = notices.notice_draft(
        tenant=tenant,
        case=case,
        decision=form.cleaned_data["decision"],
        reason=form.cleaned_data["reason"],
        text_override=request.POST.get("text", ""),
    )
    return _render_preview(request, case, tenant, form, draft, status=400 if form.errors else 200)


@back_office
@require_GET
def case_notice_pdf(request, public_id, notice_id, *, tenant):
    case = case_or_404(tenant, public_id)
    try:
        notice = notices.case_notice_get(tenant=tenant, case=case, public_id=notice_id)
    except Notice.DoesNotExist:
        raise Http404(_("Diesen Bescheid gibt es nicht.")) from None
    # A clerk's download is not the applicant's retrieval (§ 9 OZG): nothing is recorded.
    return notices.notice_pdf_response(notice)
