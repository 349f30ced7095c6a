"""Reads of the OZG catalogue (reference data, not tenant-scoped), of the responsibility
for a Leistung at a place, and of the members' activations (tenant data).

By default only entries of the current release are returned; `include_retired=True` also
returns entries a newer release dropped (for history and for records that point at them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from openkommune.catalog import responsibility
from openkommune.catalog.constants import (
    ApplicationWayKind,
    LageKind,
    ResponsibilitySource,
    ResponsibleLevel,
)
from openkommune.catalog.models import (
    Lage,
    LeikaAssignment,
    LeikaService,
    OzgLeistung,
    ResponsibilityOverride,
    ServiceActivation,
    Themenfeld,
)
from openkommune.core.read_cache import Topic, cached_read
from openkommune.regions.constants import RegionKind, RegionLevel
from openkommune.regions.models import Region
from openkommune.regions.selectors import (
    gemeinden_for_postcode,
    region_get,
    region_hierarchy,
    regions_with_ancestors,
)
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope


def _current(queryset: QuerySet, include_retired: bool) -> QuerySet:
    return queryset if include_retired else queryset.filter(is_current=True)


def _assignments(include_retired: bool) -> QuerySet:
    return _current(
        LeikaAssignment.objects.select_related("leika_service", "ozg_leistung"), include_retired
    ).order_by("leika_key", "name", "occurrence")


def themenfeld_list(*, include_retired: bool = False) -> QuerySet[Themenfeld]:
    """Themenfelder in official order, with `ozg_leistung_count` (current Leistungen)."""
    # Explicit order_by: Meta.ordering is not applied to queries with GROUP BY.
    return (
        _current(Themenfeld.objects.all(), include_retired)
        .annotate(
            ozg_leistung_count=Count("ozg_leistungen", filter=Q(ozg_leistungen__is_current=True))
        )
        .order_by("official_id")
    )


def lage_list(
    *,
    themenfeld: Themenfeld | None = None,
    kind: LageKind | None = None,
    include_retired: bool = False,
) -> QuerySet[Lage]:
    queryset = _current(Lage.objects.select_related("themenfeld"), include_retired)
    if themenfeld is not None:
        queryset = queryset.filter(themenfeld=themenfeld)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return queryset


def ozg_leistung_list(
    *,
    themenfeld: Themenfeld | None = None,
    lage: Lage | None = None,
    include_retired: bool = False,
) -> QuerySet[OzgLeistung]:
    queryset = _current(OzgLeistung.objects.select_related("lage", "themenfeld"), include_retired)
    if themenfeld is not None:
        queryset = queryset.filter(themenfeld=themenfeld)
    if lage is not None:
        queryset = queryset.filter(lage=lage)
    return queryset


def ozg_leistung_get(*, ozg_id: str, include_retired: bool = False) -> OzgLeistung:
    """One OZG-Leistung with its LeiKa rows in `leika_assignments` (each with its
    `leika_service`, None for rows "nicht im LeiKa"). Raises OzgLeistung.DoesNotExist."""
    queryset = ozg_leistung_list(include_retired=include_retired).prefetch_related(
        Prefetch("assignments", queryset=_assignments(include_retired), to_attr="leika_assignments")
    )
    return queryset.get(ozg_id=ozg_id)


def leistung_for_leika_keys(keys) -> OzgLeistung | None:
    """The current OZG-Leistung with one of these LeiKa keys (the first by OZG-ID), or None
    while the catalogue is not loaded."""
    return (
        ozg_leistung_list()
        .filter(assignments__leika_key__in=list(keys), assignments__is_current=True)
        .order_by("ozg_id")
        .first()
    )


def leika_service_get(*, key: str, include_retired: bool = False) -> LeikaService:
    """One LeiKa service with its rows in `ozg_assignments` (each with its `ozg_leistung`,
    None for rows without one). Raises LeikaService.DoesNotExist."""
    queryset = _current(LeikaService.objects.all(), include_retired).prefetch_related(
        Prefetch("assignments", queryset=_assignments(include_retired), to_attr="ozg_assignments")
    )
    return queryset.get(key=key)


def leika_service_list(
    *, executed_by_kommune: bool | None = None, include_retired: bool = False
) -> QuerySet[LeikaService]:
    queryset = _current(LeikaService.objects.all(), include_retired)
    if executed_by_kommune is not None:
        queryset = queryset.filter(executed_by_kommune=executed_by_kommune)
    return queryset


@dataclass(frozen=True)
class CatalogCounts:
    themenfelder: int
    lagen: int
    lebenslagen: int
    unternehmenslagen: int
    ozg_leistungen: int
    leika_services: int
    assignments: int
    assignments_without_key: int


def catalog_counts() -> CatalogCounts:
    """Sizes of the current release (for the status page and reports)."""
    lagen = Lage.objects.filter(is_current=True).aggregate(
        total=Count("pk"),
        leben=Count("pk", filter=Q(kind=LageKind.LEBENSLAGE)),
        unternehmen=Count("pk", filter=Q(kind=LageKind.UNTERNEHMENSLAGE)),
    )
    assignments = LeikaAssignment.objects.filter(is_current=True).aggregate(
        total=Count("pk"), without_key=Count("pk", filter=Q(leika_key=""))
    )
    return CatalogCounts(
        themenfelder=Themenfeld.objects.filter(is_current=True).count(),
        lagen=lagen["total"],
        lebenslagen=lagen["leben"],
        unternehmenslagen=lagen["unternehmen"],
        ozg_leistungen=OzgLeistung.objects.filter(is_current=True).count(),
        leika_services=LeikaService.objects.filter(is_current=True).count(),
        assignments=assignments["total"],
        assignments_without_key=assignments["without_key"],
    )


# --- EfA activation -------------------------------------------------------------------

# How a Leistung can be applied for online on the platform: `forms` (an app above the
# catalogue) registers a finder in its `AppConfig.ready()` that answers with the title of
# the published form for the Leistung, or None. The catalogue asks it without importing it.
_platform_form_finders: list[Callable[[OzgLeistung], str | None]] = []


def register_platform_form_finder(finder: Callable[[OzgLeistung], str | None]) -> None:
    if finder not in _platform_form_finders:
        _platform_form_finders.append(finder)


# The BundID trust level (0 to 4) the platform's published form for a Leistung asks by
# default: `forms` registers the finder too (the service page shows the level before the
# start; a member's `ServiceActivation.min_trust_level` overrides it).
_form_trust_level_finders: list[Callable[[OzgLeistung], int | None]] = []


def register_form_trust_level_finder(finder: Callable[[OzgLeistung], int | None]) -> None:
    if finder not in _form_trust_level_finders:
        _form_trust_level_finders.append(finder)


def required_trust_level(
    ozg_leistung: OzgLeistung, activation: ServiceActivation | None = None
) -> int:
    """The level an application for the Leistung needs: the member's override on its
    activation, else the default of the platform's form; 0: no BundID login needed."""
    override = getattr(activation, "min_trust_level", None)
    if override is not None:
        return int(override)
    for finder in _form_trust_level_finders:
        level = finder(ozg_leistung)
        if level is not None:
            return int(level)
    return 0


