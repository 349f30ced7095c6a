"""The job of the e-mail outbox (django.tasks; `openkommune db_worker`). Ids only: the
addresses live in the `OutboxMail` row. See `core.outbox`."""

from openkommune.core import outbox
from openkommune.core.jobs import job


@job(outbox.SEND_JOB)
def send_outbox_mail(public_id: str) -> str:
    """Send one owed e-mail (once; retried with backoff)."""
    return outbox.deliver(public_id)
