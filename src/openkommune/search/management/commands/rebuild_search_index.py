from django.core.management.base import BaseCommand

from openkommune.search.services import search_index_rebuild


class Command(BaseCommand):
    help = "Build the service search index from the imported catalogue (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Rebuild even if nothing has changed."
        )

    def handle(self, *args, force=False, **options):
        result = search_index_rebuild(force=force)
        if options["verbosity"] > 0:
            what = "rebuilt" if result.changed else "unchanged"
            self.stdout.write(
                f"Search index {what}: {result.documents} OZG-Leistungen, version {result.version}."
            )
