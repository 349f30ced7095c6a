"""Jobs of the FIT-Connect app (`openkommune job_worker`). Each takes plain values, never
personal data."""

from openkommune.core.jobs import job
from openkommune.fitconnect import callbacks
from openkommune.fitconnect.services import INBOX_IMPORT_JOB


@job(INBOX_IMPORT_JOB)
def import_to_inbox(submission_id: str) -> str:
    """Decrypt a submission to an inbox destination and put it into the member's built-in
    back office, or reject it (inbox.py). Idempotent: an answered submission is skipped."""
    from openkommune.fitconnect.inbox import import_submission

    return import_submission(submission_id)


@job(callbacks.SEND_JOB)
def send_callback(*, submission_id: str, attempt: int) -> str:
    """One signed callback attempt for a submitted submission (retries queue themselves)."""
    return callbacks.send(submission_id=submission_id, attempt=attempt)


@job("fitconnect.deliver_outbound")
def deliver_outbound(*, outbound_id: int) -> str:
    """One attempt to send an application to an external Zustelldienst (outbound.py)."""
    from openkommune.fitconnect import outbound

    return outbound.deliver(outbound_id)


@job("fitconnect.poll_outbound")
def poll_outbound(*, outbound_id: int, attempt: int) -> str:
    """Read the event log of a delivered application at the external Zustelldienst."""
    from openkommune.fitconnect import outbound

    return outbound.poll(outbound_id, attempt)
