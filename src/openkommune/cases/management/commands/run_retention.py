"""Delete or anonymise the closed cases whose retention period has ended (daily job), and
the login data of `accounts.throttle` older than OPENKOMMUNE_LOGIN_DATA_RETENTION_DAYS,
expired sessions (as Django's `clearsessions`) and the contact form's messages after 180 days
(`website.services.contact_messages_delete_expired`).

    openkommune run_retention --dry-run          # what would happen today, per service
    openkommune run_retention                    # do it
    openkommune run_retention --today 2028-01-31 # as if it were that day (tests, catch-up)

Operators run it once a day (cron or a systemd timer, see docs/retention.md). Idempotent: a
second run on the same day finds nothing more to do.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.accounts.services.retention import (
    expired_sessions_clear,
    login_data_retention,
)
from openkommune.cases.services.retention import retention_run
from openkommune.core.formatting import format_date
from openkommune.identity.services import identity_data_prune
from openkommune.website.services import contact_messages_delete_expired


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--today erwartet ein Datum wie 2026-11-22, nicht %(value)r.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = gettext_lazy(
        "Löscht oder anonymisiert abgeschlossene Vorgänge nach Ablauf ihrer Aufbewahrungsfrist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext_lazy(
                "Nur zählen, was fällig ist; nichts ändern und nichts protokollieren."
            ),
        )
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help=gettext_lazy("Stichtag (JJJJ-MM-TT), sonst heute."),
        )

    def handle(self, *args, dry_run: bool, today, **options):
        today = today or timezone.localdate()
        report = retention_run(today=today, dry_run=dry_run)
        login_data = login_data_retention(today=today, dry_run=dry_run)
        sessions = expired_sessions_clear(dry_run=dry_run)
        identity = identity_data_prune(today=today, dry_run=dry_run)
        contact_messages = contact_messages_delete_expired(today=today, dry_run=dry_run)
        day = format_date(today)
        if dry_run:
            self.stdout.write(_("Probelauf der Aufbewahrung am %(day)s") % {"day": day})
        else:
            self.stdout.write(_("Lauf der Aufbewahrung am %(day)s") % {"day": day})
        self._cases(report, dry_run)
        values = {"hits": login_data.throttle_hits, "records": login_data.locked_records}
        if dry_run:
            line = _(
                "Anmeldedaten: %(hits)d Zählungen und die Client-Adresse in %(records)d "
                "Protokolleinträgen fällig."
            )
        else:
            line = _(
                "Anmeldedaten: %(hits)d Zählungen gelöscht, die Client-Adresse aus "
                "%(records)d Protokolleinträgen entfernt."
            )
        self.stdout.write(line % values)
        if dry_run:
            line = _("Sitzungen: %(n)d abgelaufene fällig.")
        else:
            line = _("Sitzungen: %(n)d abgelaufene gelöscht.")
        self.stdout.write(line % {"n": sessions})
        values = {
            "rejected": identity.rejected_logins,
            "markers": identity.seen_assertions + identity.pending_logins,
        }
        if dry_run:
            line = _(
                "BundID: %(rejected)d abgewiesene Anmeldungen und %(markers)d abgelaufene "
                "Anmeldevermerke fällig."
            )
        else:
            line = _(
                "BundID: %(rejected)d abgewiesene Anmeldungen und %(markers)d abgelaufene "
                "Anmeldevermerke gelöscht."
            )
        self.stdout.write(line % values)
        if dry_run:
            line = _("Kontaktanfragen: %(n)d fällig.")
        else:
            line = _("Kontaktanfragen: %(n)d gelöscht.")
        self.stdout.write(line % {"n": contact_messages})

    def _cases(self, report, dry_run: bool) -> None:
        rows = report.per_service()
        if not rows:
            self.stdout.write(_("Keine fälligen Vorgänge."))
            return
        for organisation, ozg_id, service, count in rows:
            values = {"org": organisation, "ozg_id": ozg_id, "service": service, "n": count}
            if dry_run:
                line = _("%(org)s | %(ozg_id)s %(service)s: %(n)d fällig")
            else:
                line = _("%(org)s | %(ozg_id)s %(service)s: %(n)d erledigt")
            self.stdout.write(line % values)
        if dry_run:
            total = _("Zusammen: %(n)d Vorgänge fällig.")
        else:
            total = _("Zusammen: %(n)d Vorgänge erledigt.")
        self.stdout.write(total % {"n": report.case_count})
