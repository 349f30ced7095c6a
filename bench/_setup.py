"""Shared set-up of the benchmarks: Django on a database of their own, and the query sets."""

import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT.parent / "shared" / "eval" / "search_dev.csv"
# Written before tuning: everyday queries (issue 5) and life events and benefits (issue 14);
# the life-events set was tuned on afterwards, so issue 14 part 4 added a fresh one, never tuned
# on (tests/search/heldout_everyday_2026_12_06.md).
HELD_OUT_SETS = [
    ROOT / "tests" / "search" / "heldout_queries.csv",
    ROOT / "tests" / "search" / "heldout_life_events.csv",
    ROOT / "tests" / "search" / "heldout_everyday_2026_12_06.csv",
]


def setup_django(database_url: str, *commands: str) -> None:
    """Point Django at `database_url`, migrate, then run the given management commands."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("OPENKOMMUNE_SECRET_KEY", "bench-only-not-a-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "openkommune.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for command in commands:
        call_command(command, verbosity=0)


def read_queries(path: Path) -> list[tuple[str, set[str]]]:
    """(query, accepted OZG-IDs) from an evaluation CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (row["query"], set(row["accepted_ozg_ids"].split(";")))
            for row in csv.DictReader(handle)
        ]