def trust_level_overridden(ozg_leistung: OzgLeistung) -> bool:
    """Whether some member asks its own level for the Leistung (public by purpose, see
    `published_activation_get`)."""
    members = Organisation.objects.filter(is_active=True, is_cooperative=False)
    with scope(tenants=members):
        return ServiceActivation.objects.filter(
            ozg_leistung=ozg_leistung, is_active=True, min_trust_level__isnull=False
        ).exists()


def platform_form_title(ozg_leistung: OzgLeistung) -> str | None:
    """The title of the platform's published form for the Leistung, or None."""
    for finder in _platform_form_finders:
        title = finder(ozg_leistung)
        if title:
            return title
    return None


@dataclass(frozen=True)
class ApplicationWay:
    """The way citizens apply online for a member's Leistung: the member's own external
    link (wins when given) or the platform's published form; `kind` None: neither."""

    kind: ApplicationWayKind | None
    form_title: str = ""
    external_url: str = ""


def application_way(*, ozg_leistung: OzgLeistung, start_url: str = "") -> ApplicationWay:
    if start_url:
        return ApplicationWay(ApplicationWayKind.EXTERNAL_LINK, external_url=start_url)
    title = platform_form_title(ozg_leistung)
    if title:
        return ApplicationWay(ApplicationWayKind.PLATFORM_FORM, form_title=title)
    return ApplicationWay(None)


