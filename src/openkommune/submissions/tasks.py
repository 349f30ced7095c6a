"""Jobs of the submissions app (django.tasks). Each takes ids only, never personal data or
tokens (the queue is a database table). E-mails go through the outbox's own job
(`core.tasks`)."""

from openkommune.core.jobs import job
from openkommune.submissions.models import Application
from openkommune.submissions.services.submit import RECEIPT_JOB, application_receipt_issue


@job(RECEIPT_JOB)
def issue_application_receipt(application_public_id: str) -> str:
    """Render and store the receipt PDF of an application (once; a no-op when done)."""
    application = Application.applicant_objects.filter(public_id=application_public_id).first()
    if application is None or not application.has_receipt:
        return "missing"
    application_receipt_issue(application=application)
    return "issued"
