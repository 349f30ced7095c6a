"""`openkommune demo_totp_code`: the current code of the demo staff's published TOTP secret,
for demo visitors without an authenticator app. Demo only: no real account has this secret."""

from django.core.management.base import BaseCommand

from openkommune.twofactor.services import demo_totp_code_now, demo_totp_secret_text


class Command(BaseCommand):
    help = (
        "Zeigt den aktuellen Code des Demo-Schlüssels für den zweiten Faktor der "
        "Demo-Beschäftigten (nur Demo; der Schlüssel ist öffentlich)."
    )

    def handle(self, *args, **options):
        self.stdout.write(
            f"Demo-Code (30 Sekunden gültig): {demo_totp_code_now()} "
            f"(Demo-Schlüssel {demo_totp_secret_text()})"
        )
