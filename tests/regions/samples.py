"""Real GV100AD and postcode lines, and helpers that write (possibly damaged) copies."""

import csv
import functools
from pathlib import Path

from django.conf import settings

GV100AD_DIR = Path(settings.DATA_DIR) / "gv100ad-gemeindeverzeichnis"
REAL_GV100AD = GV100AD_DIR / "GV100AD_30112025.txt"
REAL_POSTCODES = (
    Path(settings.DATA_DIR) / "plz-gemeinde-zuordnung" / "zuordnung_plz_ort_osm_2023-01.csv"
)


@functools.cache
def real_lines() -> tuple[str, ...]:
    return tuple(REAL_GV100AD.read_text(encoding="utf-8").splitlines())


def saxony_anhalt_lines() -> list[str]:
    """Land 15 with its 14 Kreise, 122 Gemeindeverbände and 218 Gemeinden, in file order."""
    return [line for line in real_lines() if line[10:12] == "15"]


def line_of(record_type: str, ars_or_ags_start: str) -> str:
    """The first real line of a record type whose key (from column 11) starts with a prefix."""
    return next(
        line
        for line in real_lines()
        if line.startswith(record_type) and line[10:].startswith(ars_or_ags_start)
    )


def write_gv100ad(directory: Path, lines: list[str], name: str = "GV100AD_30112025.txt") -> Path:
    path = directory / name
    path.write_bytes("".join(f"{line}\n" for line in lines).encode("utf-8"))
    return path


def write_postcodes(directory: Path, rows: list[dict], name: str = "plz.csv") -> Path:
    path = directory / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["osm_id", "ags", "ort", "plz", "landkreis", "bundesland"]
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


def saxony_anhalt_postcode_rows() -> list[dict]:
    with REAL_POSTCODES.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["ags"].startswith("15")]


def with_field(line: str, start: int, end: int, value: str) -> str:
    """The line with columns [start:end] replaced by `value` padded to the same width."""
    width = end - start
    assert len(value) <= width
    padded = value.rjust(width, "0") if value.isdigit() else value.ljust(width)
    return line[:start] + padded + line[end:]
