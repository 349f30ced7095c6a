"""`manage.py load_demo_register`: the demo member register from public KITU sources."""

from django.core.management.base import BaseCommand

from openkommune.members.services.demo_register import demo_register_load


class Command(BaseCommand):
    help = (
        "Legt das Demo-Mitgliederregister aus öffentlich genannten KITU-Mitgliedern an "
        "(teilweise öffentliche Angaben, kein vollständiges Register). Wiederholbar."
    )

    def handle(self, *args, **options):
        result = demo_register_load()
        for key in result.unknown_keys:
            self.stderr.write(f"Hinweis: Schlüssel {key} nicht im Gebietsverzeichnis.")
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Demo-Register: {len(result.entered)} Mitglieder mit Beitrittsdatum eingetragen."
            )
            for name, statement in result.not_entered:
                self.stdout.write(f"  ohne Beitrittsdatum nicht übernommen: {name} ({statement})")
