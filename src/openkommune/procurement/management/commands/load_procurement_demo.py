"""`openkommune load_procurement_demo`: invented framework contracts, marked Demo."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openkommune.procurement.demo import load_procurement_demo
from openkommune.tenancy.scoping import scopes_disabled


class Command(BaseCommand):
    help = (
        "Legt die Demo-Rahmenverträge an oder aktualisiert sie: 2 erfundene Verträge, "
        "3 Lieferanten und Artikel mit Preisstaffeln, alle als Demo markiert. Wiederholbar. "
        "Nur im Demo-Modus (OPENKOMMUNE_DEMO=true) oder mit --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Auch ohne Demo-Modus ausführen (niemals in einer echten Installation).",
        )

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_MODE", False) and not options["force"]:
            raise CommandError(
                "Diese Installation ist nicht im Demo-Modus (OPENKOMMUNE_DEMO ist nicht "
                "gesetzt). Demo-Rahmenverträge werden nicht angelegt; mit --force trotzdem."
            )
        with scopes_disabled():
            result = load_procurement_demo()
        for contract in result.contracts:
            self.stdout.write(f"Demo-Rahmenvertrag: {contract}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.contracts)} Demo-Rahmenverträge, {result.suppliers} Lieferanten, "
                f"{result.items} Artikel geladen."
            )
        )
