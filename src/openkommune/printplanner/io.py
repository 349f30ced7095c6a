"""Reading a device inventory (CSV or XLSX) through the shared table reader, row by row.

Columns (header row required, order free, names as here, case-insensitive):

=================  ==================================================================
standort           Standort, z. B. „Rathaus“ (Pflicht)
beschaeftigte      Beschäftigte am Standort (Pflicht je Standort mindestens in einer
                   Zeile; wo mehrfach angegeben, überall gleich)
modell             Gerätemodell (Pflicht)
geraetetyp         drucker, kopierer oder multifunktion (Standard: drucker)
druckart           mono oder farbe (Pflicht)
beschaffung        leasing (auch miete) oder kauf (Pflicht)
leasingrate_monat  Euro je Monat (Pflicht bei Leasing)
kaufpreis          Euro (Pflicht bei Kauf)
zeitraum_von       Beginn der Zählung, TT.MM.JJJJ oder JJJJ-MM-TT (Pflicht)
zeitraum_bis       Ende der Zählung, einschließlich (Pflicht)
seiten_mono        gezählte Schwarzweiß-Seiten im Zeitraum (Pflicht)
seiten_farbe       gezählte Farbseiten im Zeitraum (Pflicht bei Farbgeräten; bei
                   Schwarzweiß-Geräten leer oder 0)
toner_mono_seite   Tonerkosten je Schwarzweiß-Seite in Euro (Pflicht)
toner_farbe_seite  Tonerkosten je Farbseite in Euro (Pflicht bei Farbgeräten)
service_seite      Servicekosten je Seite in Euro (Pflicht, 0 erlaubt)
energie_seite      Energiekosten je Seite in Euro (Pflicht, 0 erlaubt)
=================  ==================================================================

Every row is checked and all errors are reported together („Zeile 7, Spalte kaufpreis: …“,
line numbers as a spreadsheet shows them); the service stores nothing when any row is bad.
The file type comes from the content, never from the name.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.formatting import format_number
from openkommune.core.tables import TableError, TableLimits, read_records
from openkommune.printplanner.constants import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    MAX_PERIOD_DAYS,
    Acquisition,
    DeviceKind,
)

COLUMNS = (
    "standort",
    "beschaeftigte",
    "modell",
    "geraetetyp",
    "druckart",
    "beschaffung",
    "leasingrate_monat",
    "kaufpreis",
    "zeitraum_von",
    "zeitraum_bis",
    "seiten_mono",
    "seiten_farbe",
    "toner_mono_seite",
    "toner_farbe_seite",
    "service_seite",
    "energie_seite",
)
REQUIRED_COLUMNS = (
    "standort",
    "beschaeftigte",
    "modell",
    "druckart",
    "beschaffung",
    "zeitraum_von",
    "zeitraum_bis",
    "seiten_mono",
    "toner_mono_seite",
    "service_seite",
    "energie_seite",
)
LIMITS = TableLimits(
    max_bytes=IMPORT_MAX_BYTES, max_rows=IMPORT_MAX_ROWS, max_columns=len(COLUMNS) + 20
)
KINDS = {
    "": DeviceKind.PRINTER,
    "drucker": DeviceKind.PRINTER,
    "kopierer": DeviceKind.COPIER,
    "multifunktion": DeviceKind.MULTIFUNCTION,
    "multifunktionsgerät": DeviceKind.MULTIFUNCTION,
    "multifunktionsgeraet": DeviceKind.MULTIFUNCTION,
    "mfp": DeviceKind.MULTIFUNCTION,
}
COLOUR = {
    "mono": False,
    "schwarzweiß": False,
    "schwarzweiss": False,
    "s/w": False,
    "farbe": True,
    "color": True,
    "colour": True,
}
ACQUISITIONS = {
    "leasing": Acquisition.LEASE,
    "miete": Acquisition.LEASE,
    "kauf": Acquisition.PURCHASE,
}
NAME_MAX = 200
MAX_EMPLOYEES = 1_000_000
MAX_PAGES = 100_000_000
MAX_PER_PAGE = Decimal(100)  # euros per page
MAX_AMOUNT = Decimal(10_000_000)  # euros per month or per device
_GROUPED_INT = re.compile(r"\d{1,3}(?:[.\u00a0 ]\d{3})+")


class InventoryImportError(Exception):
    """The file was refused; `errors` lists every problem (German, with line numbers)."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class DeviceRow:
    line: int
    site: str
    model: str
    kind: str
    colour: bool
    acquisition: str
    monthly_rate: Decimal | None
    purchase_price: Decimal | None
    period_start: datetime.date
    period_end: datetime.date
    pages_mono: int
    pages_colour: int
    toner_mono: Decimal
    toner_colour: Decimal | None
    service_per_page: Decimal
    energy_per_page: Decimal


