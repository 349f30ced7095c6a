"""Reads and validates the four CSV files of the OZG/LeiKa catalogue. No database access.

The whole release is parsed and cross-checked before anything is written, so a bad file
never leaves a half-imported catalogue. Every problem raises `OfficialFileError` naming the
file and the physical line (header = line 1; a quoted value spanning lines counts each).

Columns are found by name: extra columns of a newer release are ignored and reported,
missing ones are an error. Values are taken as written (whitespace stripped), but never
longer or larger than the database column that stores them (`FieldLimits`), and a file
with a header but no data rows is refused rather than read as "everything was removed".
"""

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from openkommune.catalog import codes
from openkommune.catalog.constants import LageKind
from openkommune.core.errors import OfficialFileError

THEMENFELDER_FILE = "ozg_themenfelder.csv"
LAGEN_FILE = "ozg_lebens_und_unternehmenslagen.csv"
LEISTUNGEN_FILE = "ozg_leistungen.csv"
ZUORDNUNG_FILE = "leika_leistungen_ozg_zuordnung.csv"

# Per file: columns that must exist, and columns that may exist. The optional ones repeat
# what another file says; when present they are checked against it, not stored twice.
COLUMNS = {
    THEMENFELDER_FILE: (("themenfeld_id", "themenfeld"), ()),
    LAGEN_FILE: (("lage_id", "lage", "themenfeld_id"), ("themenfeld",)),
    LEISTUNGEN_FILE: (
        ("ozg_id", "ozg_leistung", "lage", "themenfeld"),
        ("anzahl_leika_leistungen",),
    ),
    ZUORDNUNG_FILE: (
        (
            "leistungsschluessel",
            "im_leika",
            "leistungsbezeichnung",
            "typisierung",
            "ozg_id",
            "rechtsgrundlagen",
            "gesetze",
            "gesetzeskuerzel",
            "sdg1_relevanz",
            "sdg2_relevanz",
        ),
        ("ozg_leistung", "lage", "themenfeld"),
    ),
}

Progress = Callable[[Iterable, int, str], Iterable]

# Column -> the model fields ("Model", "field") its value is stored in. The limits themselves
# are read from those fields (`catalog_field_limits`), so the models stay the one place.
TEXT_COLUMN_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "themenfeld": (("Themenfeld", "name"),),
    "lage": (("Lage", "name"),),
    "ozg_leistung": (("OzgLeistung", "name"),),
    "leistungsbezeichnung": (("LeikaService", "name"), ("LeikaAssignment", "name")),
    "typisierung": (("LeikaService", "typisierung"), ("LeikaAssignment", "typisierung")),
    "rechtsgrundlagen": (
        ("LeikaService", "rechtsgrundlagen"),
        ("LeikaAssignment", "rechtsgrundlagen"),
    ),
    "gesetze": (("LeikaService", "gesetze"), ("LeikaAssignment", "gesetze")),
    "gesetzeskuerzel": (
        ("LeikaService", "gesetzeskuerzel"),
        ("LeikaAssignment", "gesetzeskuerzel"),
    ),
}
NUMBER_COLUMN_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "themenfeld_id": (("Themenfeld", "official_id"), ("Lage", "official_id")),
    "lage_id": (("Lage", "official_id"),),
    "anzahl_leika_leistungen": (("OzgLeistung", "stated_leika_count"),),
}


@dataclass(frozen=True)
class FieldLimits:
    """Per CSV column: the longest text / the largest number the database column takes."""

    text: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)


def catalog_field_limits() -> FieldLimits:
    """The limits of the catalogue models' fields (no database access, only their `_meta`).

    Number ranges are Django's portable ones (PostgreSQL's): SQLite would store larger values,
    and what the production database refuses must be refused everywhere.
    """
    from django.apps import apps
    from django.db.backends.base.operations import BaseDatabaseOperations

    def fields(pairs):
        return [apps.get_model("catalog", model)._meta.get_field(name) for model, name in pairs]

    text = {}
    for column, pairs in TEXT_COLUMN_FIELDS.items():
        lengths = [f.max_length for f in fields(pairs) if f.max_length is not None]
        if lengths:
            text[column] = min(lengths)
    numbers = {}
    ranges = BaseDatabaseOperations.integer_field_ranges
    for column, pairs in NUMBER_COLUMN_FIELDS.items():
        numbers[column] = min(ranges[f.get_internal_type()][1] for f in fields(pairs))
    return FieldLimits(text=text, numbers=numbers)