def service_activation_list(*, tenant: Organisation) -> QuerySet[ServiceActivation]:
    """The tenant's activations; needs an active scope that includes the tenant."""
    return ServiceActivation.objects.filter(tenant=tenant).select_related("ozg_leistung")


def service_activation_get(*, tenant: Organisation, ozg_id: str) -> ServiceActivation:
    """The tenant's activation of one Leistung. Raises ServiceActivation.DoesNotExist, also
    for another tenant's row outside the active scope (same answer as a missing one)."""
    return service_activation_list(tenant=tenant).get(ozg_leistung__ozg_id=ozg_id)


# --- responsibility: who executes a Leistung at a place ---------------------------------

# A Gemeinde of a Verbandsgemeinde keeps its own council and statutes, but the
# Verbandsgemeinde runs its administration (Kommunalverfassungsgesetz LSA).
ADMINISTERING_VERBAND_KIND = RegionKind.VERBANDSGEMEINDE

# Where several organisations carry one key (a kreisfreie Stadt is Kreis and Gemeinde),
# the public authorities come first, in this order.
_AUTHORITY_KINDS = (
    OrganisationKind.KREISFREIE_STADT,
    OrganisationKind.LANDKREIS,
    OrganisationKind.VERBANDSGEMEINDE,
    OrganisationKind.STADT,
    OrganisationKind.GEMEINDE,
)

_LEVEL_OF_REGION = {
    RegionLevel.LAND: ResponsibleLevel.LAND,
    RegionLevel.REGIERUNGSBEZIRK: ResponsibleLevel.LAND,
    RegionLevel.KREIS: ResponsibleLevel.KREIS,
    RegionLevel.GEMEINDEVERBAND: ResponsibleLevel.VERBAND,
    RegionLevel.GEMEINDE: ResponsibleLevel.GEMEINDE,
}


@dataclass(frozen=True)
class Authority:
    """Name and contact of the responsible authority as citizens see it."""

    name: str
    address: str
    email: str
    phone: str
    # The address in parts, for the vCard ("Ins Adressbuch exportieren").
    street: str = ""
    postcode: str = ""
    city: str = ""


@dataclass(frozen=True)
class Responsibility:
    level: ResponsibleLevel
    source: ResponsibilitySource
    reason: str
    gemeinde: Region
    # The unit whose administration is responsible; None for federal authorities.
    region: Region | None
    # Set when `region` is a Gemeinde whose Verbandsgemeinde runs its administration.
    administered_by: Region | None
    organisation: Organisation | None
    activation: ServiceActivation | None
    authority: Authority

    @property
    def is_member(self) -> bool:
        return self.organisation is not None

    @property
    def online(self) -> bool:
        return self.activation is not None and self.activation.is_active

    @property
    def level_label(self) -> str:
        return str(self.level.label)


def leistung_typisierung_codes(ozg_leistung: OzgLeistung) -> list[str]:
    """All Typisierung codes stated on the current LeiKa rows of the Leistung."""
    rows = LeikaAssignment.objects.filter(ozg_leistung=ozg_leistung, is_current=True)
    return [code for codes in rows.values_list("typisierung_codes", flat=True) for code in codes]


