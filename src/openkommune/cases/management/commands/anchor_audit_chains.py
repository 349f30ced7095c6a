"""`openkommune anchor_audit_chains [--tenant <uuid>]`: anchor the case chains that moved
since their last anchor in their organisation's chain (`audit.anchor_chains`). Meant to run
on a schedule (e.g. every few minutes); prints, and logs, the hash of every anchor event —
keep those lines outside the database (log archive, ticket, e-mail) and a later rewrite of the
chains becomes provable. See docs/adr/0012-audit-chains-per-case.md."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.cases.management import tenant_option
from openkommune.cases.management.tenant_option import organisation_named
from openkommune.cases.services.audit import anchor_chains


class Command(BaseCommand):
    help = gettext_lazy("Verankert die geänderten Vorgangsketten in der Kette ihrer Organisation.")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help=tenant_option.HELP)

    def handle(self, *args, tenant=None, **options):
        anchors = anchor_chains(tenants=[organisation_named(tenant)] if tenant else None)
        for event in anchors:
            self.stdout.write(
                _(
                    "%(label)s: %(chains)d Vorgangsketten verankert in Ereignis Nr. %(n)d, "
                    "Prüfwert %(hash)s"
                )
                % {
                    "label": f"{event.tenant.name} ({event.tenant.public_id})",
                    "chains": len(event.payload["chains"]),
                    "n": event.sequence,
                    "hash": event.hash,
                }
            )
        if not anchors:
            self.stdout.write(_("Keine geänderten Vorgangsketten."))
