"""Jobs of the submissions app (django.tasks). Each takes ids only, never personal data or
tokens (the queue is a database table), and calls one function of `notifications` or
`submit`."""

from openkommune.core.jobs import job
from openkommune.submissions.models import Application
from openkommune.submissions.services.notifications import (
    CONFIRMATION_JOB,
    NOTIFICATION_JOB,
    confirmation_for,
    notification_deliver,
)
from openkommune.submissions.services.submit import RECEIPT_JOB, application_receipt_issue


@job(CONFIRMATION_JOB)
def send_application_confirmation(application_public_id: str) -> str:
    """Send the confirmation e-mail of an application (once; retried with backoff)."""
    notification = confirmation_for(application_public_id)
    if notification is None:
        return "missing"
    return notification_deliver(notification_public_id=str(notification.public_id))


@job(NOTIFICATION_JOB)
def send_notification(notification_public_id: str) -> str:
    """Send one owed e-mail (e.g. a resume link), retried with backoff."""
    return notification_deliver(notification_public_id=notification_public_id)


@job(RECEIPT_JOB)
def issue_application_receipt(application_public_id: str) -> str:
    """Render and store the receipt PDF of an application (once; a no-op when done)."""
    application = Application.applicant_objects.filter(public_id=application_public_id).first()
    if application is None or not application.has_receipt:
        return "missing"
    application_receipt_issue(application=application)
    return "issued"
