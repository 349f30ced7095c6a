"""Background jobs of the form studio (django.tasks; `openkommune job_worker`)."""

from openkommune.core.jobs import job
from openkommune.studio.services import GATE_JOB, gate_run_execute


@job(GATE_JOB)
def run_gate(*, run_public_id: str) -> str:
    """Run one publish-gate run (axe-core in Chromium on every preview page). Idempotent: a
    finished run stays as it is."""
    return gate_run_execute(run_public_id=run_public_id).status