def _current_typisierung_codes() -> dict[str, list[str]]:
    """Typisierung codes of every current OZG-Leistung's current LeiKa rows (one query)."""
    codes: dict[str, list[str]] = {
        ozg_id: []
        for ozg_id in OzgLeistung.objects.filter(is_current=True).values_list("ozg_id", flat=True)
    }
    rows = LeikaAssignment.objects.filter(is_current=True, ozg_leistung__is_current=True)
    for ozg_id, row_codes in rows.values_list("ozg_id", "typisierung_codes"):
        codes.setdefault(ozg_id, []).extend(row_codes)
    return codes


def responsible_levels() -> dict[str, ResponsibleLevel]:
    """The level of every current OZG-Leistung without regional overrides (two queries)."""
    return {
        ozg_id: responsibility.level_for(ozg_id, codes)[0]
        for ozg_id, codes in _current_typisierung_codes().items()
    }


def _rank_authorities(candidates) -> Organisation | None:
    ranked = sorted(
        candidates,
        key=lambda o: (_AUTHORITY_KINDS.index(o.kind) if o.kind in _AUTHORITY_KINDS else 99, o.pk),
    )
    return ranked[0] if ranked else None


def leistungen_in_charge(organisation: Organisation) -> dict[str, ResponsibleLevel]:
    """The current OZG-Leistungen `organisation` executes for at least one Gemeinde, with the
    level, decided exactly as `responsible_authority` decides for the service pages (regional
    override, rule file, Typisierung; Land and Bund are never a member), but in a handful of
    queries: the Gemeinden of its area and those whose override names it are checked."""
    ars = organisation.region_ars
    if not ars or organisation.is_cooperative:
        return {}
    gemeinden = list(
        regions_with_ancestors().filter(
            level=RegionLevel.GEMEINDE, is_current=True, ars__startswith=ars[:2]
        )
    )
    chains = [region_hierarchy(g) for g in gemeinden]
    keys = {unit.ars for chain in chains for unit in chain.values() if unit is not None}
    overrides: dict[str, dict[str, ResponsibilityOverride]] = {}
    for row in ResponsibilityOverride.objects.filter(region_ars__in=keys).select_related(
        "ozg_leistung"
    ):
        overrides.setdefault(row.ozg_leistung.ozg_id, {})[row.region_ars] = row
    named_by_override = {
        row.region_ars
        for rows in overrides.values()
        for row in rows.values()
        if row.organisation_ars == ars
    }
    override_regions = {
        region.ars: region
        for region in Region.objects.filter(
            ars__in={r.organisation_ars for rows in overrides.values() for r in rows.values()}
        )
    }
    organisations: dict[str, list[Organisation]] = {}
    for candidate in Organisation.objects.filter(
        region_ars__in=keys, is_active=True, is_cooperative=False
    ):
        organisations.setdefault(candidate.region_ars, []).append(candidate)

    def member_for(region: Region) -> Organisation | None:
        return _rank_authorities(organisations.get(region.ars, ()))

    relevant = []
    for chain in chains:
        chain_keys = [
            chain[name].ars
            for name in ("gemeinde", "verband", "kreis", "regierungsbezirk", "land")
            if chain[name] is not None
        ]
        if ars in chain_keys or named_by_override & set(chain_keys):
            relevant.append((chain, chain_keys))
    found: dict[str, ResponsibleLevel] = {}
    for ozg_id, codes in _current_typisierung_codes().items():
        here = overrides.get(ozg_id, {})
        for chain, chain_keys in relevant:
            override = next((here[key] for key in chain_keys if key in here), None)
            level, _source, _reason, region = _decide_level_and_unit(
                ozg_id,
                chain,
                override,
                override_region=(
                    override_regions.get(override.organisation_ars) if override else None
                ),
                typisierung_codes=lambda codes=codes: codes,
            )
            if level in (ResponsibleLevel.LAND, ResponsibleLevel.BUND):
                if not here:
                    break  # the same for every Gemeinde without an override
                continue
            responsible, _administered = _organisation_for_unit(region, chain, member_for)
            if responsible is not None and responsible.pk == organisation.pk:
                found[ozg_id] = level
                break
    return found


