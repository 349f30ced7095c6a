"""`openkommune restore SOURCE [--force]`: restore a backup made by `openkommune backup`.

Every file of the backup is checked against `manifest.json` before anything is changed; a
database or private file store that is not empty is refused unless `--force` is given. After
writing, every restored file is read back and compared with its hash (docs/operations.md).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.core.backup import BackupError, command_reporters, restore_backup


class Command(BaseCommand):
    help = gettext_lazy(
        "Spielt eine Sicherung (Datenbank und private Dateien) nach Prüfung aller Prüfsummen ein."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help=gettext_lazy("Ordner oder Tar-Datei einer Sicherung."))
        parser.add_argument(
            "--force",
            action="store_true",
            help=gettext_lazy(
                "Auch in eine nicht leere Datenbank und Dateiablage einspielen "
                "(überschreibt deren Inhalt)."
            ),
        )

    def handle(self, *args, source, force=False, verbosity=1, **options):
        try:
            result = restore_backup(
                Path(source),
                force=force,
                **command_reporters(self.stderr, enabled=verbosity > 0),
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Sicherung %(id)s eingespielt: Datenbank und %(files)d Dateien, alle geprüft.")
                % {"id": result.manifest.backup_id, "files": result.files}
            )
        )
        if result.unapplied:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Diese Version hat %(count)d Migrationen, die der Sicherung fehlen: "
                        "bitte `openkommune migrate` ausführen."
                    )
                    % {"count": len(result.unapplied)}
                )
            )
