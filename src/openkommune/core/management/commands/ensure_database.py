"""`openkommune ensure_database [--create]`: stop with a clear message when the database of
DATABASE_URL does not answer; with `--create` first create a missing PostgreSQL database
(`make serve` on a developer machine)."""

from django.core.management.base import BaseCommand

from openkommune.core import database


class Command(BaseCommand):
    help = "Check that the database answers (optionally create a missing PostgreSQL database)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--create", action="store_true")

    def handle(self, *args, create, **options):
        if create:
            created = database.create_if_missing()
            if created:
                self.stdout.write(created)
        database.check_reachable()
