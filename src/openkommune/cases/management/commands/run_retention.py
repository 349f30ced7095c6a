"""Delete or anonymise the closed cases whose retention period has ended (daily job).

    openkommune run_retention --dry-run          # what would happen today, per service
    openkommune run_retention                    # do it
    openkommune run_retention --today 2028-01-31 # as if it were that day (tests, catch-up)

Operators run it once a day (cron or a systemd timer, see docs/retention.md). Idempotent: a
second run on the same day finds nothing more to do.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from openkommune.cases.retention import retention_run


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today erwartet ein Datum wie 2026-11-22, nicht {value!r}.") from None


class Command(BaseCommand):
    help = "Löscht oder anonymisiert abgeschlossene Vorgänge nach Ablauf ihrer Aufbewahrungsfrist."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Nur zählen, was fällig ist; nichts ändern und nichts protokollieren.",
        )
        parser.add_argument(
            "--today", type=_date, default=None, help="Stichtag (JJJJ-MM-TT), sonst heute."
        )

    def handle(self, *args, dry_run: bool, today, **options):
        today = today or timezone.localdate()
        report = retention_run(today=today, dry_run=dry_run)
        heading = "Probelauf" if dry_run else "Lauf"
        self.stdout.write(f"{heading} der Aufbewahrung am {today:%d.%m.%Y}")
        rows = report.per_service()
        if not rows:
            self.stdout.write("Keine fälligen Vorgänge.")
            return
        verb = "fällig" if dry_run else "erledigt"
        for organisation, ozg_id, service, count in rows:
            self.stdout.write(f"{organisation} | {ozg_id} {service}: {count} {verb}")
        self.stdout.write(f"Zusammen: {report.case_count} Vorgänge {verb}.")
