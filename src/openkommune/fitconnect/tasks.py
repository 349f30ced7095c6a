"""Jobs of the FIT-Connect app (django.tasks). Each takes plain values, never personal data."""

from django.tasks import task


@task()
def import_to_inbox(submission_id: str) -> str:
    """Decrypt a submission to an inbox destination and put it into the member's built-in
    back office, or reject it (inbox.py). Idempotent: an answered submission is skipped."""
    from openkommune.fitconnect.inbox import import_submission

    return import_submission(submission_id)