def _no_progress(items: Iterable, total: int, label: str) -> Iterable:
    return items


@dataclass(frozen=True)
class ThemenfeldRow:
    official_id: int
    name: str


@dataclass(frozen=True)
class LageRow:
    official_id: int
    name: str
    themenfeld_id: int
    kind: LageKind


@dataclass(frozen=True)
class OzgLeistungRow:
    ozg_id: str
    name: str
    lage_id: int
    themenfeld_id: int
    stated_leika_count: int | None


@dataclass(frozen=True)
class AssignmentRow:
    line: int
    leika_key: str
    ozg_id: str
    occurrence: int
    im_leika: bool
    name: str
    typisierung: str
    typisierung_codes: list[str]
    rechtsgrundlagen: str
    gesetze: str
    gesetzeskuerzel: str
    sdg1: bool
    sdg2: bool

    @property
    def natural_key(self) -> tuple:
        return (self.leika_key, self.ozg_id, "" if self.leika_key else self.name, self.occurrence)


@dataclass
class ParsedCatalog:
    themenfelder: list[ThemenfeldRow]
    lagen: list[LageRow]
    leistungen: list[OzgLeistungRow]
    assignments: list[AssignmentRow]
    # file name -> columns present in the file but not used by this importer
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    # OZG-IDs whose stated number of LeiKa rows differs from the rows in the file
    count_mismatches: list[str] = field(default_factory=list)


