"""The back office's e-mails go through the outbox's own job (`core.tasks`). This job remains
so that jobs queued before the one outbox (under this task path) still run: it makes their
outbox row and sends it once. See `cases.services.emails`."""

from openkommune.cases.services.emails import email_deliver_queued
from openkommune.core.jobs import job


@job("cases.case_email")
def send_case_email(kind: str, tenant_id: int, public_id: str, base_url: str, attempt: int) -> str:
    """Old task path: tell the applicant that a message or a notice is waiting."""
    return email_deliver_queued(
        kind=kind, tenant_id=tenant_id, public_id=public_id, base_url=base_url
    )
