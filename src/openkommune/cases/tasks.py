"""Jobs of the back office (django.tasks). Each takes plain values, never personal data."""

from django.tasks import task
from django.utils import timezone

from openkommune.accounts.services.retention import (
    expired_sessions_clear,
    login_data_retention,
)
from openkommune.cases.services.audit import anchor_chains
from openkommune.cases.services.retention import retention_run
from openkommune.identity.services import identity_data_prune
from openkommune.website.services import contact_messages_delete_expired


@task()
def run_retention_daily() -> dict:
    """The daily retention run (what `manage.py run_retention` does), for installations that
    schedule it through the task queue: enqueue once a day, e.g. from cron with
    `openkommune shell -c "from openkommune.cases.tasks import run_retention_daily;
    run_retention_daily.enqueue()"`. Idempotent, so a retried or doubled run is harmless."""
    today = timezone.localdate()
    report = retention_run(today=today, dry_run=False)
    login_data = login_data_retention(today=today, dry_run=False)
    sessions = expired_sessions_clear(dry_run=False)
    identity = identity_data_prune(today=today, dry_run=False)
    contact_messages = contact_messages_delete_expired(today=today, dry_run=False)
    return {
        "run_id": str(report.run_id),
        "cases": report.case_count,
        "throttle_hits": login_data.throttle_hits,
        "login_locked_records": login_data.locked_records,
        "expired_sessions": sessions,
        "rejected_bundid_logins": identity.rejected_logins,
        "contact_messages": contact_messages,
    }


@task()
def anchor_audit_chains() -> dict:
    """Anchor the case chains that moved (what `manage.py anchor_audit_chains` does), for
    installations that schedule it through the task queue — every few minutes (ADR 0012).
    Returns the anchor events' tenant, sequence and hash (also logged): keep them outside the
    database. A doubled run anchors nothing twice."""
    anchors = anchor_chains()
    return {
        "anchors": [
            {"tenant": str(e.tenant.public_id), "sequence": e.sequence, "hash": e.hash}
            for e in anchors
        ]
    }
