"""The demo register: members of the real KITU eG named in public sources.

Source: `DATA_DIR/kitu/kitu_mitglieder_erwaehnt.csv` (name, kind, AGS or Kreis key, what the
source says, source URL). Nothing is invented:

- founding members joined on 22.12.2009 (the founding date the source gives);
- a stated day ("mit Wirkung zum 01.10.2022") is taken as it is;
- a stated year or quarter only ("Beitritt 2010", "4. Quartal 2021") is entered as the last
  day of that period — the latest day by which the source proves membership — and the notes
  say so ("spätestens …");
- undated mentions ("frühes Mitglied (undatiert)", "in der Mitgliederliste") are not entered:
  the register needs a join date, and the source gives none. They are reported as
  "ohne Beitrittsdatum nicht übernommen".

Idempotent: organisations are found by region key (or name, for those without one) and a
second run changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from openkommune.members.io import _region_for_key
from openkommune.members.models import CooperativeMember, MembershipPeriod
from openkommune.members.services import member_join, member_update
from openkommune.regions.constants import ORGANISATION_KIND_BY_REGION
from openkommune.regions.selectors import official_name
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.services import organisation_create

DEMO_NOTE = "Teilweise öffentliche Angaben – kein vollständiges Register"
FOUNDING_DATE = datetime.date(2009, 12, 22)
FOUNDING_MEMBERS = (
    "Landeshauptstadt Magdeburg",
    "Gemeinde Barleben",
    "KID Magdeburg GmbH (Kommunale Informationsdienste Magdeburg)",
)
# Organisations without a region key: kind from the source's "art" column.
_KIND_BY_SOURCE_TEXT = {
    "kommunales it-unternehmen": OrganisationKind.KOMMUNALES_UNTERNEHMEN,
    "kommunales unternehmen": OrganisationKind.KOMMUNALES_UNTERNEHMEN,
    "stiftung": OrganisationKind.STIFTUNG,
    "hochschule": OrganisationKind.BILDUNGSEINRICHTUNG,
}

_EXACT_DAY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")
_QUARTER = re.compile(r"(\d)\.\s*Quartal\s+(\d{4})")
_YEAR = re.compile(r"Beitritt\s+(\d{4})\b")


def source_file() -> Path:
    return Path(settings.DATA_DIR) / "kitu" / "kitu_mitglieder_erwaehnt.csv"


@dataclass(frozen=True)
class DemoEntry:
    name: str
    key: str
    source_kind: str
    statement: str
    source_url: str
    joined_on: datetime.date | None
    date_note: str
    is_founding_member: bool


@dataclass
class DemoRegisterResult:
    entered: list[str] = field(default_factory=list)
    not_entered: list[tuple[str, str]] = field(default_factory=list)  # (name, statement)
    unknown_keys: list[str] = field(default_factory=list)


def join_date_from_statement(name: str, statement: str) -> tuple[datetime.date | None, str]:
    """The join date a source statement proves, and a note on how it was derived."""
    if name in FOUNDING_MEMBERS:
        return FOUNDING_DATE, "Gründungsmitglied, Gründung am 22.12.2009."
    if match := _EXACT_DAY.search(statement):
        day, month, year = (int(part) for part in match.groups())
        return datetime.date(year, month, day), ""
    if match := _QUARTER.search(statement):
        quarter, year = int(match.group(1)), int(match.group(2))
        last_month = quarter * 3
        next_first = (
            datetime.date(year + 1, 1, 1)
            if last_month == 12
            else datetime.date(year, last_month + 1, 1)
        )
        day = next_first - datetime.timedelta(days=1)
        return day, (
            f"Die Quelle nennt nur das {quarter}. Quartal {year}; eingetragen ist der letzte "
            f"Tag des Quartals (Mitglied spätestens am {day:%d.%m.%Y})."
        )
    if match := _YEAR.search(statement):
        year = int(match.group(1))
        day = datetime.date(year, 12, 31)
        return day, (
            f"Die Quelle nennt nur das Jahr {year}; eingetragen ist der 31.12.{year} "
            f"(Mitglied spätestens am {day:%d.%m.%Y})."
        )
    return None, ""


def read_entries(path: Path | None = None) -> list[DemoEntry]:
    with (path or source_file()).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    entries = []
    for row in rows:
        name = row["name"].strip()
        statement = row["angabe_laut_quelle"].strip()
        joined_on, note = join_date_from_statement(name, statement)
        entries.append(
            DemoEntry(
                name=name,
                key=row["ags_oder_kreisschluessel"].strip(),
                source_kind=row["art"].strip(),
                statement=statement,
                source_url=row["quelle_url"].strip(),
                joined_on=joined_on,
                date_note=note,
                is_founding_member=name in FOUNDING_MEMBERS,
            )
        )
    return entries


def _organisation(entry: DemoEntry, result: DemoRegisterResult) -> Organisation | None:
    if entry.key:
        region = _region_for_key(entry.key)
        if region is None:
            result.unknown_keys.append(entry.key)
            return None
        kind = ORGANISATION_KIND_BY_REGION.get(
            (region.level, region.kind), OrganisationKind.GEMEINDE
        )
        existing = sorted(
            Organisation.objects.filter(region_ars=region.ars, is_cooperative=False),
            key=lambda org: (org.kind != kind, org.pk),
        )
        if existing:
            return existing[0]
        return organisation_create(
            actor=None,
            name=official_name(region)[0],
            short_name=region.name.split(", ")[0][:60],
            kind=kind,
            region_ars=region.ars,
            city=region.seat[:100],
            # Reserved domain, as in the rest of the demo: nothing reaches a real mailbox.
            email=f"demo-{region.ars}@example.org",
            is_demo=True,
        )
    kind = _KIND_BY_SOURCE_TEXT.get(entry.source_kind.casefold(), OrganisationKind.VEREIN)
    existing = Organisation.objects.filter(
        name=entry.name, region_ars="", is_cooperative=False
    ).first()
    if existing:
        return existing
    short = entry.name.split(" (")[0]
    return organisation_create(
        actor=None,
        name=entry.name,
        short_name=short[:60],
        kind=kind,
        email=f"demo-{slugify(short)[:40]}@example.org",
        is_demo=True,
    )


@transaction.atomic
def demo_register_load(path: Path | None = None) -> DemoRegisterResult:
    result = DemoRegisterResult()
    for entry in read_entries(path):
        if entry.joined_on is None:
            result.not_entered.append((entry.name, entry.statement))
            continue
        organisation = _organisation(entry, result)
        if organisation is None:
            continue
        notes = " ".join(
            part for part in (DEMO_NOTE + ".", f"Laut Quelle: {entry.statement}.",
                              entry.date_note) if part
        )  # fmt: skip
        values = {
            "is_founding_member": entry.is_founding_member,
            "notes": notes,
            "source": entry.source_url,
            "is_demo": True,
        }
        member = CooperativeMember.objects.filter(organisation=organisation).first()
        if member is None:
            member_join(actor=None, organisation=organisation, joined_on=entry.joined_on, **values)
        else:
            member_update(actor=None, member=member, **values)
            if not MembershipPeriod.objects.filter(
                member=member, joined_on=entry.joined_on
            ).exists():
                member_join(actor=None, organisation=organisation, joined_on=entry.joined_on)
        result.entered.append(organisation.name)
    return result
