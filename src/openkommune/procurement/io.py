"""Reading a catalogue file (CSV or XLSX) for one framework contract, row by row.

Columns (header row required, order free, names as here, case-insensitive):

================  ===================================================================
artikelnummer     Artikelnummer des Lieferanten (Pflicht)
beschreibung      Beschreibung (Pflicht)
cpv               CPV-Code, Form 12345678-9 (Pflicht)
preis             Stückpreis ab Menge 0 in Euro netto, z. B. 899,00 (Pflicht)
staffeln          weitere Staffeln „ab Menge: Preis“, getrennt durch „|“ oder „;“,
                  z. B. „10: 849,00 | 50: 799,00“
staffelart        „alle“ (Staffelpreis für alle Einheiten, Standard) oder „angestoßen“
                  (jede Einheit zum Preis ihrer Staffel)
einheit           z. B. Stück, Lizenz, Tag (Standard: Stück)
lieferant         Name des Lieferanten; Pflicht, wenn der Vertrag mehrere hat
los               Losnummer (muss im Vertrag angelegt sein)
gueltig_ab        TT.MM.JJJJ oder JJJJ-MM-TT (Standard: Vertragsbeginn)
gueltig_bis       leer oder Datum
aktiv             ja/nein (Standard: ja)
================  ===================================================================

Line numbers are those of a spreadsheet: the header is „Zeile 1“. Every row is checked and
all errors are reported together; the service writes nothing when any row is bad. The file
type comes from the content (XLSX is a ZIP archive), never from the name.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from openkommune.core.tables import TableError, TableLimits, read_records
from openkommune.procurement.constants import (
    CATALOG_IMPORT_MAX_BYTES,
    CATALOG_IMPORT_MAX_ROWS,
    CPV_PATTERN,
    TierMode,
)
from openkommune.procurement.models import CatalogItem, FrameworkContract
from openkommune.procurement.pricing import parse_decimal, parse_tier_lines

COLUMNS = (
    "artikelnummer",
    "beschreibung",
    "cpv",
    "preis",
    "staffeln",
    "staffelart",
    "einheit",
    "lieferant",
    "los",
    "gueltig_ab",
    "gueltig_bis",
    "aktiv",
)
REQUIRED_COLUMNS = ("artikelnummer", "beschreibung", "cpv", "preis")
TIER_MODES = {
    "": TierMode.ALL_UNITS,
    "alle": TierMode.ALL_UNITS,
    "all_units": TierMode.ALL_UNITS,
    "angestoßen": TierMode.INCREMENTAL,
    "angestossen": TierMode.INCREMENTAL,
    "incremental": TierMode.INCREMENTAL,
}
_TRUE = {"ja", "j", "x", "1", "true", "wahr", ""}
_FALSE = {"nein", "n", "0", "false", "falsch"}
_CPV = re.compile(CPV_PATTERN)
LIMITS = TableLimits(
    max_bytes=CATALOG_IMPORT_MAX_BYTES,
    max_rows=CATALOG_IMPORT_MAX_ROWS,
    max_columns=len(COLUMNS) + 20,
)
_LIMITS = {
    "artikelnummer": CatalogItem._meta.get_field("article_number").max_length,
    "beschreibung": CatalogItem._meta.get_field("description").max_length,
    "einheit": CatalogItem._meta.get_field("unit").max_length,
}


class CatalogImportError(Exception):
    """The file was rejected; `errors` lists every problem (German, with line numbers)."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ItemRow:
    line: int
    article_number: str
    tiers: list[tuple[int, Decimal]]
    fields: dict = field(default_factory=dict)


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0


# --- reading ------------------------------------------------------------------------------


