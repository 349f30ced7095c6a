"""`openkommune second_factor_reset E-MAIL`: remove a staff member's app and recovery codes
(lost phone and codes); the next login sets the second factor up again. Audited."""

from django.core.management.base import BaseCommand, CommandError

from openkommune.accounts.models import User
from openkommune.twofactor.services import second_factor_reset


class Command(BaseCommand):
    help = (
        "Setzt den zweiten Faktor einer Person zurück (App und Wiederherstellungscodes); "
        "bei der nächsten Anmeldung richtet sie ihn neu ein."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="E-Mail-Adresse des Kontos")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Kein Konto mit der E-Mail-Adresse {email}.")
        result = second_factor_reset(user, actor=None)
        self.stdout.write(
            f"Zweiter Faktor zurückgesetzt: {result.devices} App(s), "
            f"{result.codes} Wiederherstellungscode(s) entfernt."
        )
