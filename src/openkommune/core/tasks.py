"""The job of the e-mail outbox (django.tasks), used where jobs do not wait in the database
(the immediate back end of tests and `make run`); on the database queue the job workers
drain the outbox in batches instead (`core.outbox.drain`, ADR 0027), and this job only runs
what was queued before. Ids only: the addresses live in the `OutboxMail` row. See
`core.outbox`."""

from openkommune.core import outbox
from openkommune.core.jobs import job


@job(outbox.SEND_JOB)
def send_outbox_mail(public_id: str) -> str:
    """Send one owed e-mail (once; retried with backoff)."""
    return outbox.deliver(public_id)