def read_rows(data) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV or XLSX catalogue (`data`: bytes or a binary file),
    read streaming with the limits of `core.tables`; blank lines are skipped but keep their
    number. Call it before opening a transaction."""
    try:
        return read_records(data, columns=COLUMNS, required=REQUIRED_COLUMNS, limits=LIMITS)
    except TableError as error:
        raise CatalogImportError(error.errors) from error


# --- validating -----------------------------------------------------------------------------


def _parse_date(text: str) -> datetime.date | None:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _row(line: int, raw: dict[str, str], contract: FrameworkContract, lookups: dict):
    """An ItemRow, or the list of this row's errors."""
    errors: list[str] = []

    def err(column: str, message: str) -> None:
        errors.append(
            _("Zeile %(line)d, Spalte %(column)s: %(message)s")
            % {"line": line, "column": column, "message": message}
        )

    for column in REQUIRED_COLUMNS:
        if not raw.get(column):
            err(column, _("Dieser Wert fehlt."))
    for column, limit in _LIMITS.items():
        if len(raw.get(column, "")) > limit:
            err(column, _("Höchstens %(limit)d Zeichen.") % {"limit": limit})
    cpv = raw.get("cpv", "")
    if cpv and not _CPV.fullmatch(cpv):
        err("cpv", _("„%(cpv)s“ hat nicht die Form 12345678-9.") % {"cpv": cpv})
    tiers: list[tuple[int, Decimal]] = []
    price = parse_decimal(raw.get("preis", ""))
    if raw.get("preis") and (price is None or price < 0):
        err(
            "preis",
            _("„%(value)s“ ist kein Betrag ≥ 0 mit höchstens zwei Nachkommastellen (z. B. 899,00).")
            % {"value": raw["preis"]},
        )
    elif price is not None:
        tiers.append((0, price))
    extra = re.split(r"[|;\n]", raw.get("staffeln", ""))
    # The base price (the tier at 0) is the column preis, so the tiers here need none.
    more, tier_errors = parse_tier_lines(
        "\n".join(part for part in extra if part.strip()),
        label=_("Staffel %(number)d"),
        require_base=False,
    )
    for message in tier_errors:
        err("staffeln", message)
    for quantity, unit_price in more:
        if quantity == 0:
            err("staffeln", _("Die Staffel ab 0 steht in der Spalte preis."))
        else:
            tiers.append((quantity, unit_price))
    mode = TIER_MODES.get(raw.get("staffelart", "").lower())
    if mode is None:
        err("staffelart", _("Bitte „alle“ oder „angestoßen“ angeben."))
    suppliers = lookups["suppliers"]
    supplier_name = raw.get("lieferant", "")
    supplier = None
    if supplier_name:
        supplier = suppliers.get(supplier_name.casefold())
        if supplier is None:
            err(
                "lieferant",
                _("„%(name)s“ ist kein Lieferant dieses Vertrags.") % {"name": supplier_name},
            )
    elif len(suppliers) == 1:
        supplier = next(iter(suppliers.values()))
    else:
        err("lieferant", _("Der Vertrag hat mehrere Lieferanten; bitte einen angeben."))
    lot = None
    if raw.get("los"):
        lot = lookups["lots"].get(raw["los"].lstrip("0") or "0")
        if lot is None:
            err("los", _("Los %(lot)s gibt es in diesem Vertrag nicht.") % {"lot": raw["los"]})
    valid_from = contract.starts_on
    if raw.get("gueltig_ab"):
        valid_from = _parse_date(raw["gueltig_ab"])
        if valid_from is None:
            err("gueltig_ab", _("Bitte ein Datum im Format TT.MM.JJJJ angeben."))
    valid_until = None
    if raw.get("gueltig_bis"):
        valid_until = _parse_date(raw["gueltig_bis"])
        if valid_until is None:
            err("gueltig_bis", _("Bitte ein Datum im Format TT.MM.JJJJ angeben."))
        elif valid_from and valid_until < valid_from:
            err("gueltig_bis", _("Das Datum liegt vor „gültig ab“."))
    active = raw.get("aktiv", "").lower()
    if active not in _TRUE | _FALSE:
        err("aktiv", _("Bitte ja oder nein angeben."))
    if errors:
        return errors
    return ItemRow(
        line=line,
        article_number=raw["artikelnummer"],
        tiers=sorted(tiers),
        fields={
            "supplier": supplier,
            "lot": lot,
            "description": raw["beschreibung"],
            "cpv_code": cpv,
            "unit": raw.get("einheit") or "Stück",
            "valid_from": valid_from,
            "valid_until": valid_until,
            "tier_mode": mode,
            "is_active": active not in _FALSE,
        },
    )


def parse_catalog(data, *, contract: FrameworkContract) -> list[ItemRow]:
    """Every row validated; raises CatalogImportError with all errors if any row is bad.
    Reads the file (bytes or a binary file): call it outside any transaction."""
    lookups = {
        "suppliers": {s.name.casefold(): s for s in contract.suppliers.all()},
        "lots": {str(lot.number): lot for lot in contract.lots.all()},
    }
    if not lookups["suppliers"]:
        raise CatalogImportError([_("Der Vertrag hat noch keinen Lieferanten.")])
    rows: list[ItemRow] = []
    errors: list[str] = []
    seen: dict[tuple, int] = {}
    for line, raw in read_rows(data):
        result = _row(line, raw, contract, lookups)
        if isinstance(result, list):
            errors.extend(result)
            continue
        key = (result.fields["supplier"].pk, result.article_number)
        if key in seen:
            errors.append(
                _(
                    "Zeile %(line)d, Spalte artikelnummer: „%(article)s“ steht schon in "
                    "Zeile %(first)d."
                )
                % {"line": line, "article": result.article_number, "first": seen[key]}
            )
            continue
        seen[key] = line
        rows.append(result)
    if errors:
        raise CatalogImportError(errors)
    if not rows:
        raise CatalogImportError([_("Die Datei enthält keine Artikel.")])
    return rows
