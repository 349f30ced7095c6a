"""The citizen's pages after the submit: receipt (with the PDF), status with its timeline,
and the submitted files. Reached by the logged-in applicant, the session that submitted, or
the secret link (`?token=`); these pages never pass their address on and are not indexed."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from openkommune.accounts.access import applicant_page
from openkommune.submissions import selectors, services
from openkommune.submissions.models import Application, Attachment
from openkommune.submissions.selectors import journey
from openkommune.submissions.services import hooks
from openkommune.submissions.services.receipts import berlin_time_text

_application_page = applicant_page(journey.application_for_request, get_only=True)


def _application_context(request, application: Application, token: str) -> dict:
    return {
        "application": application,
        "authority": application.authority,
        "submitted_at_text": berlin_time_text(application.submitted_at),
        "terms": selectors.application_terms(application=application),
        # Repeated in the page's own links when the secret link was the credential.
        "token_query": f"?token={token}" if token else "",
        "noindex": True,
    }


@_application_page
def receipt(request, application: Application, token: str):
    context = _application_context(request, application, token)
    context["status_url"] = services.application_status_url(
        application, base_url=request.build_absolute_uri("/")
    )
    context["secret_link"] = application.user_id is None
    context["receipt_panels"] = hooks.receipt_panels(application)
    return render(request, "submissions/receipt.html", context)


@_application_page
def receipt_pdf(request, application: Application, token: str):
    return services.receipt_response(application)


@_application_page
def status(request, application: Application, token: str):
    context = _application_context(request, application, token)
    context["events"] = selectors.application_events(application=application)
    context["attachments"] = selectors.application_attachments(application=application)
    context["status_panels"] = hooks.status_panels(request, application, context["token_query"])
    return render(request, "submissions/status.html", context)


@_application_page
def application_attachment(request, application: Application, token: str, attachment_id):
    try:
        attachment = selectors.attachment_get_for_application(
            application=application, public_id=attachment_id
        )
    except Attachment.DoesNotExist:
        raise Http404(_("Diese Datei gibt es nicht.")) from None
    return services.attachment_response(attachment)
