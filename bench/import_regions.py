"""Benchmark: `import_regions` on the real GV100AD file against a bare baseline.

    .venv/bin/python bench/import_regions.py [--repeat 3]

Runs against a fresh temporary SQLite database and prints, with medians over the repeats:
(a) our full import (parse + validate + parent links + progress + postcode list, one
transaction) into empty tables, (b) the baseline: slicing the same file into Region rows with
one `bulk_create`, no checks, no parents, no postcodes, and (c) our re-import when everything
is already present. The ratios ours/baseline are what to compare across machines.
"""

import argparse
import statistics
import tempfile
import time
from datetime import date
from io import StringIO
from pathlib import Path

from _setup import setup_django


def clear_tables() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM regions_postcodearea")
        # The self-referencing FK is deferred on SQLite, so one statement empties the table.
        cursor.execute("DELETE FROM regions_region")


def ours(gv100ad: Path, postcodes: Path) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    # Default verbosity: the progress lines and the summary are part of what we measure.
    call_command(
        "import_regions", gv100ad=gv100ad, postcodes=postcodes, stdout=StringIO(), stderr=StringIO()
    )
    return time.perf_counter() - started


LEVELS = {"10": "land", "20": "regierungsbezirk", "40": "kreis", "50": "gemeindeverband"}


def baseline(gv100ad: Path) -> tuple[float, int]:
    """What a quick script would do: slice every line, build rows, one bulk_create."""
    from django.db import transaction

    from openkommune.regions.models import Region

    started = time.perf_counter()
    rows = []
    for line in gv100ad.read_text(encoding="utf-8").splitlines():
        record_type = line[:2]
        stand = date(int(line[2:6]), int(line[6:8]), int(line[8:10]))
        if record_type == "60":
            rows.append(
                Region(
                    ars=line[10:15] + line[18:22] + line[15:18],
                    ags=line[10:18],
                    level="gemeinde",
                    kind=line[122:124].strip(),
                    name=line[22:72].strip(),
                    land_code=line[10:12],
                    area_ha=int(line[128:139]),
                    population=int(line[139:150]),
                    population_male=int(line[150:161]),
                    postcode_of_seat=line[165:170].strip(),
                    has_several_postcodes=bool(line[170:175].strip()),
                    gebietsstand=stand,
                )
            )
        elif record_type in LEVELS:
            key = line[10:15] + line[18:22] if record_type == "50" else line[10:15].strip()
            rows.append(
                Region(
                    ars=key.ljust(12, "0"),
                    level=LEVELS[record_type],
                    kind=line[122:124].strip(),
                    name=line[22:72].strip(),
                    seat=line[72:122].strip(),
                    land_code=line[10:12],
                    gebietsstand=stand,
                )
            )
    with transaction.atomic():
        Region.objects.bulk_create(rows)
    return time.perf_counter() - started, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-regions-") as tmp:
        setup_django(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        from django.conf import settings

        from openkommune.regions.management.commands.import_regions import (
            newest_gv100ad,
            newest_postcodes,
        )
        from openkommune.regions.models import PostcodeArea, Region

        gv100ad = newest_gv100ad(Path(settings.DATA_DIR))
        postcodes = newest_postcodes(Path(settings.DATA_DIR))
        lines = gv100ad.read_bytes().count(b"\n")
        postcode_lines = postcodes.read_bytes().count(b"\n")

        fresh, bare, again = [], [], []
        rows = 0
        for _ in range(args.repeat):
            # Interleaved, so drift on a shared machine affects both sides alike.
            clear_tables()
            seconds, rows = baseline(gv100ad)
            bare.append(seconds)
            clear_tables()
            fresh.append(ours(gv100ad, postcodes))
            again.append(ours(gv100ad, postcodes))
        regions, pairs = Region.objects.count(), PostcodeArea.objects.count()

    median = statistics.median
    print(f"Data: {gv100ad.name}, {lines} lines -> {regions} regions (baseline {rows} rows)")
    print(f"      {postcodes.name}, {postcode_lines} lines -> {pairs} postcode pairs")
    print(f"Database: SQLite (temporary file), repeats: {args.repeat}, medians:")
    print(f"  baseline (slice + one bulk_create, regions only): {median(bare):7.3f} s")
    print(
        f"  ours, fresh import (regions + postcodes):         {median(fresh):7.3f} s"
        f"   ratio ours/baseline {median(fresh) / median(bare):5.2f}"
    )
    print(
        f"  ours, re-import, nothing changed:                 {median(again):7.3f} s"
        f"   ratio ours/baseline {median(again) / median(bare):5.2f}"
    )


if __name__ == "__main__":
    main()