class _Reader:
    """One CSV file: decoding, header check, and rows as dicts with their line number."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        required, optional = COLUMNS[self.name]
        text = self._decode()
        self._reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        self._line = 1
        header = self._next_record()
        if header is None:
            raise self.error(_("Die Datei ist leer; erwartet wird eine Kopfzeile."), 1)
        self.header = [column.strip().lower() for column in header]
        duplicates = sorted(c for c, n in Counter(self.header).items() if n > 1)
        if duplicates:
            raise self.error(_("Spalte doppelt: %(cols)s.") % {"cols": ", ".join(duplicates)}, 1)
        missing = [column for column in required if column not in self.header]
        if missing:
            raise self.error(
                _("Pflichtspalte fehlt: %(cols)s (gefunden: %(found)s).")
                % {"cols": ", ".join(missing), "found": ", ".join(self.header)},
                1,
            )
        known = set(required) | set(optional)
        self.ignored = [column for column in self.header if column not in known]

    def _decode(self) -> str:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise OfficialFileError(
                _("Datei kann nicht gelesen werden: %(err)s") % {"err": exc.strerror or exc},
                path=self.path,
            ) from exc
        try:
            # utf-8-sig drops a byte-order mark that spreadsheet programs put in front.
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise self.error(
                _("Die Datei ist nicht UTF-8-kodiert (ungültiges Byte 0x%(byte)02x).")
                % {"byte": raw[exc.start]},
                line,
            ) from exc

    def error(self, message: str, line: int | None) -> OfficialFileError:
        return OfficialFileError(message, path=self.path, line=line)

    def _next_record(self) -> list[str] | None:
        try:
            record = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise self.error(
                _("Die Zeile ist kein gültiges CSV: %(err)s") % {"err": exc}, self._line
            ) from exc
        # line_num counts physical lines read so far; a record starts after the last one.
        self._start, self._line = self._line, self._reader.line_num + 1
        return record

    def records(self) -> list[tuple[int, dict[str, str]]]:
        rows = []
        while (record := self._next_record()) is not None:
            line = self._start
            if not record:
                continue  # a blank line, e.g. at the end of the file
            if len(record) != len(self.header):
                raise self.error(
                    _("Erwartet werden %(expected)d Spalten, die Zeile hat %(found)d.")
                    % {"expected": len(self.header), "found": len(record)},
                    line,
                )
            rows.append(
                (line, {col: value.strip() for col, value in zip(self.header, record, strict=True)})
            )
        return rows


class _RowContext:
    """Turns ValueError from the value parsers into OfficialFileError with file and line."""

    def __init__(self, reader: _Reader, line: int):
        self.reader, self.line = reader, line

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is ValueError:
            raise self.reader.error(str(exc), self.line) from exc
        return False


def _required(row: dict[str, str], column: str) -> str:
    value = row[column]
    if not value:
        raise ValueError(_("Die Spalte „%(col)s“ ist leer.") % {"col": column})
    return value


def _positive_int(row: dict[str, str], column: str) -> int:
    value = _required(row, column)
    if not value.isascii() or not value.isdigit():
        raise ValueError(
            _("„%(value)s“ in Spalte „%(col)s“ ist keine ganze Zahl.")
            % {"value": value, "col": column}
        )
    return int(value)


def _check_limits(row: dict[str, str], limits: FieldLimits) -> None:
    for column, limit in limits.text.items():
        value = row.get(column, "")
        if len(value) > limit:
            raise ValueError(
                _(
                    "Der Wert in Spalte „%(col)s“ ist %(length)d Zeichen lang; "
                    "erlaubt sind höchstens %(limit)d."
                )
                % {"col": column, "length": len(value), "limit": limit}
            )
    for column, limit in limits.numbers.items():
        value = row.get(column, "")
        # Non-digits are reported by _positive_int; only the size is checked here.
        if value.isascii() and value.isdigit() and int(value) > limit:
            raise ValueError(
                _(
                    "Der Wert %(value)s in Spalte „%(col)s“ ist größer als der höchste "
                    "speicherbare Wert %(limit)d."
                )
                % {"value": value, "col": column, "limit": limit}
            )


def _rows(
    reader: _Reader,
    limits: FieldLimits,
    progress: Progress = _no_progress,
    label: str = "",
) -> Iterator[tuple[_RowContext, dict]]:
    records = reader.records()
    if not records:
        raise reader.error(
            _("Die Datei enthält keine Datenzeilen, nur die Kopfzeile – unvollständige Datei?"),
            None,
        )
    for line, row in progress(records, len(records), label):
        ctx = _RowContext(reader, line)
        with ctx:
            _check_limits(row, limits)
        yield ctx, row


def _check_same(expected: str, row: dict[str, str], column: str) -> None:
    """A redundant column (a name repeated from another file) must agree with that file."""
    if column in row and row[column] and row[column] != expected:
        raise ValueError(
            _("„%(value)s“ in Spalte „%(col)s“ widerspricht dem Katalog („%(expected)s“).")
            % {"value": row[column], "col": column, "expected": expected}
        )


def parse_catalog(
    source_dir: Path, *, progress: Progress = _no_progress, limits: FieldLimits | None = None
) -> ParsedCatalog:
    """Parse and cross-check the release in `source_dir`; raise OfficialFileError.

    `limits` defaults to the catalogue models' field limits (`catalog_field_limits`).
    """
    source_dir = Path(source_dir)
    if limits is None:
        limits = catalog_field_limits()
    readers = {name: _Reader(source_dir / name) for name in COLUMNS}
    ignored = {name: reader.ignored for name, reader in readers.items() if reader.ignored}

    themenfelder: dict[int, ThemenfeldRow] = {}
    for ctx, row in _rows(readers[THEMENFELDER_FILE], limits):
        with ctx:
            item = ThemenfeldRow(_positive_int(row, "themenfeld_id"), _required(row, "themenfeld"))
            if item.official_id in themenfelder:
                raise ValueError(
                    _("Themenfeld-ID %(id)s kommt doppelt vor.") % {"id": item.official_id}
                )
            themenfelder[item.official_id] = item
    themenfeld_by_name = {t.name: t for t in themenfelder.values()}

    lagen: dict[int, LageRow] = {}
    lage_by_names: dict[tuple[str, int], LageRow] = {}
    for ctx, row in _rows(readers[LAGEN_FILE], limits):
        with ctx:
            name = _required(row, "lage")
            item = LageRow(
                _positive_int(row, "lage_id"),
                name,
                _positive_int(row, "themenfeld_id"),
                codes.classify_lage(name),
            )
            if item.official_id in lagen:
                raise ValueError(_("Lage-ID %(id)s kommt doppelt vor.") % {"id": item.official_id})
            if item.themenfeld_id not in themenfelder:
                raise ValueError(_("Unbekannte themenfeld_id %(id)s.") % {"id": item.themenfeld_id})
            _check_same(themenfelder[item.themenfeld_id].name, row, "themenfeld")
            # OZG-Leistungen name their Lage, so a name must be unique within its Themenfeld.
            if (name, item.themenfeld_id) in lage_by_names:
                raise ValueError(
                    _("Lage „%(name)s“ kommt im Themenfeld doppelt vor.") % {"name": name}
                )
            lagen[item.official_id] = item
            lage_by_names[(name, item.themenfeld_id)] = item

    leistungen: dict[str, OzgLeistungRow] = {}
    for ctx, row in _rows(readers[LEISTUNGEN_FILE], limits):
        with ctx:
            ozg_id = codes.parse_ozg_id(row["ozg_id"])
            if ozg_id in leistungen:
                raise ValueError(_("OZG-ID %(id)s kommt doppelt vor.") % {"id": ozg_id})
            themenfeld = themenfeld_by_name.get(_required(row, "themenfeld"))
            if themenfeld is None:
                raise ValueError(
                    _("Unbekanntes Themenfeld „%(name)s“.") % {"name": row["themenfeld"]}
                )
            lage = lage_by_names.get((_required(row, "lage"), themenfeld.official_id))
            if lage is None:
                raise ValueError(
                    _("Unbekannte Lage „%(lage)s“ im Themenfeld „%(tf)s“.")
                    % {"lage": row["lage"], "tf": themenfeld.name}
                )
            stated = row.get("anzahl_leika_leistungen", "")
            leistungen[ozg_id] = OzgLeistungRow(
                ozg_id,
                _required(row, "ozg_leistung"),
                lage.official_id,
                themenfeld.official_id,
                _positive_int(row, "anzahl_leika_leistungen") if stated else None,
            )

    # Only the large file reports progress; the other three take milliseconds.
    assignments: list[AssignmentRow] = []
    occurrences: Counter = Counter()
    for ctx, row in _rows(readers[ZUORDNUNG_FILE], limits, progress, _("LeiKa-Zuordnungen prüfen")):
        with ctx:
            assignments.append(
                _assignment(row, ctx.line, leistungen, lagen, themenfelder, occurrences)
            )

    rows_per_leistung = Counter(a.ozg_id for a in assignments if a.ozg_id)
    mismatches = [
        item.ozg_id
        for item in leistungen.values()
        if item.stated_leika_count is not None
        and item.stated_leika_count != rows_per_leistung[item.ozg_id]
    ]
    return ParsedCatalog(
        themenfelder=list(themenfelder.values()),
        lagen=list(lagen.values()),
        leistungen=list(leistungen.values()),
        assignments=assignments,
        ignored_columns=ignored,
        count_mismatches=mismatches,
    )


def _assignment(row, line, leistungen, lagen, themenfelder, occurrences: Counter) -> AssignmentRow:
    raw_key = row["leistungsschluessel"]
    leika_key = codes.parse_leika_key(raw_key) if raw_key else ""
    im_leika = codes.parse_bool(row["im_leika"])
    if im_leika != bool(leika_key):
        # A row "im LeiKa" without a key, or a key marked "nicht im LeiKa", contradicts itself.
        raise ValueError(
            _("im_leika ist „%(flag)s“, aber der LeiKa-Schlüssel ist %(state)s.")
            % {"flag": row["im_leika"], "state": _("angegeben") if leika_key else _("leer")}
        )
    ozg_id = codes.parse_ozg_id(row["ozg_id"]) if row["ozg_id"] else ""
    if ozg_id:
        leistung = leistungen.get(ozg_id)
        if leistung is None:
            raise ValueError(
                _("OZG-ID %(id)s fehlt in %(file)s.") % {"id": ozg_id, "file": LEISTUNGEN_FILE}
            )
        _check_same(leistung.name, row, "ozg_leistung")
        _check_same(lagen[leistung.lage_id].name, row, "lage")
        _check_same(themenfelder[leistung.themenfeld_id].name, row, "themenfeld")
    name = _required(row, "leistungsbezeichnung")
    typisierung_codes = codes.parse_typisierung(row["typisierung"])
    pair = (leika_key, ozg_id, "" if leika_key else name)
    occurrences[pair] += 1
    return AssignmentRow(
        line=line,
        leika_key=leika_key,
        ozg_id=ozg_id,
        occurrence=occurrences[pair],
        im_leika=im_leika,
        name=name,
        typisierung=row["typisierung"],
        typisierung_codes=typisierung_codes,
        rechtsgrundlagen=row["rechtsgrundlagen"],
        gesetze=row["gesetze"],
        gesetzeskuerzel=row["gesetzeskuerzel"],
        sdg1=codes.parse_bool(row["sdg1_relevanz"]),
        sdg2=codes.parse_bool(row["sdg2_relevanz"]),
    )
