"""Helpers for catalogue tests: editable copies of the official release and a snapshot of
the catalogue tables to prove that a failed import changed nothing."""

from pathlib import Path

from django.conf import settings

from openkommune.catalog.models import (
    Lage,
    LeikaAssignment,
    LeikaService,
    OzgLeistung,
    Themenfeld,
)

OFFICIAL_DIR = Path(settings.DATA_DIR) / "ozg-leika-katalog"
ZUORDNUNG = "leika_leistungen_ozg_zuordnung.csv"
LEISTUNGEN = "ozg_leistungen.csv"
LAGEN = "ozg_lebens_und_unternehmenslagen.csv"
THEMENFELDER = "ozg_themenfelder.csv"
HUNDESTEUER_KEY = "99102013000000"
HUNDESTEUER_LINE = 3361  # physical line in the official assignment file (header = 1)


class CatalogCopy:
    """The four official files copied to a folder, with helpers to edit physical lines."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / name

    def lines(self, name: str) -> list[bytes]:
        return self.path(name).read_bytes().splitlines(keepends=True)

    def write_lines(self, name: str, lines: list[bytes]) -> None:
        self.path(name).write_bytes(b"".join(lines))

    def line(self, name: str, number: int) -> str:
        return self.lines(name)[number - 1].decode("utf-8").rstrip("\r\n")

    def replace_line(self, name: str, number: int, text: str | bytes) -> None:
        lines = self.lines(name)
        ending = b"\r\n" if lines[number - 1].endswith(b"\r\n") else b"\n"
        new = text if isinstance(text, bytes) else text.encode("utf-8")
        lines[number - 1] = new + ending
        self.write_lines(name, lines)

    def edit_line(self, name: str, number: int, old: str, new: str) -> None:
        text = self.line(name, number)
        assert old in text, f"{old!r} not in line {number} of {name}: {text!r}"
        self.replace_line(name, number, text.replace(old, new, 1))

    def delete_lines(self, name: str, predicate) -> int:
        lines = self.lines(name)
        kept = [lines[0], *(line for line in lines[1:] if not predicate(line.decode("utf-8")))]
        self.write_lines(name, kept)
        return len(lines) - len(kept)


def catalog_snapshot() -> dict:
    """Counts per table plus sample rows, compared before and after a failed import."""
    service = LeikaService.objects.get(key=HUNDESTEUER_KEY)
    leistung = OzgLeistung.objects.get(ozg_id="10160")
    return {
        "counts": [
            model.objects.count()
            for model in (Themenfeld, Lage, OzgLeistung, LeikaService, LeikaAssignment)
        ],
        "current": [
            model.objects.filter(is_current=True).count()
            for model in (Themenfeld, Lage, OzgLeistung, LeikaService, LeikaAssignment)
        ],
        "first_service": LeikaService.objects.get(key="99001001000000").name,
        "service": (service.name, service.typisierung, service.updated_at, service.is_current),
        "leistung": (leistung.name, leistung.lage_id, leistung.updated_at),
        "assignment_names": sorted(
            LeikaAssignment.objects.filter(ozg_id="10160").values_list("name", flat=True)
        ),
    }
