"""`manage.py load_demo`: the clearly marked demo on top of the official reference data."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openkommune.demo.services import (
    DEFAULT_PASSWORD,
    RealDataConflictError,
    RegionsMissingError,
    demo_load,
)
from openkommune.members.services.demo_register import demo_register_load
from openkommune.twofactor.services import demo_totp_secret_text


class Command(BaseCommand):
    help = (
        "Legt die Demo an oder aktualisiert sie: eine erfundene Genossenschaft, reale "
        "Gebietskörperschaften Sachsen-Anhalts als Demo-Mitglieder und Demo-Zugänge. "
        "Wiederholbar. Nur im Demo-Modus (OPENKOMMUNE_DEMO=true) oder mit --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help=(
                "Passwort aller Demo-Zugänge (Standard: OPENKOMMUNE_DEMO_PASSWORD oder "
                f"„{DEFAULT_PASSWORD}“)."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Auch ohne Demo-Modus ausführen (niemals in einer echten Installation).",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_MODE and not options["force"]:
            raise CommandError(
                "Diese Installation ist nicht im Demo-Modus (OPENKOMMUNE_DEMO ist nicht "
                "gesetzt). Demo-Zugänge werden nicht angelegt. Wenn Sie sicher sind, dass "
                "dies keine echte Installation ist, starten Sie den Befehl mit --force."
            )
        password = options["password"] or settings.DEMO_PASSWORD or DEFAULT_PASSWORD
        try:
            result = demo_load(password=password)
        except RegionsMissingError as error:
            raise CommandError(
                "Es sind keine Gebietsdaten vorhanden (keine Kreise Sachsen-Anhalts). "
                "Bitte zuerst „manage.py import_regions“ ausführen, dann load_demo erneut."
            ) from error
        except RealDataConflictError as error:
            raise CommandError(
                "Es gibt bereits eine echte Genossenschaft oder echte Zugänge mit den "
                "Demo-Adressen. Die Demo verändert keine echten Daten und bricht ab."
            ) from error

        register = demo_register_load()
        for key in result.skipped_keys:
            self.stderr.write(
                f"Hinweis: Schlüssel {key} nicht im Gebietsverzeichnis, übersprungen."
            )
        if options["verbosity"] >= 1:
            self._print_logins(result, password)
            self.stdout.write(
                f"Demo-Mitgliederregister: {len(register.entered)} Mitglieder aus öffentlichen "
                f"Angaben eingetragen, {len(register.not_entered)} ohne Beitrittsdatum nicht "
                "übernommen."
            )

    def _print_logins(self, result, password):
        out = self.stdout
        out.write(
            f"Demo geladen: {result.organisations} Organisationen (Demo-Daten, "
            "Namen und Schlüssel aus dem amtlichen Gemeindeverzeichnis)."
        )
        out.write("")
        out.write("Demo-Zugänge (nur zur Demonstration, keine echten Personen):")
        rows = [("Rolle", "E-Mail-Adresse", "Organisation", "Zweiter Faktor")]
        rows += [
            (
                login.role_label,
                login.email,
                login.organisation,
                "Demo-TOTP (siehe unten)" if login.second_factor else "-",
            )
            for login in result.logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for index, row in enumerate(rows):
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            out.write("  ".join(cells).rstrip())
            if index == 0:
                out.write("  ".join("-" * width for width in widths))
        out.write("")
        out.write(
            "Zweiter Faktor der Demo-Beschäftigten (TOTP, nur Demo, öffentlich bekannt): "
            f"Schlüssel {demo_totp_secret_text()} – in eine Authenticator-App eintragen "
            "oder den aktuellen Code mit „openkommune demo_totp_code“ anzeigen."
        )
        if password == DEFAULT_PASSWORD:
            out.write(f"Passwort für alle Demo-Zugänge: {password}")
        else:
            out.write(
                "Passwort für alle Demo-Zugänge: wie mit --password oder "
                "OPENKOMMUNE_DEMO_PASSWORD gesetzt"
            )
