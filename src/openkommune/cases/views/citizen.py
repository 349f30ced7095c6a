"""The applicant's pages about the authority's messages and notices, reached from the status
page of the application (`antrag/<reference>/nachrichten/`, `antrag/<reference>/bescheide/`).

Access is the status page's: the logged-in applicant, the secret status link (`?token=`,
repeated in every link and form of these pages) or the session that submitted
(`submissions.selectors.journey.application_for_request`, ADR 0006); anyone else gets 404. The pages
never pass their address to another site and are not indexed.

Retrieving a notice is a POST (the button "Bescheid herunterladen"): the first retrieval is
the day the notice counts as delivered (§ 9 OZG), so a link prefetcher or crawler following
a GET must not be able to set it.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts import access
from openkommune.cases.constants import CaseStatus, MessageDirection
from openkommune.cases.errors import CaseError
from openkommune.cases.forms.messages import ReplyForm
from openkommune.cases.models import Case, MessageAttachment, Notice
from openkommune.cases.selectors import mailbox
from openkommune.cases.services import messaging, notices
from openkommune.cases.services.files import UploadRejected
from openkommune.core.files import download_response
from openkommune.core.uploads import limit_upload_size, oversized_files
from openkommune.submissions.models import Application
from openkommune.submissions.selectors import journey
from openkommune.submissions.services import download_name

# Not "no-referrer" like the status page: these pages post forms, and with "no-referrer"
# browsers send `Origin: null`, which the CSRF check refuses. "same-origin" still keeps the
# secret link from every other site.
applicant_page = access.applicant_page(
    journey.application_for_request, referrer_policy="same-origin"
)


def _actor(request, application: Application):
    """The applicant as a person (their account), or None for a secret-link applicant."""
    user = request.user
    if user.is_authenticated and application.user_id == user.pk:
        return user
    return None


def _context(application: Application, token: str) -> dict:
    return {
        "application": application,
        "authority": application.authority or {},
        "token_query": f"?token={token}" if token else "",
        "noindex": True,
    }


def _redirect(name: str, application: Application, token: str, anchor: str = ""):
    url = reverse(name, args=[application.reference])
    if token:
        url += f"?token={token}"
    response = HttpResponseRedirect(url + anchor)
    response.status_code = 303  # See Other: a reload never posts again
    return response


# --- messages ------------------------------------------------------------------------------------


def _render_messages(request, application, token, form, *, status=200, conversation=None, new=()):
    case = mailbox.applicant_case(application=application)
    if conversation is None:
        conversation = mailbox.applicant_messages(application=application)
    context = _context(application, token) | {
        "conversation": conversation,
        "new_ids": set(new),
        "form": form,
        "can_reply": case is not None and mailbox.applicant_can_reply(case),
        "question_open": case is not None and case.status == CaseStatus.INFORMATION_REQUESTED,
    }
    context["has_question"] = any(
        m.direction == MessageDirection.TO_APPLICANT for m in context["conversation"]
    )
    return render(request, "cases/citizen_messages.html", context, status=status)


@limit_upload_size
@applicant_page
@require_http_methods(["GET", "POST"])
def messages(request, application, token):
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)  # reads the post: oversized_files
        # Files the upload handler skipped while the post arrived: too large to take at all.
        too_large = [name for _field, name in oversized_files(request)]
        if too_large:
            refused = messaging.reply_files_too_large(too_large)
            form.add_service_errors(refused.fields, refused.message)
        elif form.is_valid():
            try:
                messaging.message_reply_from_applicant(
                    application=application,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["files"],
                )
            except (CaseError, UploadRejected) as refused:
                form.add_service_errors(refused.fields, refused.message)
            except Case.DoesNotExist:
                form.add_error(
                    None, _("Zu diesem Antrag gibt es keine Frage, die Sie beantworten könnten.")
                )
            else:
                flash.success(
                    request,
                    _("Ihre Antwort ist bei der zuständigen Stelle eingegangen. Vielen Dank."),
                )
                return _redirect("mailbox:messages", application, token, "#verlauf")
        return _render_messages(request, application, token, form, status=400)
    actor = _actor(request, application)
    conversation = mailbox.applicant_messages(application=application)
    new = [
        m.pk
        for m in conversation
        if m.direction == MessageDirection.TO_APPLICANT and m.read_at is None
    ]
    for message in conversation:
        messaging.message_mark_read(
            tenant=application.tenant, actor=actor, message=message, by_applicant=True
        )
    return _render_messages(
        request, application, token, ReplyForm(), conversation=conversation, new=new
    )


@applicant_page
@require_GET
def message_attachment(request, application, token, attachment_id):
    try:
        attachment = mailbox.applicant_message_attachment_get(
            application=application, public_id=attachment_id
        )
    except MessageAttachment.DoesNotExist:
        raise Http404(_("Diese Datei gibt es nicht.")) from None
    content_type = attachment.content_type
    if content_type == "text/plain":
        content_type += "; charset=utf-8"
    return download_response(
        storage_name=attachment.storage_name,
        filename=download_name(attachment.original_name, attachment.content_type),
        content_type=content_type,
    )


# --- notices -------------------------------------------------------------------------------------


@applicant_page
@require_GET
def notice_list(request, application, token):
    rows = [
        {"notice": notice, "delivery": notices.notice_delivery_status(notice)}
        for notice in mailbox.applicant_notices(application=application)
    ]
    context = _context(application, token) | {"rows": rows}
    return render(request, "cases/citizen_notices.html", context)


@applicant_page
@require_POST
def notice_pdf(request, application, token, notice_id):
    """The retrieval: the first one by the applicant fixes the day of delivery."""
    try:
        notice = mailbox.applicant_notice_get(application=application, public_id=notice_id)
    except Notice.DoesNotExist:
        raise Http404(_("Diesen Bescheid gibt es nicht.")) from None
    notices.notice_open(notice=notice, by_applicant=True, actor=_actor(request, application))
    return notices.notice_pdf_response(notice)
