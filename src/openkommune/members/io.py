"""Import and export of the member register as CSV or XLSX.

One row is one membership period. Columns (header row required, order free, names as here):

=====================  ===============================================================
name                   Name der Organisation (Pflicht, wenn ags_oder_ars leer ist)
art                    Art, z. B. „Landkreis“, „Gemeinde“, „kommunales Unternehmen“
                       (Bezeichnung oder Code aus `OrganisationKind`; leer: aus dem
                       Gemeindeverzeichnis abgeleitet)
ags_oder_ars           8-stelliger AGS, 5-stelliger Kreisschlüssel, 9-stelliger
                       Verbandsschlüssel oder 12-stelliger ARS; leer bei Organisationen
                       ohne Gebiet (dann gilt der Name als Schlüssel)
beitritt               Beitrittsdatum, TT.MM.JJJJ oder JJJJ-MM-TT (Pflicht)
austritt               Austrittsdatum (erster Tag ohne Mitgliedschaft) oder leer
austrittsgrund         Freitext
gruendungsmitglied     ja/nein (auch 1/0, x, true/false)
anteile_anzahl         ganze Zahl ≥ 0
anteile_betrag         Euro, z. B. 1500 oder 1.500,00 oder 1500.00
bemerkungen            Freitext
=====================  ===============================================================

The first data row is „Zeile 2“ (line 1 is the header), as a spreadsheet numbers it. Every
row is checked and all errors are reported together; if any row is bad nothing is imported
(one transaction). An organisation with a known key but no Organisation yet is created from
the official directory through `tenancy.services.organisation_create`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openkommune.core.table_writing import TYPED_FORMATS
from openkommune.core.tables import (
    TableError,
    TableLimits,
    read_records,
    write_csv,
    write_xlsx,
)
from openkommune.members.models import CooperativeMember, MembershipPeriod
from openkommune.members.services import (
    _require_register_editor,
    member_join,
    member_leave,
    member_period_update,
    member_update,
)
from openkommune.regions.constants import ORGANISATION_KIND_BY_REGION, RegionLevel
from openkommune.regions.models import Region
from openkommune.regions.selectors import official_name
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.services import organisation_create

COLUMNS = (
    "name",
    "art",
    "ags_oder_ars",
    "beitritt",
    "austritt",
    "austrittsgrund",
    "gruendungsmitglied",
    "anteile_anzahl",
    "anteile_betrag",
    "bemerkungen",
)
REQUIRED_COLUMNS = ("name", "ags_oder_ars", "beitritt")
LIMITS = TableLimits(max_rows=10_000, max_columns=len(COLUMNS) + 20)

_TRUE = {"ja", "j", "x", "1", "true", "wahr", "yes"}
_FALSE = {"nein", "n", "0", "false", "falsch", "no", ""}


class MemberImportError(Exception):
    """The file was rejected; `errors` lists every problem (German, with row numbers)."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportRow:
    line: int
    name: str
    kind: str
    key: str
    region: Region | None
    joined_on: datetime.date
    left_on: datetime.date | None
    leave_reason: str
    is_founding_member: bool
    shares_count: int
    shares_amount: Decimal
    notes: str

    @property
    def identity(self) -> tuple[str, str]:
        if self.region is not None:
            return ("ars", self.region.ars)
        return ("name", self.name.casefold())


@dataclass
class ImportResult:
    rows: int = 0
    organisations_created: list[str] = field(default_factory=list)
    members_created: int = 0
    periods_created: int = 0
    periods_changed: int = 0
    members_changed: int = 0
    dry_run: bool = False


# --- reading files ------------------------------------------------------------------


