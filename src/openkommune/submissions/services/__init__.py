"""The interface of the submissions app for pages, the API and other apps (see
docs/submissions.md). State changes live in `drafts`, `uploads` and `submit`; this module gathers
them with the reads the pages need and the responses that serve private files."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404

from openkommune.core import files as core_files
from openkommune.submissions import attachments as files
from openkommune.submissions import links
from openkommune.submissions.constants import AttachmentType
from openkommune.submissions.errors import (
    DraftAlreadySubmitted,
    DraftExpired,
    IdempotencyConflict,
    IdempotencyKeyInvalid,
    LocationAmbiguous,
    PlaceGone,
    ReceiptUnavailable,
    ResumeLinkThrottled,
    ServiceNotOffered,
    SubmissionError,
    SubmitInvalid,
    TrustLevelTooLow,
    UploadRejected,
)
from openkommune.submissions.models import Application, Attachment, Draft
from openkommune.submissions.selectors import (
    application_get_for_applicant,
    draft_get_by_token,
    draft_get_for_user,
)
from openkommune.submissions.services.drafts import (
    draft_save_step,
    draft_send_resume_link,
    draft_set_data,
    draft_start,
    drafts_delete_expired,
    offered_responsibility,
)
from openkommune.submissions.services.routing import resolve_gemeinde, route_for_form
from openkommune.submissions.services.submit import (
    application_receipt_issue,
    application_seal,
    application_submit,
    application_submit_data,
)
from openkommune.submissions.services.timeline import application_event_add
from openkommune.submissions.services.trust import required_trust_level
from openkommune.submissions.services.uploads import (
    draft_attach_file,
    draft_remove_file,
    oversized_upload_rejection,
    refusing_when_storage_is_full,
    scan_or_refuse,
)
from openkommune.submissions.tokens import derive_token
from openkommune.submissions.virus_scan import get_scanner, readiness_problem, scanning_enabled

# The file helpers the back office and the delivery routes share with the citizen journey
# (one storage, one type detection); other apps use them from here, not from `attachments`.
detect_content_type = files.detect_content_type
sanitise_filename = files.sanitise_filename
download_name = files.download_name
spool_upload = files.spool_upload

__all__ = [
    "DraftAlreadySubmitted",
    "DraftExpired",
    "IdempotencyConflict",
    "IdempotencyKeyInvalid",
    "LocationAmbiguous",
    "PlaceGone",
    "ReceiptUnavailable",
    "ResumeLinkThrottled",
    "ServiceNotOffered",
    "SubmissionError",
    "SubmitInvalid",
    "TrustLevelTooLow",
    "UploadRejected",
    "applicant_email",
    "applicant_email_context",
    "application_event_add",
    "application_get_for_applicant",
    "application_receipt_issue",
    "application_seal",
    "application_status_token",
    "application_status_url",
    "application_submit",
    "application_submit_data",
    "attachment_response",
    "detect_content_type",
    "download_name",
    "draft_attach_file",
    "draft_get_by_token",
    "draft_get_for_user",
    "draft_remove_file",
    "draft_resume_token",
    "draft_save_step",
    "draft_send_resume_link",
    "draft_set_data",
    "draft_start",
    "drafts_delete_expired",
    "get_scanner",
    "offered_responsibility",
    "oversized_upload_rejection",
    "readiness_problem",
    "receipt_filename",
    "receipt_pdf",
    "receipt_response",
    "refusing_when_storage_is_full",
    "required_trust_level",
    "resolve_gemeinde",
    "route_for_form",
    "sanitise_filename",
    "scan_or_refuse",
    "scanning_enabled",
    "spool_upload",
]


def receipt_pdf(*, application: Application) -> bytes:
    """The receipt as issued for the submission (rendered now if its job has not run yet).
    Raises `ReceiptUnavailable` for an anonymised application."""
    return core_files.read_private(application_receipt_issue(application=application).receipt_name)


def receipt_filename(application: Application) -> str:
    return f"Eingangsbestaetigung-{application.reference}.pdf"


def receipt_response(application: Application) -> FileResponse:
    """The stored receipt as a download (rendered now if its job has not run yet). Call only
    for an authorised application; 404 for an anonymised one."""
    try:
        application_receipt_issue(application=application)
    except ReceiptUnavailable as error:
        raise Http404(error.message) from None
    return core_files.download_response(
        storage_name=application.receipt_name,
        filename=receipt_filename(application),
        content_type="application/pdf",
    )


def attachment_response(attachment: Attachment) -> FileResponse:
    """A file as a download (`Content-Disposition: attachment`, `nosniff`, not cached).
    Call only for an attachment reached through an authorised draft or application
    (`selectors.attachment_get_for_draft`, `attachment_get_for_application`)."""
    content_type = attachment.content_type
    if content_type == AttachmentType.TEXT:
        content_type += "; charset=utf-8"  # checked at upload: valid UTF-8
    return core_files.download_response(
        storage_name=attachment.storage_name,
        filename=attachment.download_name,
        content_type=content_type,
    )


def application_status_token(application: Application) -> str | None:
    """The secret status token of an anonymous application (None for one of a logged-in
    user, who reaches the status page by logging in). Show it only to its applicant."""
    if application.user_id is not None:
        return None
    return derive_token(purpose="status", salt=application.status_token_salt)


def applicant_email(application: Application) -> str:
    """Where e-mails to the applicant go: the address given with the application, else the
    account's ("" when there is none)."""
    if application.email:
        return application.email
    user = application.user if application.user_id else None
    return user.email if user is not None else ""


def applicant_email_context(application: Application, *, base_url: str | None, sender: str) -> dict:
    """What every e-mail telling the applicant that something waits on the status page shows:
    the reference, the authority (its name at the submit, else `sender`), the status link (with
    the secret token for an applicant without an account, derived now, never stored) and
    whether it is demo data. No answers and no other personal data."""
    return {
        "reference": application.reference,
        "authority_name": (application.authority or {}).get("name") or sender,
        "status_url": application_status_url(application, base_url=base_url or None),
        "secret_link": application.user_id is None,
        "is_demo": bool(settings.DEMO_MODE or application.is_demo),
    }


def application_status_url(application: Application, *, base_url: str | None = None) -> str:
    """Absolute status page link; with the secret token for an anonymous applicant."""
    return links.status_url(
        reference=application.reference,
        token=application_status_token(application),
        base_url=base_url,
    )


def draft_resume_token(draft: Draft) -> str | None:
    """The resume token of an anonymous draft (for the page after an upload or a reload);
    None for a logged-in user's draft."""
    if draft.user_id is not None or not draft.resume_token_salt:
        return None
    return derive_token(purpose="resume", salt=draft.resume_token_salt)
