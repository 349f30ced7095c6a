"""`openkommune verify_audit [--tenant <uuid>] [--verbose]`: recompute the hash chains of
case events. Exit code 0 when every chain is intact, 1 when one was changed (each broken
chain is named with its first broken event)."""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from openkommune.cases.audit import verify_chain
from openkommune.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Prüft die Hash-Ketten der Vorgangsereignisse (Manipulationen an der Historie)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Nur die Organisation mit dieser öffentlichen ID.")
        parser.add_argument(
            "--verbose", action="store_true", help="Jede Kette mit Anzahl der Ereignisse nennen."
        )

    def handle(self, *args, tenant=None, verbose=False, **options):
        tenants = Organisation.objects.order_by("pk")
        if tenant:
            try:
                found = tenants.filter(public_id=uuid.UUID(str(tenant))).first()
            except ValueError:
                found = None
            if found is None:
                raise CommandError(f"Keine Organisation mit der ID „{tenant}“.", returncode=2)
            tenants = [found]
        else:
            tenants = tenants.filter(
                Q(case_events__isnull=False) | Q(case_chain_head__isnull=False)
            ).distinct()
        broken = []
        events = 0
        chains = 0
        for organisation in tenants:
            report = verify_chain(organisation)
            chains += 1
            events += report.events
            label = f"{organisation.name} ({organisation.public_id})"
            if not report.ok:
                broken.append(report)
                self.stderr.write(
                    f"Prüfprotokoll von {label} ist verändert: {report.message} "
                    f"(erstes fehlerhaftes Ereignis: Nr. {report.broken_sequence})"
                )
            elif verbose:
                self.stdout.write(
                    f"{label}: {report.events} Ereignisse, davon {report.redacted} mit "
                    "entfernten Angaben — intakt."
                )
        if broken:
            raise CommandError(
                f"{len(broken)} von {chains} Prüfprotokollen sind verändert.", returncode=1
            )
        self.stdout.write(
            self.style.SUCCESS(f"Prüfprotokolle intakt: {chains} Ketten, {events} Ereignisse.")
        )
