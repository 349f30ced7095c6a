"""Jobs of the back office's e-mails (django.tasks). Ids only: never personal data or tokens
(the queue is a database table). See `cases.emails`."""

from openkommune.cases.services.emails import CASE_EMAIL_JOB, email_deliver
from openkommune.core.jobs import job


@job(CASE_EMAIL_JOB)
def send_case_email(kind: str, tenant_id: int, public_id: str, base_url: str, attempt: int) -> str:
    """Tell the applicant that a message or a notice is waiting (retried with backoff)."""
    return email_deliver(
        kind=kind, tenant_id=tenant_id, public_id=public_id, base_url=base_url, attempt=attempt
    )
