"""Search fixtures. The session setup (tests/conftest.py) imports the official catalogue and
builds the search index with the commands an operator uses."""

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEV_SET = HERE.parents[1].parent / "shared" / "eval" / "search_dev.csv"
HELD_OUT_SET = HERE / "heldout_queries.csv"
LIFE_EVENTS_SET = HERE / "heldout_life_events.csv"  # issue 14, see heldout_life_events.md
# issue 14 part 4: never tuned on, see heldout_everyday_2026_12_06.md
EVERYDAY_SET = HERE / "heldout_everyday_2026_12_06.csv"


def read_queries(path: Path) -> list[tuple[str, set[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (row["query"], set(row["accepted_ozg_ids"].split(";")))
            for row in csv.DictReader(handle)
        ]