def _override_for(ozg_leistung: OzgLeistung, chain: dict) -> ResponsibilityOverride | None:
    # Most specific unit first; a kreisfreie Stadt repeats its key, which is harmless.
    keys = [
        unit.ars
        for name in ("gemeinde", "verband", "kreis", "regierungsbezirk", "land")
        if (unit := chain[name]) is not None
    ]
    found = {
        o.region_ars: o
        for o in ResponsibilityOverride.objects.filter(
            ozg_leistung=ozg_leistung, region_ars__in=keys
        )
    }
    return next((found[key] for key in keys if key in found), None)


def _unit_for_level(level: ResponsibleLevel, chain: dict) -> Region | None:
    gemeinde, verband = chain["gemeinde"], chain["verband"]
    if level == ResponsibleLevel.GEMEINDE:
        return gemeinde
    if level == ResponsibleLevel.VERBAND:
        if verband is not None and verband.kind == RegionKind.VERBANDSGEMEINDE:
            return verband
        return gemeinde
    if level == ResponsibleLevel.KREIS:
        return chain["kreis"] or gemeinde  # Berlin, Hamburg: no Kreis, the city does it
    if level == ResponsibleLevel.LAND:
        return chain["land"]
    return None


def member_organisation_for(region: Region) -> Organisation | None:
    """The active member organisation whose region key is that of `region`."""
    return _rank_authorities(
        Organisation.objects.filter(region_ars=region.ars, is_active=True, is_cooperative=False)
    )


def published_activation_get(
    *, organisation: Organisation, ozg_leistung: OzgLeistung
) -> ServiceActivation | None:
    """The member's activation of a Leistung, as published to citizens.

    Reads one tenant's row from a page of another (or no) tenant: what a member offers and
    its contact for it are public by purpose, so the scope is narrowed to that one member.
    """
    with scope(tenant=organisation):
        return ServiceActivation.objects.filter(ozg_leistung=ozg_leistung).first()


def authority_name(region: Region) -> str:
    """ "Magdeburg, Landeshauptstadt" -> "Landeshauptstadt Magdeburg", a bare Landkreis,
    Verbandsgemeinde or Gemeinde name gets its type in front."""
    if region.level == RegionLevel.LAND:
        return _("Land %(name)s (Landesbehörde)") % {"name": region.name}
    if ", " in region.name:
        base, title = region.name.rsplit(", ", 1)
        return f"{title} {base}"
    prefix = {
        RegionKind.LANDKREIS: _("Landkreis"),
        RegionKind.VERBANDSGEMEINDE: _("Verbandsgemeinde"),
        RegionKind.KREISANGEHOERIGE_GEMEINDE: _("Gemeinde"),
    }.get(region.kind)
    if prefix and "kreis" not in region.name.lower():
        return f"{prefix} {region.name}"
    return region.name


def _seat_address(region: Region) -> str:
    postcode, seat_name = _seat(region)
    return _("Verwaltungssitz: %(place)s") % {"place": f"{postcode} {seat_name}".strip()}


def _seat(region: Region) -> tuple[str, str]:
    """Postcode and name of the seat of the region's administration."""
    postcode = region.postcode_of_seat
    if not postcode and region.seat:
        seat = (
            Region.objects.filter(
                level=RegionLevel.GEMEINDE,
                ars__startswith=region.ars[:5]
                if region.level == RegionLevel.KREIS
                else region.ars[:9],
                name__startswith=region.seat.split(",")[0],
                is_current=True,
            )
            .exclude(postcode_of_seat="")
            .first()
        )
        postcode = seat.postcode_of_seat if seat else ""
    return postcode, region.seat or region.name.split(",")[0]


