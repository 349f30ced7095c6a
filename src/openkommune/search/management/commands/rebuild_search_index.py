from django.core.management.base import BaseCommand

from openkommune.search.selectors import thesaurus_synonyms
from openkommune.search.services import search_index_rebuild


class Command(BaseCommand):
    help = "Build the service search index from the imported catalogue (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Rebuild even if nothing has changed."
        )
        parser.add_argument(
            "--show-synonyms",
            action="store_true",
            help="Then print the OpenThesaurus synonyms the index took (`word = catalogue "
            "words`), for review in search/data/thesaurus_review.txt.",
        )

    def handle(self, *args, force=False, show_synonyms=False, **options):
        result = search_index_rebuild(force=force)
        if show_synonyms:
            for word, expansion in sorted(thesaurus_synonyms().items()):
                self.stdout.write(f"{word} = {' '.join(expansion)}")
        if options["verbosity"] > 0:
            what = "rebuilt" if result.changed else "unchanged"
            self.stdout.write(
                f"Search index {what}: {result.documents} OZG-Leistungen, version {result.version}."
            )
