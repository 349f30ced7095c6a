"""`openkommune delete_expired_drafts`: the retention of unsubmitted drafts (run daily)."""

from django.core.management.base import BaseCommand

from openkommune.submissions.services import drafts_delete_expired


class Command(BaseCommand):
    help = (
        "Löscht Antragsentwürfe, die niemand mehr fortsetzen kann oder wird: anonyme mit "
        "abgelaufenem Link und solche angemeldeter Personen, die länger als "
        "OPENKOMMUNE_DRAFT_RETENTION_DAYS Tage unverändert sind, samt ihren Dateien. "
        "Eingereichte Anträge bleiben. Wiederholbar; täglich ausführen."
    )

    def handle(self, *args, verbosity: int, **options):
        deleted = drafts_delete_expired()
        if verbosity >= 1:
            self.stdout.write(f"{deleted} abgelaufene Entwürfe gelöscht.")