def _authority(
    region: Region | None,
    organisation: Organisation | None,
    activation: ServiceActivation | None,
    administered_by: Region | None,
) -> Authority:
    if organisation is not None:
        street_city = [organisation.street, f"{organisation.postcode} {organisation.city}".strip()]
        return Authority(
            name=organisation.name,
            address=", ".join(part for part in street_city if part),
            email=(activation and activation.contact_email) or organisation.email,
            phone=(activation and activation.contact_phone) or organisation.phone,
            street=organisation.street,
            postcode=organisation.postcode,
            city=organisation.city,
        )
    if region is None:
        return Authority(name=_("Bundesbehörde"), address="", email="", phone="")
    office = administered_by or region
    name = authority_name(region)
    if administered_by is not None:
        name = _("%(gemeinde)s, verwaltet durch %(verband)s") % {
            "gemeinde": name,
            "verband": authority_name(administered_by),
        }
    if region.level == RegionLevel.LAND:
        return Authority(name=name, address="", email="", phone="")
    postcode, seat_name = _seat(office)
    return Authority(
        name=name,
        address=_("Verwaltungssitz: %(place)s") % {"place": f"{postcode} {seat_name}".strip()},
        email="",
        phone="",
        postcode=postcode,
        city=seat_name,
    )


def _decide_level_and_unit(
    ozg_id: str,
    chain: dict,
    override: ResponsibilityOverride | None,
    *,
    override_region: Region | None,
    typisierung_codes: Callable[[], list[str]],
) -> tuple[ResponsibleLevel, ResponsibilitySource, str, Region | None]:
    """The one decision of who executes a Leistung at a place: regional override (a unit,
    or a level), else the rule file, else the Typisierung. Shared by `responsible_authority`
    (service pages, submit) and `leistungen_in_charge` (OZG progress)."""
    if override is not None and override.organisation_ars and override_region is not None:
        return (
            _LEVEL_OF_REGION[override_region.level],
            ResponsibilitySource.OVERRIDE,
            override.reason,
            override_region,
        )
    if override is not None and override.level:
        level = ResponsibleLevel(override.level)
        source, reason = ResponsibilitySource.OVERRIDE, override.reason
    else:
        level, source, reason = responsibility.level_for(ozg_id, typisierung_codes())
    return level, source, reason, _unit_for_level(level, chain)


def _organisation_for_unit(
    region: Region | None, chain: dict, member_for: Callable[[Region], Organisation | None]
) -> tuple[Organisation | None, Region | None]:
    """The member organisation that executes for `region` and the Verbandsgemeinde that runs
    a Gemeinde's administration (None when it does not)."""
    organisation = member_for(region) if region is not None else None
    administered_by = None
    verband = chain["verband"]
    if (
        region is not None
        and region.level == RegionLevel.GEMEINDE
        and verband is not None
        and verband.kind == ADMINISTERING_VERBAND_KIND
    ):
        administered_by = verband
        if organisation is None:
            organisation = member_for(verband)
    return organisation, administered_by


def responsible_authority(*, ozg_leistung: OzgLeistung, gemeinde: Region) -> Responsibility:
    """Who executes `ozg_leistung` for people living in `gemeinde`, and whether it is
    offered on the platform there. Order: regional override, rule file, Typisierung.

    Load `gemeinde` with its ancestors (`regions.selectors.region_get`, `gemeinden_for_postcode`).
    """
    chain = region_hierarchy(gemeinde)
    override = _override_for(ozg_leistung, chain)
    if override is not None and override.organisation_ars:
        region = region_get(ars=override.organisation_ars)
    else:
        region = None
    level, source, reason, region = _decide_level_and_unit(
        ozg_leistung.ozg_id,
        chain,
        override,
        override_region=region,
        typisierung_codes=lambda: leistung_typisierung_codes(ozg_leistung),
    )
    organisation, administered_by = _organisation_for_unit(region, chain, member_organisation_for)
    if level in (ResponsibleLevel.LAND, ResponsibleLevel.BUND):
        organisation = None  # Land and Bund are not members of a municipal cooperative
    activation = (
        published_activation_get(organisation=organisation, ozg_leistung=ozg_leistung)
        if organisation is not None
        else None
    )
    return Responsibility(
        level=level,
        source=source,
        reason=reason,
        gemeinde=gemeinde,
        region=region,
        administered_by=administered_by,
        organisation=organisation,
        activation=activation,
        authority=_authority(region, organisation, activation, administered_by),
    )