def read_table(source) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs of a CSV or XLSX file (type from the content, not the name); read
    streaming with the limits of `core.tables`, before any transaction is opened."""
    try:
        return read_records(
            source, columns=COLUMNS, required=REQUIRED_COLUMNS, limits=LIMITS, unescape=True
        )
    except TableError as error:
        raise MemberImportError(error.errors) from error


# --- parsing values -----------------------------------------------------------------


def parse_date(text: str) -> datetime.date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_amount(text: str) -> Decimal:
    cleaned = text.replace("€", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    value = Decimal(cleaned)
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise InvalidOperation(text)
    if value >= Decimal("1e10"):
        raise InvalidOperation(text)
    return value.quantize(Decimal("0.01"))


def _kind_from_text(text: str) -> str | None:
    wanted = text.strip().casefold()
    for value, label in OrganisationKind.choices:
        if wanted in (value, str(label).casefold()):
            return value
    return None


def _region_for_key(key: str) -> Region | None:
    current = Region.objects.filter(is_current=True)
    if len(key) == 8:
        return current.filter(ags=key, level=RegionLevel.GEMEINDE).first()
    if len(key) == 5:
        return current.filter(ars=key + "0000000", level=RegionLevel.KREIS).first()
    if len(key) == 9:
        return current.filter(ars=key + "000", level=RegionLevel.GEMEINDEVERBAND).first()
    if len(key) == 12:
        found = list(current.filter(ars=key))
        order = {RegionLevel.KREIS: 0, RegionLevel.GEMEINDEVERBAND: 1, RegionLevel.GEMEINDE: 2}
        found.sort(key=lambda region: order.get(region.level, 9))
        return found[0] if found else None
    return None


def _key_label(key: str) -> str:
    return {8: "AGS", 5: "Kreisschlüssel", 9: "Verbandsschlüssel"}.get(len(key), "ARS")


def parse_row(
    line: int, raw: dict[str, str], today: datetime.date
) -> tuple[ImportRow | None, list[str]]:
    """One row checked completely: every problem is reported, not only the first."""
    errors: list[str] = []

    def err(message: str) -> None:
        errors.append(f"Zeile {line}: {message}")

    name = raw.get("name", "")
    key = raw.get("ags_oder_ars", "").replace(" ", "")
    region = None
    if key:
        if not key.isdigit() or len(key) not in (5, 8, 9, 12):
            err(f"„{key}“ ist kein AGS (8 Ziffern) und kein ARS (12 Ziffern).")
        else:
            region = _region_for_key(key)
            if region is None:
                err(f"{_key_label(key)} {key} ist im Gemeindeverzeichnis unbekannt.")
    elif not name:
        err("Name oder AGS/ARS fehlt.")

    kind = ""
    if raw.get("art"):
        kind = _kind_from_text(raw["art"]) or ""
        if not kind:
            err(f"Art „{raw['art']}“ ist unbekannt.")
    elif region is not None:
        kind = ORGANISATION_KIND_BY_REGION.get((region.level, region.kind), "")
        if not kind:
            err(f"Die Art der Organisation für {key} ergibt sich nicht aus dem Verzeichnis; "
                "bitte in der Spalte art angeben.")  # fmt: skip
    elif key == "" and name:
        err("Art fehlt (Spalte art).")
    if kind == OrganisationKind.GENOSSENSCHAFT:
        err("Die Genossenschaft kann nicht ihr eigenes Mitglied sein.")

    joined_on = left_on = None
    if not raw.get("beitritt"):
        err("Beitrittsdatum fehlt.")
    else:
        try:
            joined_on = parse_date(raw["beitritt"])
            if joined_on > today:
                err(f"Beitrittsdatum {joined_on:%d.%m.%Y} liegt in der Zukunft.")
        except ValueError:
            err(f"Beitrittsdatum „{raw['beitritt']}“ ist kein Datum (TT.MM.JJJJ).")
    if raw.get("austritt"):
        try:
            left_on = parse_date(raw["austritt"])
            if left_on > today:
                err(f"Austrittsdatum {left_on:%d.%m.%Y} liegt in der Zukunft.")
            if joined_on and left_on <= joined_on:
                err(f"Austritt ({left_on:%d.%m.%Y}) liegt nicht nach dem Beitritt "
                    f"({joined_on:%d.%m.%Y}).")  # fmt: skip
        except ValueError:
            err(f"Austrittsdatum „{raw['austritt']}“ ist kein Datum (TT.MM.JJJJ).")

    founding_text = raw.get("gruendungsmitglied", "").strip().casefold()
    founding = founding_text in _TRUE
    if founding_text not in _TRUE | _FALSE:
        err(f"gruendungsmitglied „{raw['gruendungsmitglied']}“ ist weder ja noch nein.")

    shares_count = 0
    if raw.get("anteile_anzahl"):
        try:
            shares_count = int(raw["anteile_anzahl"])
            if shares_count < 0:
                raise ValueError
        except ValueError:
            err(f"anteile_anzahl „{raw['anteile_anzahl']}“ ist keine ganze Zahl ≥ 0.")
    shares_amount = Decimal(0)
    if raw.get("anteile_betrag"):
        try:
            shares_amount = parse_amount(raw["anteile_betrag"])
        except (InvalidOperation, ValueError):
            err(f"anteile_betrag „{raw['anteile_betrag']}“ ist kein Eurobetrag "
                "(z. B. 1500,00).")  # fmt: skip

    if errors:
        return None, errors
    if not name and region is not None:
        name, _short = official_name(region)
    return (
        ImportRow(
            line=line,
            name=name,
            kind=kind,
            key=key,
            region=region,
            joined_on=joined_on,
            left_on=left_on,
            leave_reason=raw.get("austrittsgrund", ""),
            is_founding_member=founding,
            shares_count=shares_count,
            shares_amount=shares_amount,
            notes=raw.get("bemerkungen", ""),
        ),
        [],
    )


def parse_table(raw_rows: Iterable[tuple[int, dict[str, str]]]) -> list[ImportRow]:
    """Check every row and the file as a whole (duplicates); raise with all errors."""
    today = timezone.localdate()
    rows: list[ImportRow] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], list[ImportRow]] = {}
    for line, raw in raw_rows:
        row, row_errors = parse_row(line, raw, today)
        errors.extend(row_errors)
        if row is None:
            continue
        for earlier in seen.get(row.identity, []):
            if _overlaps(earlier, row):
                errors.append(
                    f"Zeile {row.line}: {row.name} steht schon in Zeile {earlier.line} "
                    "(doppeltes Mitglied im selben Zeitraum)."
                )
                break
        seen.setdefault(row.identity, []).append(row)
        rows.append(row)
    if errors:
        raise MemberImportError(errors)
    return rows


def _overlaps(a: ImportRow, b: ImportRow) -> bool:
    end_a = a.left_on or datetime.date.max
    end_b = b.left_on or datetime.date.max
    return a.joined_on < end_b and b.joined_on < end_a


# --- applying -----------------------------------------------------------------------


def _organisation_for(row: ImportRow, actor, result: ImportResult) -> Organisation:
    candidates = Organisation.objects.filter(is_cooperative=False)
    if row.region is not None:
        candidates = candidates.filter(region_ars=row.region.ars)
    else:
        candidates = candidates.filter(region_ars="", name__iexact=row.name)
    found = sorted(candidates, key=lambda org: (org.kind != row.kind, org.pk))
    if found:
        return found[0]
    organisation = organisation_create(
        actor=actor,
        name=row.name,
        short_name=row.name[:60],
        kind=row.kind,
        region_ars=row.region.ars if row.region is not None else "",
        city=(row.region.seat if row.region is not None else "")[:100],
    )
    result.organisations_created.append(organisation.name)
    return organisation


def _member_values(member: CooperativeMember) -> tuple:
    return (member.is_founding_member, member.shares_count, member.shares_amount, member.notes)


def _apply_row(row: ImportRow, actor, result: ImportResult) -> None:
    organisation = _organisation_for(row, actor, result)
    member = CooperativeMember.objects.filter(organisation=organisation).first()
    fields = {
        "is_founding_member": row.is_founding_member,
        "shares_count": row.shares_count,
        "shares_amount": row.shares_amount,
        "notes": row.notes,
    }
    period = None
    if member is not None:
        period = MembershipPeriod.objects.filter(member=member, joined_on=row.joined_on).first()
        before = (
            member.is_founding_member,
            member.shares_count,
            member.shares_amount,
            member.notes,
        )
        member = member_update(actor=actor, member=member, **fields)
        if before != (member.is_founding_member, member.shares_count, member.shares_amount,
                      member.notes):  # fmt: skip
            result.members_changed += 1
    if period is None:
        had_member = member is not None
        period = member_join(
            actor=actor, organisation=organisation, joined_on=row.joined_on, **fields
        )
        result.periods_created += 1
        result.members_created += 0 if had_member else 1
        if row.left_on is not None:
            member_leave(
                actor=actor, member=period.member, left_on=row.left_on, reason=row.leave_reason
            )
    elif (period.left_on, period.leave_reason) != (row.left_on, row.leave_reason):
        member_period_update(
            actor=actor, period=period, left_on=row.left_on, leave_reason=row.leave_reason
        )
        result.periods_changed += 1


def _validation_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def import_members(*, actor, data, dry_run: bool = False) -> ImportResult:
    """Check and import a register file (`data`: bytes or a binary file). Raises
    `MemberImportError` (nothing written) if any row is bad, PermissionDenied for anyone but
    cooperative staff or the system. The file is read and checked before the transaction."""
    _require_register_editor(actor)
    rows = parse_table(read_table(data))
    result = ImportResult(rows=len(rows), dry_run=dry_run)
    errors: list[str] = []
    with transaction.atomic():
        for row in rows:
            try:
                with transaction.atomic():
                    _apply_row(row, actor, result)
            except ValidationError as error:
                errors.append(f"Zeile {row.line}: {_validation_text(error)}")
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        raise MemberImportError(errors)
    return result


# --- export -------------------------------------------------------------------------


def export_rows() -> list[list]:
    """The whole register, one row per period, in import format (header first). Typed:
    dates as dates, share counts and amounts as numbers (issue 19: the XLSX held text)."""
    rows: list[list] = [list(COLUMNS)]
    periods = MembershipPeriod.objects.select_related("member__organisation").order_by(
        "member__organisation__name", "member_id", "joined_on"
    )
    for period in periods:
        member = period.member
        organisation = member.organisation
        rows.append(
            [
                organisation.name,
                str(OrganisationKind(organisation.kind).label),
                organisation.region_ars,
                period.joined_on,
                period.left_on,
                period.leave_reason,
                "ja" if member.is_founding_member else "nein",
                member.shares_count,
                member.shares_amount,
                member.notes,
            ]
        )
    return rows


def _csv_text(value) -> str:
    """The CSV keeps the German notation of the import format (01.01.2015, 1250,00)."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def export_members(fmt: str) -> bytes:
    rows = export_rows()
    if fmt == "xlsx":
        return write_xlsx(rows[0], rows[1:], title="Mitglieder", number_formats=TYPED_FORMATS)
    if fmt == "csv":
        return write_csv(rows[0], [[_csv_text(value) for value in row] for row in rows[1:]])
    raise ValueError(fmt)
