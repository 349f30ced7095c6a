"""The cooperative's reports: coverage of the Land, membership over time, OZG progress.

Everything is computed from the member register (`members.selectors.membership_spans`), the
official region data and the catalogue's responsibility rules; nothing is stored.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from openkommune.catalog.constants import ApplicationWayKind
from openkommune.catalog.models import OzgLeistung, ServiceActivation
from openkommune.catalog.selectors import (
    ApplicationWay,
    application_way,
    catalog_counts,
    leistungen_in_charge,
)
from openkommune.core.read_cache import Topic, cached_read
from openkommune.members.selectors import MemberSpan, member_count, membership_spans
from openkommune.regions.constants import RegionLevel
from openkommune.regions.selectors import region_counts, region_hierarchy, regions_with_ancestors
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope

# Only territorial authorities cover an area. A municipal company or a Zweckverband may carry
# the key of its seat, but its membership does not make that Gemeinde a member.
TERRITORIAL_KINDS = frozenset(
    {
        OrganisationKind.LANDKREIS,
        OrganisationKind.KREISFREIE_STADT,
        OrganisationKind.STADT,
        OrganisationKind.GEMEINDE,
        OrganisationKind.VERBANDSGEMEINDE,
    }
)


def span_active_on(span: MemberSpan, day: datetime.date) -> bool:
    """Same rule as `members.selectors.members_as_of`: the leave date is the first day
    without membership."""
    return span.joined_on <= day and (span.left_on is None or span.left_on > day)


def _share(part, whole) -> float:
    return round(float(part) / float(whole), 4) if whole else 0.0


# --- coverage -------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    covered: int | Decimal
    total: int | Decimal

    @property
    def share(self) -> float:
        return _share(self.covered, self.total)

    @property
    def percent(self) -> float:
        return round(self.share * 100, 1)

    def as_dict(self) -> dict:
        return {"covered": self.covered, "total": self.total, "share": self.share}


@dataclass(frozen=True)
class AreaCoverage:
    ars: str
    name: str
    gemeinden: Figure
    population: Figure
    area_km2: Figure


@dataclass(frozen=True)
class Coverage:
    as_of: datetime.date
    land: AreaCoverage
    by_kreis: list[AreaCoverage]
    member_count: int


@dataclass
class _Tally:
    gemeinden: list[int] = field(default_factory=lambda: [0, 0])
    population: list[int] = field(default_factory=lambda: [0, 0])
    area_ha: list[int] = field(default_factory=lambda: [0, 0])

    def add(self, gemeinde, covered: bool) -> None:
        index = 0 if covered else 1
        for tally, value in (
            (self.gemeinden, 1),
            (self.population, gemeinde.population or 0),
            (self.area_ha, gemeinde.area_ha or 0),
        ):
            tally[index] += value

    def result(self, ars: str, name: str) -> AreaCoverage:
        def figure(tally, divide=False):
            covered, total = tally[0], tally[0] + tally[1]
            if divide:
                return Figure(Decimal(covered) / 100, Decimal(total) / 100)
            return Figure(covered, total)

        return AreaCoverage(
            ars=ars,
            name=name,
            gemeinden=figure(self.gemeinden),
            population=figure(self.population),
            area_km2=figure(self.area_ha, divide=True),
        )


def member_region_keys(*, as_of: datetime.date, spans: list[MemberSpan] | None = None) -> set:
    """Region keys of the territorial authorities that were members on `as_of`."""
    spans = membership_spans() if spans is None else spans
    return {
        span.region_ars
        for span in spans
        if span.region_ars and span.kind in TERRITORIAL_KINDS and span_active_on(span, as_of)
    }


def coverage(*, land_code: str = "15", as_of: datetime.date) -> Coverage:
    """Which part of the Land the members cover on `as_of`.

    A Gemeinde is covered when it, its Gemeindeverband or its Kreis is a member (matched by
    ARS; a kreisfreie Stadt has one ARS on all three levels, a verbandsfreie Gemeinde's
    Gemeindeverband is the Gemeinde itself). One query for the Gemeinden with their parents.
    """
    spans = membership_spans()
    keys = member_region_keys(as_of=as_of, spans=spans)
    land_tally = _Tally()
    kreis_tallies: dict[str, tuple[str, _Tally]] = {}
    land_name = ""
    gemeinden = regions_with_ancestors().filter(
        land_code=land_code, level=RegionLevel.GEMEINDE, is_current=True
    )
    for gemeinde in gemeinden:
        chain = region_hierarchy(gemeinde)
        units = [chain["gemeinde"], chain["verband"], chain["kreis"]]
        covered = any(unit is not None and unit.ars in keys for unit in units)
        land_tally.add(gemeinde, covered)
        if chain["land"] is not None:
            land_name = chain["land"].name
        kreis = chain["kreis"] or gemeinde
        _, tally = kreis_tallies.setdefault(kreis.ars, (kreis.name, _Tally()))
        tally.add(gemeinde, covered)
    land_ars = land_code.ljust(12, "0")
    return Coverage(
        as_of=as_of,
        land=land_tally.result(land_ars, land_name),
        by_kreis=[tally.result(ars, name) for ars, (name, tally) in sorted(kreis_tallies.items())],
        member_count=member_count(as_of=as_of),
    )


# --- membership over time -------------------------------------------------------------


@dataclass(frozen=True)
class MembershipYear:
    label: str  # "2019" or "aktuell"
    day: datetime.date
    total: int
    by_kind: dict[str, int]


def membership_over_time(*, today: datetime.date) -> list[MembershipYear]:
    """Members at 31.12. of every year from the first join to last year, and today."""
    spans = membership_spans()
    if not spans:
        return []
    first_year = min(span.joined_on.year for span in spans)
    days = [(str(year), datetime.date(year, 12, 31)) for year in range(first_year, today.year)]
    days.append(("aktuell", today))
    result = []
    for label, day in days:
        members: dict[int, str] = {
            span.organisation_id: span.kind for span in spans if span_active_on(span, day)
        }
        result.append(
            MembershipYear(
                label=label, day=day, total=len(members), by_kind=dict(Counter(members.values()))
            )
        )
    return result


@dataclass(frozen=True)
class PublishedCount:
    """A member count the cooperative or the press published, with its date as published."""

    published_as: str  # the date text as published: "2019-09", "ca. 2013", "undatiert"
    day: datetime.date | None  # None when the text is no date we can place
    members: int
    statement: str
    source_url: str


_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_published_date(text: str) -> datetime.date | None:
    """A full date or a year and month (as the first of the month); anything fuzzier
    ("ca. 2013", "2015-Q3", "undatiert") is not placed on the time axis."""
    text = text.strip()
    try:
        if match := _FULL_DATE.match(text):
            return datetime.date(*(int(part) for part in match.groups()))
        if match := _YEAR_MONTH.match(text):
            return datetime.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None
    return None


def published_counts_file() -> Path:
    return Path(settings.DATA_DIR) / "kitu" / "kitu_mitgliederzahl_zeitreihe.csv"


def published_member_counts(path: Path | None = None) -> list[PublishedCount]:
    """The published member counts, in file order; a row without a number is skipped."""
    path = published_counts_file() if path is None else path
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        return []
    result = []
    with handle:
        for row in csv.DictReader(handle):
            try:
                members = int((row.get("mitglieder") or "").strip())
            except ValueError:
                continue
            text = (row.get("zeitpunkt") or "").strip()
            result.append(
                PublishedCount(
                    published_as=text,
                    day=parse_published_date(text),
                    members=members,
                    statement=(row.get("angabe") or "").strip(),
                    source_url=(row.get("quelle_url") or "").strip(),
                )
            )
    return result


def published_count_by_year(counts: list[PublishedCount]) -> dict[int, PublishedCount]:
    """The latest dated published count of each year."""
    by_year: dict[int, PublishedCount] = {}
    for count in sorted((c for c in counts if c.day is not None), key=lambda c: c.day):
        by_year[count.day.year] = count
    return by_year


# --- the cooperative in figures ----------------------------------------------------------


@dataclass(frozen=True)
class PlatformFigures:
    """The figures of the cooperative's overview page (they left the citizens' start page)."""

    members: int  # laut Register, today: `members.selectors.member_count`, as the register
    published: PublishedCount | None  # the latest dated count the cooperative published
    gemeinden_land: int
    gemeinden_germany: int
    ozg_leistungen: int
    leika_services: int


def platform_figures(*, land_code: str = "15") -> PlatformFigures:
    """Register count (not cached: one query, and the register's changes must show at once)
    and the reference figures (cached until an import)."""
    reference = cached_read(
        "platform_reference_figures",
        (land_code,),
        topics=(Topic.CATALOG, Topic.REGIONS),
        compute=lambda: _reference_figures(land_code),
    )
    dated = [c for c in published_member_counts() if c.day is not None]
    return PlatformFigures(
        members=member_count(),
        published=max(dated, key=lambda c: c.day) if dated else None,
        **reference,
    )


def _reference_figures(land_code: str) -> dict:
    catalog = catalog_counts()
    return {
        "gemeinden_land": region_counts(land_code=land_code)["gemeinde"],
        "gemeinden_germany": region_counts()["gemeinde"],
        "ozg_leistungen": catalog.ozg_leistungen,
        "leika_services": catalog.leika_services,
    }


# --- OZG progress ---------------------------------------------------------------------

# OZG-Reifegradmodell 1.1, derived from what the platform knows (see the page's explanation).
REIFEGRADE = (0, 1, 2, 3, 4)
REIFEGRAD_LABELS = {
    0: "0 – offline",
    1: "1 – Information",
    2: "2 – Formularassistent",
    3: "3 – Online-Leistung inkl. Nachweise",
    4: "4 – Once-Only",
}


def reifegrad(way: ApplicationWay | None) -> int:
    """From the platform's real online offer (`catalog.selectors.application_way`, what the
    service pages offer citizens): level 3 when citizens apply with the platform's own form
    (fully online, evidence uploaded with the application and delivered electronically to the
    member), level 2 when the member links its own online form (the platform cannot see
    whether it takes evidence), level 1 otherwise: the service page with the responsible
    authority exists on the platform for everyone. Level 4 (once-only data exchange between
    registers) is not reachable today; level 0 is never reported for a Leistung the member
    must provide."""
    if way is None or way.kind is None:
        return 1
    if way.kind == ApplicationWayKind.PLATFORM_FORM:
        return 3
    return 2


class _OnlineShare:
    """Share of the Leistungen a member must provide that it offers online."""

    online: int
    must: int

    @property
    def share(self) -> float:
        return _share(self.online, self.must)

    @property
    def percent(self) -> float:
        return round(self.share * 100, 1)


@dataclass(frozen=True)
class ServiceProgress:
    ozg_id: str
    name: str
    themenfeld: str
    level: str
    online: bool
    reifegrad: int


@dataclass(frozen=True)
class ThemenfeldProgress(_OnlineShare):
    name: str
    must: int
    online: int


@dataclass(frozen=True)
class MemberProgress(_OnlineShare):
    organisation: Organisation
    must: int
    online: int
    by_reifegrad: dict[int, int]
    by_themenfeld: list[ThemenfeldProgress]
    services: list[ServiceProgress]


@dataclass(frozen=True)
class ProgressOverview(_OnlineShare):
    members: list[MemberProgress]  # the ranking: highest share online first
    must: int
    online: int
    by_reifegrad: dict[int, int]
    by_themenfeld: list[ThemenfeldProgress]


def _leistungen() -> dict[str, OzgLeistung]:
    return {
        leistung.ozg_id: leistung
        for leistung in OzgLeistung.objects.filter(is_current=True).select_related("themenfeld")
    }


def _themenfeld_rows(services: list[ServiceProgress]) -> list[ThemenfeldProgress]:
    must: Counter = Counter(s.themenfeld for s in services)
    online: Counter = Counter(s.themenfeld for s in services if s.online)
    return [ThemenfeldProgress(name, must[name], online[name]) for name in sorted(must)]


def _progress(
    organisation: Organisation,
    leistungen: dict[str, OzgLeistung],
    activations: dict[str, ServiceActivation],
    ways: dict[tuple[str, str], ApplicationWay],
) -> MemberProgress:
    services = []
    for ozg_id, level in sorted(leistungen_in_charge(organisation).items()):
        if ozg_id not in leistungen:
            continue
        leistung = leistungen[ozg_id]
        activation = activations.get(ozg_id)
        way = None
        if activation is not None and activation.is_active:
            key = (ozg_id, activation.start_url)
            if key not in ways:
                ways[key] = application_way(ozg_leistung=leistung, start_url=activation.start_url)
            way = ways[key]
        services.append(
            ServiceProgress(
                ozg_id=ozg_id,
                name=leistung.name,
                themenfeld=leistung.themenfeld.name if leistung.themenfeld_id else "",
                level=str(level),
                online=way is not None and way.kind is not None,
                reifegrad=reifegrad(way),
            )
        )
    grades = Counter(s.reifegrad for s in services)
    return MemberProgress(
        organisation=organisation,
        must=len(services),
        online=sum(s.online for s in services),
        by_reifegrad={grade: grades[grade] for grade in REIFEGRADE},
        by_themenfeld=_themenfeld_rows(services),
        services=services,
    )


def _activations_by_member(organisations: list[Organisation]) -> dict[int, dict]:
    # Which member offers which Leistung online is published to citizens on every service
    # page; the scope is widened to exactly these members for this read.
    found: dict[int, dict] = defaultdict(dict)
    with scope(tenants=organisations):
        rows = ServiceActivation.objects.filter(tenant__in=organisations).select_related(
            "ozg_leistung"
        )
        for activation in rows:
            found[activation.tenant_id][activation.ozg_leistung.ozg_id] = activation
    return found


def current_member_organisations(*, today: datetime.date) -> list[Organisation]:
    """Organisations that are members today according to the register."""
    ids = {span.organisation_id for span in membership_spans() if span_active_on(span, today)}
    return list(Organisation.objects.filter(pk__in=ids, is_cooperative=False).order_by("name"))


def ozg_progress(*, member_org: Organisation) -> MemberProgress:
    """OZG progress of one member: the Leistungen it executes by the rules the service pages
    use (`catalog.selectors.leistungen_in_charge`: regional overrides, rule file,
    Typisierung) and which of them citizens can really apply for online on the platform (an
    active activation with the platform's form or the member's own link)."""
    activations = _activations_by_member([member_org])
    return _progress(member_org, _leistungen(), activations[member_org.pk], {})


def ozg_progress_overview(*, today: datetime.date) -> ProgressOverview:
    """Every current member's progress, ranked by share online, and the cooperative's totals."""
    organisations = current_member_organisations(today=today)
    leistungen, ways = _leistungen(), {}
    activations = _activations_by_member(organisations)
    members = [
        _progress(organisation, leistungen, activations[organisation.pk], ways)
        for organisation in organisations
    ]
    members.sort(key=lambda m: (-m.share, -m.online, m.organisation.name))
    grades: Counter = Counter()
    themen_must: Counter = Counter()
    themen_online: Counter = Counter()
    for member in members:
        grades.update(member.by_reifegrad)
        for row in member.by_themenfeld:
            themen_must[row.name] += row.must
            themen_online[row.name] += row.online
    return ProgressOverview(
        members=members,
        must=sum(m.must for m in members),
        online=sum(m.online for m in members),
        by_reifegrad={grade: grades[grade] for grade in REIFEGRADE},
        by_themenfeld=[
            ThemenfeldProgress(name, themen_must[name], themen_online[name])
            for name in sorted(themen_must)
        ],
    )
