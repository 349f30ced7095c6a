"""`manage.py import_members FILE [--dry-run]`: import the register from CSV or XLSX."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openkommune.members.io import MemberImportError, import_members


class Command(BaseCommand):
    help = (
        "Importiert das Mitgliederregister aus einer CSV- oder XLSX-Datei (Spalten: siehe "
        "openkommune.members.io). Bei einem Fehler in irgendeiner Zeile wird nichts importiert."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Nur prüfen, nichts speichern.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            handle = file.open("rb")
        except OSError as error:
            raise CommandError(f"Die Datei {file} kann nicht gelesen werden: {error}") from error
        try:
            # Streamed: at most the import's byte limit is read from the file.
            with handle:
                result = import_members(actor=None, data=handle, dry_run=dry_run)
        except MemberImportError as error:
            raise CommandError("Nichts importiert. Fehler:\n" + "\n".join(error.errors)) from error
        prefix = "Prüfung ohne Fehler (nichts gespeichert): " if dry_run else "Importiert: "
        self.stdout.write(
            f"{prefix}{result.rows} Zeilen, {result.members_created} neue Mitglieder, "
            f"{result.periods_created} neue und {result.periods_changed} geänderte Zeiträume, "
            f"{len(result.organisations_created)} neue Organisationen."
        )