def responsible_authority_cached(*, ozg_leistung: OzgLeistung, gemeinde: Region) -> Responsibility:
    """`responsible_authority`, kept in the read cache (ADR 0014) while the catalogue and its
    overrides, the regions and the members (their data, the services they offer) are
    unchanged: what the journey's start and submit check before their transactions."""
    return cached_read(
        "responsible_authority",
        (ozg_leistung.pk, gemeinde.pk, get_language()),
        topics=(Topic.CATALOG, Topic.REGIONS, Topic.ORGANISATIONS),
        compute=lambda: responsible_authority(ozg_leistung=ozg_leistung, gemeinde=gemeinde),
    )


def responsibilities_published(
    *, ozg_leistung: OzgLeistung, postcode: str | None = None, ars: str | None = None
) -> list[Responsibility]:
    """Who is responsible for `ozg_leistung` in each current Gemeinde of `postcode` (by name),
    or in the Gemeinde with the key `ars`, as the public service page and API show it; empty
    for an unknown place. Cached until the catalogue, the regions or a member (its data, the
    services it offers) change; the submit decides with `responsible_authority` itself,
    inside its transaction."""

    def compute() -> list[Responsibility]:
        if postcode is not None:
            gemeinden = gemeinden_for_postcode(postcode=postcode)
        else:
            gemeinden = list(regions_with_ancestors().filter(ars=ars, level=RegionLevel.GEMEINDE))
        return [responsible_authority(ozg_leistung=ozg_leistung, gemeinde=g) for g in gemeinden]

    return cached_read(
        "responsibilities",
        (ozg_leistung.ozg_id, postcode, ars),
        topics=(Topic.CATALOG, Topic.REGIONS, Topic.ORGANISATIONS),
        compute=compute,
    )


# --- the visitor's place: their Gemeinde and what is online there ----------------------


@dataclass(frozen=True)
class LocalAuthority:
    """The administration of a Gemeinde as citizens meet it: the Gemeinde itself, or the
    Verbandsgemeinde that runs its administration; `organisation` when it is a member."""

    gemeinde: Region
    administered_by: Region | None
    organisation: Organisation | None
    authority: Authority

    @property
    def is_member(self) -> bool:
        return self.organisation is not None


def local_authority(*, gemeinde: Region) -> LocalAuthority:
    """ "Ihre Gemeinde": who runs the administration of `gemeinde`, with its contact (the
    member's own data where it is a member, else the official seat). Load `gemeinde` with its
    ancestors (`regions.selectors.gemeinden_for_postcode`)."""
    verband = region_hierarchy(gemeinde)["verband"]
    administered_by = (
        verband if verband is not None and verband.kind == ADMINISTERING_VERBAND_KIND else None
    )
    organisation = member_organisation_for(gemeinde)
    if organisation is None and administered_by is not None:
        organisation = member_organisation_for(administered_by)
    return LocalAuthority(
        gemeinde=gemeinde,
        administered_by=administered_by,
        organisation=organisation,
        authority=_authority(gemeinde, organisation, None, administered_by),
    )


@dataclass(frozen=True)
class OnlineOffer:
    leistung: OzgLeistung
    responsibility: Responsibility


