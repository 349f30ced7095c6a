"""Rules shared by the importers of official files (regions, catalogue)."""

from dataclasses import dataclass, field

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
