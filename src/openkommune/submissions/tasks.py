"""Jobs of the submissions app (django.tasks). Each takes ids only, never personal data or
tokens (the queue is a database table).

E-mails go through the outbox's own job (`core.tasks`); the two e-mail jobs here remain so
that jobs queued before the one outbox (under these task paths) still run: they send the
outbox row that the data migration made of their `NotificationLog` row (same public id)."""

from openkommune.core import outbox
from openkommune.core.jobs import job
from openkommune.submissions.models import Application
from openkommune.submissions.services.notifications import confirmation_for
from openkommune.submissions.services.submit import RECEIPT_JOB, application_receipt_issue


@job("submissions.application_confirmation")
def send_application_confirmation(application_public_id: str) -> str:
    """Old task path: send the confirmation e-mail of an application (once)."""
    row = confirmation_for(application_public_id)
    if row is None:
        return "missing"
    return outbox.deliver(str(row.public_id))


@job("submissions.notification")
def send_notification(notification_public_id: str) -> str:
    """Old task path: send one owed e-mail (its outbox row has the same public id)."""
    return outbox.deliver(notification_public_id)


@job(RECEIPT_JOB)
def issue_application_receipt(application_public_id: str) -> str:
    """Render and store the receipt PDF of an application (once; a no-op when done)."""
    application = Application.applicant_objects.filter(public_id=application_public_id).first()
    if application is None or not application.has_receipt:
        return "missing"
    application_receipt_issue(application=application)
    return "issued"