def online_services_for_place(*, gemeinde: Region) -> list[OnlineOffer]:
    """The Leistungen that people living in `gemeinde` can really apply for online here: the
    responsible authority (`responsible_authority`) is a member, offers the Leistung and has a
    way to apply (the platform's form or its own link); by name. Cached like
    `responsibilities_published`."""

    def compute() -> list[OnlineOffer]:
        chain = region_hierarchy(gemeinde)
        keys = {unit.ars for unit in chain.values() if unit is not None}
        keys |= set(
            ResponsibilityOverride.objects.filter(region_ars__in=keys)
            .exclude(organisation_ars="")
            .values_list("organisation_ars", flat=True)
        )
        members = Organisation.objects.filter(
            region_ars__in=keys, is_active=True, is_cooperative=False
        )
        # What these members offer is public by purpose (see `published_activation_get`).
        with scope(tenants=members):
            offered = {
                activation.ozg_leistung
                for activation in ServiceActivation.objects.filter(
                    is_active=True, ozg_leistung__is_current=True
                ).select_related("ozg_leistung__themenfeld")
            }
        found = []
        for leistung in sorted(offered, key=lambda o: (o.name.lower(), o.ozg_id)):
            result = responsible_authority(ozg_leistung=leistung, gemeinde=gemeinde)
            if not result.online:
                continue
            way = application_way(ozg_leistung=leistung, start_url=result.activation.start_url)
            if way.kind is not None:
                found.append(OnlineOffer(leistung=leistung, responsibility=result))
        return found

    return cached_read(
        "online_services_for_place",
        (gemeinde.ars, get_language()),
        topics=(Topic.CATALOG, Topic.REGIONS, Topic.ORGANISATIONS),
        compute=compute,
    )


def organisation_levels(organisation: Organisation) -> set[ResponsibleLevel]:
    """The levels whose Leistungen the organisation executes, from its region key."""
    levels: set[ResponsibleLevel] = set()
    if not organisation.region_ars:
        return levels
    for region in Region.objects.filter(ars=organisation.region_ars).select_related("parent"):
        if region.level == RegionLevel.KREIS:
            levels.add(ResponsibleLevel.KREIS)
        elif region.level == RegionLevel.GEMEINDEVERBAND:
            levels.add(ResponsibleLevel.VERBAND)
            if region.kind == ADMINISTERING_VERBAND_KIND:
                levels.add(ResponsibleLevel.GEMEINDE)
        elif region.level == RegionLevel.GEMEINDE:
            levels.add(ResponsibleLevel.GEMEINDE)
            if region.parent is None or region.parent.kind != ADMINISTERING_VERBAND_KIND:
                levels.add(ResponsibleLevel.VERBAND)
        elif region.level == RegionLevel.LAND:
            levels.add(ResponsibleLevel.LAND)
    return levels


# --- cross-tenant: which members offer what (cooperative staff only) ---------------------


def activation_counts_per_leistung_across_members() -> QuerySet[OzgLeistung]:
    """Current OZG-Leistungen offered by at least one member, with `member_count`.

    Crosses tenants on purpose (the cooperative's overview); call only for cooperative staff.
    """
    # The join into ServiceActivation bypasses its scoped manager: this is the named read.
    return (
        OzgLeistung.objects.filter(is_current=True)
        .annotate(
            member_count=Count(
                "activations",
                filter=Q(
                    activations__is_active=True,
                    activations__tenant__is_active=True,
                    activations__tenant__is_cooperative=False,
                ),
            )
        )
        .filter(member_count__gt=0)
    )


def activation_counts_per_member_across_members() -> QuerySet[Organisation]:
    """Active members with `active_count`, the number of Leistungen they offer online.

    Crosses tenants on purpose (the cooperative's overview); call only for cooperative staff.
    """
    # The join into ServiceActivation bypasses its scoped manager: this is the named read.
    return Organisation.objects.filter(is_active=True, is_cooperative=False).annotate(
        active_count=Count("service_activations", filter=Q(service_activations__is_active=True))
    )