@dataclass
class SiteRow:
    name: str
    employees: int
    line: int


@dataclass
class ParsedInventory:
    sites: list[SiteRow]
    devices: list[DeviceRow]


# --- cells -----------------------------------------------------------------------------------


def parse_amount(text: str, places: int) -> Decimal | None:
    """A German or English amount ≥ 0 with at most `places` decimals ("0,0123", "1.234,50",
    "1234.50", "12 €"), or None."""
    value = text.replace("€", "").replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    elif value.count(".") > 1:
        value = value.replace(".", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e9"):
        return None
    if amount.as_tuple().exponent < -places:
        return None
    return amount


def parse_count(text: str) -> int | None:
    """A whole number ≥ 0, also with thousands separators ("12.480", "12 480")."""
    value = text.strip()
    if _GROUPED_INT.fullmatch(value):
        value = re.sub(r"[.\u00a0 ]", "", value)
    if not value.isdigit():
        return None
    return int(value)


def parse_date(text: str) -> datetime.date | None:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _site_key(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- rows ------------------------------------------------------------------------------------


class _Row:
    """One row being checked: collects its errors with line and column."""

    def __init__(self, line: int, raw: dict[str, str]):
        self.line = line
        self.raw = raw
        self.errors: list[str] = []

    def err(self, column: str, message: str) -> None:
        self.errors.append(
            _("Zeile %(line)d, Spalte %(column)s: %(message)s")
            % {"line": self.line, "column": column, "message": message}
        )

    def text(self, column: str, *, required: bool = False) -> str:
        value = " ".join(self.raw.get(column, "").split())
        if required and not value:
            self.err(column, _("Dieser Wert fehlt."))
        elif len(value) > NAME_MAX:
            self.err(column, _("Höchstens %(limit)d Zeichen.") % {"limit": NAME_MAX})
        return value

    def choice(self, column: str, choices: dict, allowed: str):
        value = self.raw.get(column, "").strip().casefold()
        if value not in choices:
            if not value:
                self.err(column, _("Dieser Wert fehlt."))
            else:
                self.err(
                    column,
                    _("„%(value)s“ ist nicht erlaubt; bitte %(allowed)s angeben.")
                    % {"value": self.raw[column].strip(), "allowed": allowed},
                )
            return None
        return choices[value]

    def amount(self, column: str, places: int, *, required: bool) -> Decimal | None:
        text = self.raw.get(column, "").strip()
        if not text:
            if required:
                self.err(column, _("Dieser Wert fehlt."))
            return None
        value = parse_amount(text, places)
        maximum = MAX_PER_PAGE if places == 4 else MAX_AMOUNT
        if value is not None and value > maximum:
            self.err(
                column,
                _("%(value)s € ist unplausibel hoch (höchstens %(maximum)s €).")
                % {"value": text, "maximum": format_number(maximum)},
            )
            return None
        if value is None:
            example = format_number(Decimal("0.0123") if places == 4 else Decimal("89.5"), places)
            self.err(
                column,
                _(
                    "„%(value)s“ ist kein Betrag ≥ 0 in Euro mit höchstens %(places)d "
                    "Nachkommastellen (z. B. %(example)s)."
                )
                % {"value": text, "places": places, "example": example},
            )
        return value

    def count(self, column: str, *, required: bool, maximum: int) -> int | None:
        text = self.raw.get(column, "").strip()
        if not text:
            if required:
                self.err(column, _("Dieser Wert fehlt."))
            return None
        value = parse_count(text)
        if value is None:
            self.err(column, _("„%(value)s“ ist keine ganze Zahl ≥ 0.") % {"value": text})
        elif value > maximum:
            self.err(
                column,
                _("%(value)s ist unplausibel groß (höchstens %(maximum)s).")
                % {"value": text, "maximum": format_number(maximum)},
            )
            return None
        return value

    def date(self, column: str) -> datetime.date | None:
        text = self.raw.get(column, "").strip()
        if not text:
            self.err(column, _("Dieser Wert fehlt."))
            return None
        value = parse_date(text)
        if value is None:
            self.err(
                column,
                _("„%(value)s“ ist kein Datum im Format TT.MM.JJJJ.") % {"value": text},
            )
        return value


def _device(row: _Row) -> DeviceRow | None:
    site = row.text("standort", required=True)
    model = row.text("modell", required=True)
    kind = row.choice("geraetetyp", KINDS, _("drucker, kopierer oder multifunktion"))
    colour = row.choice("druckart", COLOUR, _("mono oder farbe"))
    acquisition = row.choice("beschaffung", ACQUISITIONS, _("leasing oder kauf"))
    monthly_rate = purchase_price = None
    if acquisition == Acquisition.LEASE:
        monthly_rate = row.amount("leasingrate_monat", 2, required=True)
    elif acquisition == Acquisition.PURCHASE:
        purchase_price = row.amount("kaufpreis", 2, required=True)
    start, end = row.date("zeitraum_von"), row.date("zeitraum_bis")
    if start and end:
        if end < start:
            row.err("zeitraum_bis", _("Das Ende liegt vor dem Beginn des Zeitraums."))
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            row.err(
                "zeitraum_bis",
                _("Der Zeitraum ist länger als ein Jahr (%(days)d Tage).")
                % {"days": MAX_PERIOD_DAYS},
            )
        elif end > timezone.localdate():
            row.err("zeitraum_bis", _("Das Ende des Zeitraums liegt in der Zukunft."))
    pages_mono = row.count("seiten_mono", required=True, maximum=MAX_PAGES)
    pages_colour = row.count("seiten_farbe", required=bool(colour), maximum=MAX_PAGES)
    if colour is False and pages_colour:
        row.err(
            "seiten_farbe",
            _("Ein Schwarzweiß-Gerät druckt keine Farbseiten; bitte druckart prüfen."),
        )
    toner_mono = row.amount("toner_mono_seite", 4, required=True)
    toner_colour = row.amount("toner_farbe_seite", 4, required=bool(colour)) if colour else None
    service = row.amount("service_seite", 4, required=True)
    energy = row.amount("energie_seite", 4, required=True)
    if row.errors:
        return None
    return DeviceRow(
        line=row.line,
        site=site,
        model=model,
        kind=kind,
        colour=colour,
        acquisition=acquisition,
        monthly_rate=monthly_rate,
        purchase_price=purchase_price,
        period_start=start,
        period_end=end,
        pages_mono=pages_mono,
        pages_colour=pages_colour or 0,
        toner_mono=toner_mono,
        toner_colour=toner_colour,
        service_per_page=service,
        energy_per_page=energy,
    )


def parse_inventory(data) -> ParsedInventory:
    """Every row checked; raises InventoryImportError with all errors if any row is bad.
    Reads the file (bytes or a binary file) with the limits of `core.tables`: call it
    outside any transaction."""
    try:
        records = read_records(data, columns=COLUMNS, required=REQUIRED_COLUMNS, limits=LIMITS)
    except TableError as error:
        raise InventoryImportError(error.errors) from error
    errors: list[str] = []
    devices: list[DeviceRow] = []
    sites: dict[str, SiteRow] = {}
    employees_seen: dict[str, tuple[int, int]] = {}  # site key -> (employees, line)
    first_line: dict[str, tuple[str, int]] = {}  # site key -> (name, line)
    for line, raw in records:
        row = _Row(line, raw)
        device = _device(row)
        employees = row.count("beschaeftigte", required=False, maximum=MAX_EMPLOYEES)
        site_name = " ".join(raw.get("standort", "").split())
        key = _site_key(site_name)
        if site_name:
            first_line.setdefault(key, (site_name, line))
        if employees == 0:
            row.err("beschaeftigte", _("Ein Standort braucht mindestens eine beschäftigte Person."))
        elif employees is not None and site_name:
            seen = employees_seen.get(key)
            if seen is None:
                employees_seen[key] = (employees, line)
            elif seen[0] != employees:
                row.err(
                    "beschaeftigte",
                    _("Der Standort „%(site)s“ hat in Zeile %(first)d %(count)d Beschäftigte.")
                    % {"site": site_name, "first": seen[1], "count": seen[0]},
                )
        errors.extend(row.errors)
        if device is not None and not row.errors:
            device.site = first_line[key][0]
            devices.append(device)
    for key, (name, line) in first_line.items():
        if key not in employees_seen:
            errors.append(
                _(
                    "Zeile %(line)d, Spalte beschaeftigte: Für den Standort „%(site)s“ fehlt die "
                    "Zahl der Beschäftigten (in mindestens einer Zeile des Standorts angeben)."
                )
                % {"line": line, "site": name}
            )
        else:
            sites[key] = SiteRow(name=name, employees=employees_seen[key][0], line=line)
    if errors:
        raise InventoryImportError(errors)
    if not devices:
        raise InventoryImportError([_("Die Datei enthält keine Geräte.")])
    return ParsedInventory(sites=list(sites.values()), devices=devices)
