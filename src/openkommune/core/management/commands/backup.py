"""`openkommune backup TARGET`: back up the database and the private file store.

TARGET is a new directory, or a tar file when its name ends in .tar, .tar.gz or .tgz. The
backup holds the database dump, every private file and `manifest.json` with the SHA-256 of
each (`openkommune.core.backup`, docs/operations.md). Restore it with `openkommune restore`.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.core.backup import BackupError, command_reporters, create_backup


class Command(BaseCommand):
    help = gettext_lazy(
        "Sichert die Datenbank und die privaten Dateien mit Prüfsummen (manifest.json)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "target",
            help=gettext_lazy("Neuer Ordner oder Tar-Datei (.tar, .tar.gz, .tgz)."),
        )

    def handle(self, *args, target, verbosity=1, **options):
        try:
            manifest = create_backup(
                Path(target),
                **command_reporters(self.stderr, enabled=verbosity > 0),
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Sicherung %(id)s geschrieben: %(target)s (Datenbank und %(files)d Dateien).")
                % {"id": manifest.backup_id, "target": target, "files": len(manifest.files)}
            )
        )
