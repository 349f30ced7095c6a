"""Background jobs of the FIT-Connect app (django.tasks; `openkommune job_worker`)."""

from openkommune.core.jobs import job
from openkommune.fitconnect import callbacks


@job(callbacks.SEND_JOB)
def send_callback(*, submission_id: str, attempt: int) -> str:
    """One signed callback attempt for a submitted submission (retries queue themselves)."""
    return callbacks.send(submission_id=submission_id, attempt=attempt)
