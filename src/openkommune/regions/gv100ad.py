"""Parsers for the official GV100AD directory and the postcode list. Pure: no database.

Both parsers check the whole input and raise `OfficialFileError` (German message, file name,
1-based line number) at the first problem, so the importer can refuse a broken file before it
writes anything. Record layout: Destatis "Datensatzbeschreibung GV100AD", 220 characters per
record (the description says bytes; since names with Sorbian letters the file is UTF-8, so
the layout counts characters), slices below are 0-based.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from openkommune.core.errors import OfficialFileError
from openkommune.regions.constants import AGS_PATTERN, POSTCODE_PATTERN, RegionLevel

RECORD_LENGTH = 220

RECORD_LEVELS: dict[str, str] = {
    "10": RegionLevel.LAND,
    "20": RegionLevel.REGIERUNGSBEZIRK,
    "40": RegionLevel.KREIS,
    "50": RegionLevel.GEMEINDEVERBAND,
    "60": RegionLevel.GEMEINDE,
}
# Type 30 is a planning "Region" of Baden-Württemberg: it sits beside the ARS hierarchy (no
# Kreis names it as parent), so it is counted and skipped rather than stored.
SKIPPED_RECORD_TYPES = {"30": "Region (nur Baden-Württemberg, nicht Teil des ARS)"}

# Key parts that must be digits, per record type, as (start, end, German name).
_KEY_FIELDS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "10": ((10, 12, "Land"),),
    "20": ((10, 12, "Land"), (12, 13, "Regierungsbezirk")),
    "30": ((10, 12, "Land"), (12, 13, "Regierungsbezirk"), (13, 14, "Region")),
    "40": ((10, 12, "Land"), (12, 13, "Regierungsbezirk"), (13, 15, "Kreis")),
    "50": (
        (10, 12, "Land"),
        (12, 13, "Regierungsbezirk"),
        (13, 15, "Kreis"),
        (18, 22, "Gemeindeverband"),
    ),
    "60": (
        (10, 12, "Land"),
        (12, 13, "Regierungsbezirk"),
        (13, 15, "Kreis"),
        (15, 18, "Gemeinde"),
        (18, 22, "Gemeindeverband"),
    ),
}
_NUMBER_FIELDS = (
    (128, 139, "Fläche"),
    (139, 150, "Bevölkerung"),
    (150, 161, "Bevölkerung männlich"),
)
_DIGITS = re.compile(r"[0-9]+")
_POSTCODE = re.compile(POSTCODE_PATTERN)
_AGS = re.compile(AGS_PATTERN)

# A usable directory has units of each of these levels (Regierungsbezirke exist only in
# some Länder). An empty or truncated download lacks some; importing it would mark every
# Gemeinde as no longer current.
REQUIRED_LEVELS: dict[str, tuple[str, str]] = {
    "10": (RegionLevel.LAND, "Länder"),
    "40": (RegionLevel.KREIS, "Kreise"),
    "50": (RegionLevel.GEMEINDEVERBAND, "Gemeindeverbände"),
    "60": (RegionLevel.GEMEINDE, "Gemeinden"),
}

# Limits are passed in by the importer, read from the model fields so they live in one place:
# attribute name -> maximum length (text) or maximum value (numbers). Without limits the
# parser only checks the file's own layout.
Limits = Mapping[str, int]
FIELD_LABELS = {
    "name": "Name",
    "seat": "Verwaltungssitz",
    "kind": "Textkennzeichen",
    "postcode_of_seat": "Postleitzahl",
    "area_ha": "Fläche",
    "population": "Bevölkerung",
    "population_male": "Bevölkerung männlich",
    "locality": "Ort",
}
_NUMBER_ATTRIBUTES = ("area_ha", "population", "population_male")


def check_limits(
    values: Mapping[str, object], limits: Limits | None, *, file_name: str, line: int
) -> None:
    """Refuse a text longer or a number larger than the database column takes.

    PostgreSQL would fail the whole write with a DataError, SQLite would store it anyway;
    both are worse than naming the field and line before anything is written.
    """
    if not limits:
        return
    for name, value in values.items():
        limit = limits.get(name)
        if limit is None or value is None:
            continue
        label = FIELD_LABELS.get(name, name)
        if isinstance(value, int) and value > limit:
            raise OfficialFileError(
                f"Feld „{label}“: {value} ist größer als der höchste speicherbare Wert {limit}",
                path=file_name,
                line=line,
            )
        if isinstance(value, str) and len(value) > limit:
            raise OfficialFileError(
                f"Feld „{label}“ ist {len(value)} Zeichen lang, höchstens {limit} sind erlaubt",
                path=file_name,
                line=line,
            )


def _is_digits(text: str) -> bool:
    # str.isdigit() also accepts "²" and Arabic-Indic digits, which int() would then misread.
    return _DIGITS.fullmatch(text) is not None


@dataclass(slots=True)
class RegionRecord:
    """One Land, Regierungsbezirk, Kreis, Gemeindeverband or Gemeinde as read from the file.

    Not frozen: `parse_gv100ad` fills in the parent once all keys are known; copying 16,000
    records with `dataclasses.replace` for that cost a sixth of the import time.
    """

    line: int
    level: str
    ars: str
    name: str
    gebietsstand: date
    parent_candidates: tuple[tuple[str, str], ...] = ()
    parent_ars: str | None = None
    parent_level: str | None = None
    ags: str = ""
    kind: str = ""
    seat: str = ""
    population: int | None = None
    population_male: int | None = None
    area_ha: int | None = None
    postcode_of_seat: str = ""
    has_several_postcodes: bool = False

    @property
    def land_code(self) -> str:
        return self.ars[:2]

    @property
    def key(self) -> tuple[str, str]:
        return (self.ars, self.level)


@dataclass
class Gv100adData:
    records: list[RegionRecord]
    lines: int
    skipped: dict[str, int] = field(default_factory=dict)  # record type -> count

    @property
    def gebietsstand(self) -> date | None:
        return max((r.gebietsstand for r in self.records), default=None)


def pad_ars(key: str) -> str:
    """Right-pad a Land/RB/Kreis/Verband key to the 12-digit ARS."""
    return key.ljust(12, "0")


def parse_record(
    text: str, *, line: int, file_name: str, limits: Limits | None = None
) -> RegionRecord | str:
    """Parse one decoded record; return the record, or its type if the type is skipped.

    The parent is not known yet: the record lists candidates, `parse_gv100ad` picks the first
    one present in the file.
    """

    def fail(message: str) -> OfficialFileError:
        return OfficialFileError(message, path=file_name, line=line)

    if len(text) != RECORD_LENGTH:
        hint = "abgeschnitten?" if len(text) < RECORD_LENGTH else "zusätzliche Zeichen?"
        raise fail(f"Satz ist {len(text)} statt {RECORD_LENGTH} Zeichen lang ({hint})")
    record_type = text[0:2]
    if record_type not in _KEY_FIELDS:
        raise fail(f"Unbekannte Satzart „{record_type}“ (erwartet 10, 20, 30, 40, 50 oder 60)")
    raw_date = text[2:10]
    try:
        if not _is_digits(raw_date):
            raise ValueError
        gebietsstand = date(int(raw_date[0:4]), int(raw_date[4:6]), int(raw_date[6:8]))
    except ValueError:
        raise fail(f"Gebietsstand „{raw_date}“ ist kein gültiges Datum (JJJJMMTT)") from None
    for start, end, label in _KEY_FIELDS[record_type]:
        if not _is_digits(text[start:end]):
            raise fail(f"Schlüsselteil {label} „{text[start:end]}“ besteht nicht nur aus Ziffern")
    if record_type in SKIPPED_RECORD_TYPES:
        return record_type

    name = text[22:72].strip()
    if not name:
        raise fail("Name fehlt (Stellen 23 bis 72)")
    common = {
        "line": line,
        "level": RECORD_LEVELS[record_type],
        "name": name,
        "seat": text[72:122].strip(),
        "kind": text[122:124].strip(),
        "gebietsstand": gebietsstand,
        "parent_candidates": _parent_candidates(record_type, text),
    }
    check_limits(
        {"name": name, "seat": common["seat"], "kind": common["kind"]},
        limits,
        file_name=file_name,
        line=line,
    )
    if record_type == "10":
        return RegionRecord(ars=pad_ars(text[10:12]), **common)
    if record_type == "20":
        return RegionRecord(ars=pad_ars(text[10:13]), **common)
    if record_type == "40":
        return RegionRecord(ars=pad_ars(text[10:15]), **common)
    if record_type == "50":
        return RegionRecord(ars=pad_ars(text[10:15] + text[18:22]), **common)
    numbers = []
    for start, end, label in _NUMBER_FIELDS:
        if not _is_digits(text[start:end]):
            raise fail(f"{label} „{text[start:end]}“ ist keine Zahl")
        numbers.append(int(text[start:end]))
    postcode = text[165:170].strip()
    if postcode and not _POSTCODE.fullmatch(postcode):
        raise fail(f"Postleitzahl „{postcode}“ hat nicht fünf Ziffern")
    area_ha, population, population_male = numbers
    check_limits(
        dict(zip(_NUMBER_ATTRIBUTES, numbers, strict=True)) | {"postcode_of_seat": postcode},
        limits,
        file_name=file_name,
        line=line,
    )
    return RegionRecord(
        ars=text[10:15] + text[18:22] + text[15:18],
        ags=text[10:18],
        population=population,
        population_male=population_male,
        area_ha=area_ha,
        postcode_of_seat=postcode,
        has_several_postcodes=bool(text[170:175].strip()),
        **common,
    )


def _parent_candidates(record_type: str, text: str) -> tuple[tuple[str, str], ...]:
    """Possible parents, nearest first, as (ARS, level).

    A Kreis belongs to its Regierungsbezirk only where the Land has a type-20 record for that
    digit (elsewhere the digit is just part of the Kreis key), otherwise to the Land. A zero
    Kreis part means "in no Kreis" (the German-Luxembourg condominium, 07000 9999), so such a
    Gemeindeverband hangs on the next unit up. A Gemeinde always needs its Gemeindeverband.
    """
    land = (pad_ars(text[10:12]), RegionLevel.LAND)
    regierungsbezirk = (pad_ars(text[10:13]), RegionLevel.REGIERUNGSBEZIRK)
    has_rb_digit = text[12] != "0"
    if record_type == "10":
        return ()
    if record_type == "20":
        return (land,)
    if record_type == "40":
        return (regierungsbezirk, land) if has_rb_digit else (land,)
    if record_type == "50":
        if text[13:15] != "00":
            return ((pad_ars(text[10:15]), RegionLevel.KREIS),)
        return (regierungsbezirk, land) if has_rb_digit else (land,)
    return ((pad_ars(text[10:15] + text[18:22]), RegionLevel.GEMEINDEVERBAND),)


def decode_lines(raw_lines: Iterable[bytes], *, file_name: str) -> Iterator[tuple[int, str]]:
    """Decode byte lines strictly as UTF-8, yielding (line number, text without line end).

    Decoding line by line lets a latin-1 or cp1252 byte be reported with its line number.
    A trailing empty line (the file ends with a newline) is not a record.
    """
    pending_empty: int | None = None
    for number, raw in enumerate(raw_lines, start=1):
        if pending_empty is not None:
            raise OfficialFileError("Leere Zeile", path=file_name, line=pending_empty)
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte order mark written by an editor is not part of the record
        raw = raw.rstrip(b"\r\n")
        if not raw:
            pending_empty = number
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OfficialFileError(
                f"Ungültiges Zeichen (Byte 0x{raw[exc.start]:02X} an Stelle {exc.start + 1}): "
                "die Datei muss UTF-8-kodiert sein",
                path=file_name,
                line=number,
            ) from None
        yield number, text


def parse_gv100ad(
    raw_lines: Iterable[bytes], *, file_name: str, limits: Limits | None = None
) -> Gv100adData:
    """Parse and check a whole GV100AD file given as byte lines.

    Besides each record, checks that keys are unique per level, that every unit's parent
    is in the file, and that the file has Länder, Kreise, Gemeindeverbände and Gemeinden
    (an empty or cut-off download must not retire the whole directory). `limits` bounds
    text lengths and numbers (see `check_limits`).
    """
    records: list[RegionRecord] = []
    skipped: dict[str, int] = {}
    lines = 0
    for number, text in decode_lines(raw_lines, file_name=file_name):
        lines = number
        parsed = parse_record(text, line=number, file_name=file_name, limits=limits)
        if isinstance(parsed, str):
            skipped[parsed] = skipped.get(parsed, 0) + 1
        else:
            records.append(parsed)
    # Parents first: a missing Kreis is better reported at the first line that needs it.
    records = _link_parents(records, file_name)
    _check_required_levels(records, file_name)
    return Gv100adData(records=records, lines=lines, skipped=skipped)


def _check_required_levels(records: list[RegionRecord], file_name: str) -> None:
    present = {record.level for record in records}
    missing = [
        f"{plural} (Satzart {record_type})"
        for record_type, (level, plural) in REQUIRED_LEVELS.items()
        if level not in present
    ]
    if not missing:
        return
    listed = missing[0] if len(missing) == 1 else ", keine ".join(missing[:-1])
    if len(missing) > 1:
        listed += f" und keine {missing[-1]}"
    raise OfficialFileError(
        f"Die Datei enthält keine {listed} – unvollständige Datei?", path=file_name
    )


def _link_parents(records: list[RegionRecord], file_name: str) -> list[RegionRecord]:
    keys: dict[tuple[str, str], int] = {}
    for record in records:
        if record.key in keys:
            raise OfficialFileError(
                f"Schlüssel {record.ars} ({record.level}) kommt doppelt vor, zuerst in Zeile "
                f"{keys[record.key]}",
                path=file_name,
                line=record.line,
            )
        keys[record.key] = record.line
    for record in records:
        if record.parent_candidates:
            parent = next((key for key in record.parent_candidates if key in keys), None)
            if parent is None:
                ars, level = record.parent_candidates[0]
                raise OfficialFileError(
                    f"Übergeordnete Einheit {ars} ({level}) fehlt in der Datei",
                    path=file_name,
                    line=record.line,
                )
            record.parent_ars, record.parent_level = parent
    return records


@dataclass(frozen=True, slots=True)
class PostcodeRow:
    line: int
    postcode: str
    ags: str
    locality: str


POSTCODE_COLUMNS = ("ags", "ort", "plz")


def parse_postcodes(
    data: bytes, *, file_name: str, limits: Limits | None = None
) -> list[PostcodeRow]:
    """Parse the postcode list (CSV with header: osm_id, ags, ort, plz, landkreis, bundesland).

    Whether an AGS exists is not this function's concern: the list comes from a third party
    and may name Gemeinden that have merged since (the importer counts and skips those).
    A list without rows is refused: importing it would delete every postcode. The place name
    is only informative and cut to `limits["locality"]` (default 100) characters.
    """
    locality_length = (limits or {}).get("locality", 100)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise OfficialFileError(
            f"Ungültiges Zeichen (Byte 0x{data[exc.start]:02X}): die Datei muss UTF-8-kodiert sein",
            path=file_name,
            line=line,
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in POSTCODE_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise OfficialFileError(
            f"Spalte(n) {', '.join(missing)} fehlen in der Kopfzeile", path=file_name, line=1
        )
    rows = []
    try:
        for row in reader:
            line = reader.line_num
            postcode, ags = (row["plz"] or "").strip(), (row["ags"] or "").strip()
            if not _POSTCODE.fullmatch(postcode):
                raise OfficialFileError(
                    f"Postleitzahl „{postcode}“ hat nicht fünf Ziffern", path=file_name, line=line
                )
            if not _AGS.fullmatch(ags):
                raise OfficialFileError(
                    f"Gemeindeschlüssel „{ags}“ hat nicht acht Ziffern", path=file_name, line=line
                )
            locality = (row["ort"] or "").strip()[:locality_length]
            rows.append(PostcodeRow(line, postcode, ags, locality))
    except csv.Error as exc:
        raise OfficialFileError(
            f"Fehlerhafte CSV-Zeile ({exc})", path=file_name, line=reader.line_num
        ) from None
    if not rows:
        raise OfficialFileError(
            "Die Liste enthält keine Zuordnungen PLZ-Gemeinde – unvollständige Datei?",
            path=file_name,
        )
    return rows
