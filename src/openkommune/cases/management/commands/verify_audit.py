"""`openkommune verify_audit [--tenant <uuid>] [--verbose]`: recompute the hash chains of
case events (per organisation: its own chain, the chain of every case, the anchors). Exit
code 0 when every chain is intact, 1 when one was changed (each organisation with a broken
chain is named with the first broken event)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.cases.management import tenant_option
from openkommune.cases.management.tenant_option import organisation_named
from openkommune.cases.services.audit import verify_chain
from openkommune.tenancy.models import Organisation


class Command(BaseCommand):
    help = gettext_lazy(
        "Prüft die Hash-Ketten der Vorgangsereignisse (Manipulationen an der Historie)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help=tenant_option.HELP)
        parser.add_argument(
            "--verbose",
            action="store_true",
            help=gettext_lazy("Jede Kette mit Anzahl der Ereignisse nennen."),
        )

    def handle(self, *args, tenant=None, verbose=False, **options):
        tenants = Organisation.objects.order_by("pk")
        if tenant:
            tenants = [organisation_named(tenant)]
        else:
            tenants = tenants.filter(
                Q(case_events__isnull=False) | Q(case_chain_heads__isnull=False)
            ).distinct()
        broken = []
        events = 0
        chains = 0
        checked = 0
        for organisation in tenants:
            report = verify_chain(organisation)
            checked += 1
            chains += report.chains
            events += report.events
            label = f"{organisation.name} ({organisation.public_id})"
            if not report.ok:
                broken.append(report)
                self.stderr.write(
                    _(
                        "Prüfprotokoll von %(label)s ist verändert: %(message)s "
                        "(erstes fehlerhaftes Ereignis: Nr. %(n)s)"
                    )
                    % {"label": label, "message": report.message, "n": report.broken_sequence}
                )
            elif verbose:
                self.stdout.write(
                    _(
                        "%(label)s: %(chains)d Ketten, %(events)d Ereignisse, davon "
                        "%(redacted)d mit entfernten Angaben, %(anchors)d Verankerungen — "
                        "intakt."
                    )
                    % {
                        "label": label,
                        "chains": report.chains,
                        "events": report.events,
                        "redacted": report.redacted,
                        "anchors": report.anchors,
                    }
                )
        if broken:
            raise CommandError(
                _("%(broken)d von %(checked)d Prüfprotokollen sind verändert.")
                % {"broken": len(broken), "checked": checked},
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Prüfprotokolle intakt: %(checked)d Organisationen, %(chains)d Ketten, "
                    "%(events)d Ereignisse."
                )
                % {"checked": checked, "chains": chains, "events": events}
            )
        )
