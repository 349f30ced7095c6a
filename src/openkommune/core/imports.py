"""Rules shared by the importers of official files (regions, catalogue) and their commands."""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.management.base import CommandError
from django.db import IntegrityError

from openkommune.core.formatting import format_number

# A release may retire at most this share of the current entries (or delete this share of
# the postcode pairs) without `allow_shrink`: more means a wrong or cut-off file far more
# often than a real territorial reform or catalogue change.
SHRINK_LIMIT_PERCENT = 10

CONCURRENT_IMPORT_MESSAGE = (
    "Ein anderer Import läuft gerade oder hat die Daten zeitgleich geändert; nichts wurde "
    "gespeichert. Bitte erneut starten."
)


class ShrinkRefused(Exception):
    """The new release would retire or delete more than SHRINK_LIMIT_PERCENT of the data."""


def shrink_exceeds(removed: int, total: int) -> bool:
    return total > 0 and removed * 100 > total * SHRINK_LIMIT_PERCENT


def percent_text(part: int, total: int) -> str:
    """German decimal share, e.g. 12,5."""
    return format_number(part * 100 / total, 1) if total else "0"


@dataclass
class ShrinkGuard:
    """Refuses a shrinking release unless allowed; in a dry run it only collects warnings."""

    allow: bool
    dry_run: bool
    warnings: list[str] = field(default_factory=list)

    def check(self, removed: int, total: int, message: str) -> None:
        if self.allow or not shrink_exceeds(removed, total):
            return
        if self.dry_run:
            self.warnings.append(message)
            return
        raise ShrinkRefused(message)


def add_release_arguments(parser, *, shrinking: str) -> None:
    """`--dry-run` and `--allow-shrink` of an import command; `shrinking` says what a release
    does that needs the latter, e.g. "der aktuellen Gemeinden als nicht mehr aktuell markiert"."""
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="Alles prüfen und zählen, aber nichts speichern.",
    )
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help=(
            # %% because argparse formats help texts with the % operator.
            f"Import auch dann ausführen, wenn er mehr als {SHRINK_LIMIT_PERCENT} %% {shrinking}."
        ),
    )


@contextmanager
def release_refusals(*, release: str):
    """Turn a refused shrink and a concurrent import into the command's error; `release`
    names what was read ("Fassung", "Datei")."""
    try:
        yield
    except ShrinkRefused as exc:
        raise CommandError(
            f"Import abgebrochen, nichts wurde gespeichert: {exc}. Ist die {release} "
            "vollständig und der Rückgang gewollt, mit --allow-shrink bestätigen."
        ) from exc
    except IntegrityError as exc:
        raise CommandError(CONCURRENT_IMPORT_MESSAGE) from exc
