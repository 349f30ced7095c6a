"""Coverage, membership over time, OZG progress, charts, exports and the API of reports."""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from openkommune.catalog import selectors as catalog_selectors
from openkommune.catalog.models import OzgLeistung, ResponsibilityOverride, ServiceActivation
from openkommune.members.models import CooperativeMember, MembershipPeriod
from openkommune.regions.constants import RegionKind, RegionLevel
from openkommune.regions.models import Region
from openkommune.regions.selectors import region_get
from openkommune.reports import charts, selectors
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.scoping import scopes_disabled
from tests.tenancy.factories import OrganisationFactory

GV100AD = Path(settings.DATA_DIR) / "gv100ad-gemeindeverzeichnis" / "sachsen-anhalt_gemeinden.csv"
ANHALT_BITTERFELD = "150820000000"
MAGDEBURG = "150030000000"
D = datetime.date


def official_gemeinden() -> list[dict]:
    with GV100AD.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


JOINED = datetime.date(2020, 1, 1)


def make_member(ars, kind, joined=JOINED, left=None):
    organisation = OrganisationFactory(region_ars=ars, kind=kind, is_demo=False)
    member = CooperativeMember.objects.create(organisation=organisation)
    MembershipPeriod.objects.create(member=member, joined_on=joined, left_on=left)
    return organisation


# --- coverage ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_landkreis_member_covers_exactly_its_gemeinden_and_population():
    make_member(ANHALT_BITTERFELD, OrganisationKind.LANDKREIS)
    rows = official_gemeinden()
    in_kreis = [r for r in rows if r["kreis_schluessel"] == "15082"]
    expected_population = sum(int(r["bevoelkerung"]) for r in in_kreis)
    expected_area = sum(Decimal(r["flaeche_km2"]) for r in in_kreis)

    result = selectors.coverage(as_of=D(2024, 6, 1))

    assert result.land.gemeinden.covered == len(in_kreis)
    assert result.land.gemeinden.total == len(rows)
    assert result.land.population.covered == expected_population
    assert result.land.population.total == sum(int(r["bevoelkerung"]) for r in rows)
    assert result.land.area_km2.covered == expected_area
    kreis = {k.ars: k for k in result.by_kreis}
    assert kreis[ANHALT_BITTERFELD].gemeinden.covered == kreis[ANHALT_BITTERFELD].gemeinden.total
    assert kreis[ANHALT_BITTERFELD].population.share == 1.0
    assert all(k.population.covered == 0 for a, k in kreis.items() if a != ANHALT_BITTERFELD)


@pytest.mark.django_db
def test_verbandsgemeinde_member_covers_exactly_its_gemeinden():
    verband = (
        Region.objects.filter(
            land_code="15", level=RegionLevel.GEMEINDEVERBAND, kind=RegionKind.VERBANDSGEMEINDE
        )
        .order_by("ars")
        .first()
    )
    make_member(verband.ars, OrganisationKind.VERBANDSGEMEINDE)
    rows = [r for r in official_gemeinden() if r["verband_schluessel_9"] == verband.ars[:9]]
    assert len(rows) > 1

    result = selectors.coverage(as_of=D(2024, 6, 1))

    assert result.land.gemeinden.covered == len(rows)
    assert result.land.population.covered == sum(int(r["bevoelkerung"]) for r in rows)


@pytest.mark.django_db
def test_kreisfreie_stadt_covers_itself_and_a_company_covers_nothing():
    make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT)
    make_member(MAGDEBURG, OrganisationKind.KOMMUNALES_UNTERNEHMEN)
    row = next(r for r in official_gemeinden() if r["ars"] == MAGDEBURG)

    result = selectors.coverage(as_of=D(2024, 6, 1))

    assert result.land.gemeinden.covered == 1
    assert result.land.population.covered == int(row["bevoelkerung"])
    assert result.member_count == 2


@pytest.mark.django_db
def test_coverage_as_of_respects_join_and_leave_dates():
    make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT, D(2020, 1, 1), D(2022, 12, 31))
    assert selectors.coverage(as_of=D(2019, 12, 31)).land.gemeinden.covered == 0
    assert selectors.coverage(as_of=D(2020, 1, 1)).land.gemeinden.covered == 1
    assert selectors.coverage(as_of=D(2022, 12, 30)).land.gemeinden.covered == 1
    assert selectors.coverage(as_of=D(2022, 12, 31)).land.gemeinden.covered == 0


# --- membership over time ----------------------------------------------------------------


@pytest.mark.django_db
def test_membership_counts_per_year_and_kind_from_periods():
    make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT, D(2009, 12, 22))
    make_member(ANHALT_BITTERFELD, OrganisationKind.LANDKREIS, D(2010, 3, 1), D(2011, 6, 1))
    make_member("", OrganisationKind.KOMMUNALES_UNTERNEHMEN, D(2011, 1, 1))

    years = selectors.membership_over_time(today=D(2013, 5, 1))

    assert [(y.label, y.total) for y in years] == [
        ("2009", 1),
        ("2010", 2),
        ("2011", 2),
        ("2012", 2),
        ("aktuell", 2),
    ]
    assert years[1].by_kind == {"kreisfreie_stadt": 1, "landkreis": 1}
    assert years[2].by_kind == {"kreisfreie_stadt": 1, "kommunales_unternehmen": 1}


def test_published_counts_keep_fuzzy_dates_as_text(tmp_path):
    path = tmp_path / "zeitreihe.csv"
    path.write_text(
        "zeitpunkt,mitglieder,angabe,quelle_url\n"
        "2009-12-22,3,Gründung,https://a.example\n"
        "ca. 2013,30,Zerbst,https://b.example\n"
        "2015-Q3,37,Interview,\n"
        "2019-09,74,Feier,https://c.example\n"
        "undatiert,x,kaputt,\n",
        encoding="utf-8",
    )
    counts = selectors.published_member_counts(path)
    assert [(c.published_as, c.day, c.members) for c in counts] == [
        ("2009-12-22", D(2009, 12, 22), 3),
        ("ca. 2013", None, 30),
        ("2015-Q3", None, 37),
        ("2019-09", D(2019, 9, 1), 74),
    ]
    by_year = selectors.published_count_by_year(counts)
    assert sorted(by_year) == [2009, 2019]


def test_published_counts_from_the_shared_file():
    counts = selectors.published_member_counts()
    dated = {c.day: c.members for c in counts if c.day}
    assert dated[D(2009, 12, 22)] == 3
    assert dated[D(2022, 10, 1)] == 100
    assert "undatiert" in [c.published_as for c in counts]


# --- OZG progress ------------------------------------------------------------------------


@pytest.mark.django_db
def test_ozg_progress_of_a_landkreis_counts_kreis_leistungen_and_reifegrad():
    organisation = make_member(ANHALT_BITTERFELD, OrganisationKind.LANDKREIS)
    kfz = OzgLeistung.objects.get(ozg_id="10439")  # rule: kreis
    hund = OzgLeistung.objects.get(ozg_id="10160")  # rule: gemeinde
    bau = OzgLeistung.objects.get(ozg_id="10519")  # rule: kreis
    fuehrerschein = OzgLeistung.objects.get(ozg_id="10169")  # rule: kreis
    with scopes_disabled():
        ServiceActivation.objects.create(
            tenant=organisation, ozg_leistung=kfz, is_active=True, start_url="https://kfz.example"
        )
        # Active, but neither a platform form nor a link: citizens cannot apply online.
        ServiceActivation.objects.create(tenant=organisation, ozg_leistung=bau, is_active=True)
        ServiceActivation.objects.create(tenant=organisation, ozg_leistung=hund, is_active=True)
    form_title = {"10169": "Führerschein beantragen"}
    catalog_selectors.register_platform_form_finder(
        finder := lambda leistung: form_title.get(leistung.ozg_id)
    )
    try:
        with scopes_disabled():
            ServiceActivation.objects.create(
                tenant=organisation, ozg_leistung=fuehrerschein, is_active=True
            )
        progress = selectors.ozg_progress(member_org=organisation)
    finally:
        catalog_selectors._platform_form_finders.remove(finder)

    services = {s.ozg_id: s for s in progress.services}
    assert "10439" in services
    assert "10160" not in services
    assert services["10439"].reifegrad == 2  # its own online form, linked
    assert services["10439"].online
    assert services["10169"].reifegrad == 3  # the platform's form
    assert services["10169"].online
    assert services["10519"].reifegrad == 1
    assert not services["10519"].online
    assert progress.online == 2
    assert progress.by_reifegrad[0] == 0
    assert progress.by_reifegrad[3] == 1
    assert progress.by_reifegrad[2] == 1
    assert sum(progress.by_reifegrad.values()) == progress.must
    assert sum(row.must for row in progress.by_themenfeld) == progress.must


@pytest.mark.django_db
def test_ozg_progress_uses_the_service_pages_responsibility_for_every_leistung():
    """Magdeburg (kreisfreie Stadt, one Gemeinde): the progress counts a Leistung exactly
    when the service page names Magdeburg as the responsible authority there."""
    stadt = make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT)
    gemeinde = region_get(ars=MAGDEBURG, level=RegionLevel.GEMEINDE)
    progress = selectors.ozg_progress(member_org=stadt)
    counted = {s.ozg_id for s in progress.services}
    expected = {
        leistung.ozg_id
        for leistung in OzgLeistung.objects.filter(is_current=True)
        if catalog_selectors.responsible_authority(
            ozg_leistung=leistung, gemeinde=gemeinde
        ).organisation
        == stadt
    }
    assert counted == expected
    assert len(counted) > 100
    # Finanzamt, Familienkasse, Hochschulzulassung: never a member's Leistung.
    assert not {"10077", "10005", "10061"} & counted


@pytest.mark.django_db
def test_ozg_progress_follows_a_regional_override():
    kreis = make_member(ANHALT_BITTERFELD, OrganisationKind.LANDKREIS)
    hund = OzgLeistung.objects.get(ozg_id="10160")  # rule: gemeinde
    kfz = OzgLeistung.objects.get(ozg_id="10439")  # rule: kreis
    before = {s.ozg_id for s in selectors.ozg_progress(member_org=kreis).services}
    assert "10160" not in before
    assert "10439" in before
    some_gemeinde = Region.objects.filter(
        level=RegionLevel.GEMEINDE, is_current=True, ars__startswith="15082"
    ).first()
    # One Gemeinde of the Kreis has the Kreis run the Hundesteuer (an invented exception);
    # the whole Kreis hands vehicle registration to the Land (also invented).
    ResponsibilityOverride.objects.create(
        region_ars=some_gemeinde.ars, ozg_leistung=hund, level="kreis", reason="Testfall"
    )
    ResponsibilityOverride.objects.create(
        region_ars=ANHALT_BITTERFELD, ozg_leistung=kfz, level="land", reason="Testfall"
    )
    after = {s.ozg_id for s in selectors.ozg_progress(member_org=kreis).services}
    assert after == (before | {"10160"}) - {"10439"}


@pytest.mark.django_db
def test_ozg_overview_ranks_members_by_share_online():
    kreis = make_member(ANHALT_BITTERFELD, OrganisationKind.LANDKREIS)
    stadt = make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT)
    make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT, D(2000, 1, 1), D(2001, 1, 1))
    with scopes_disabled():
        ServiceActivation.objects.create(
            tenant=kreis,
            ozg_leistung=OzgLeistung.objects.get(ozg_id="10439"),
            is_active=True,
            start_url="https://kfz.example",
        )
    with scopes_disabled():
        ServiceActivation.objects.create(
            tenant=stadt,
            ozg_leistung=OzgLeistung.objects.get(ozg_id="10519"),
            is_active=True,  # no way to apply: not online
        )
    overview = selectors.ozg_progress_overview(today=D(2024, 1, 1))
    assert [m.organisation for m in overview.members] == [kreis, stadt]
    assert overview.online == 1
    assert overview.must == sum(m.must for m in overview.members)
    assert overview.members[1].must > overview.members[0].must  # a city has all local levels


# --- charts and exports ------------------------------------------------------------------


def test_horizontal_chart_has_values_escaped_labels_and_accessible_name():
    svg = charts.horizontal_bar_chart(
        chart_id="c",
        title="Titel <b>",
        labels=["A & B", "<script>"],
        values=[50, 12.5],
        maximum=100,
        unit=" %",
    )
    assert 'role="img"' in svg
    assert 'aria-labelledby="c-titel c-beschreibung"' in svg
    assert '<title id="c-titel">Titel &lt;b&gt;</title>' in svg
    assert "A &amp; B" in svg
    assert "&lt;script&gt;" in svg
    assert "<script>" not in svg
    assert "50 %" in svg
    assert "12,5 %" in svg


def test_vertical_chart_groups_series_and_skips_missing_values():
    svg = charts.vertical_bar_chart(
        chart_id="v",
        title="T",
        categories=["2009", "2010"],
        series=[charts.Series("Register", (1, 2)), charts.Series("veröffentlicht", (3, None))],
    )
    assert svg.count("<rect") == 2 + 3  # legend squares + three bars
    assert "veröffentlicht" in svg


def test_vertical_chart_of_one_year_is_not_drawn_tall_and_keeps_its_legend():
    """Issue 19: the report's year chart of a single year was 84 units wide and so, scaled to
    the page, 3,700 px tall with a cut legend."""
    import re

    name = "Bündelungsersparnis (nur bestellte Rundenabrufe)"
    svg = charts.vertical_bar_chart(
        chart_id="j",
        title="T",
        categories=["2026"],
        series=[charts.Series("Ausgaben", (1000.0,)), charts.Series(name, (240.0,))],
    )
    width, height = map(float, re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    assert width >= charts.MIN_WIDTH
    assert height / width < 0.6  # at most 0.6 times as tall as the page is wide
    assert width >= 8 + 20 + len(name) * 7.5  # the longest legend entry fits


def test_charts_without_data_say_so():
    svg = charts.horizontal_bar_chart(chart_id="e", title="T", labels=[], values=[])
    assert "Keine Daten vorhanden." in svg
    assert 'role="img"' in svg
    assert "Leer" in charts.vertical_bar_chart(
        chart_id="f", title="T", categories=[], series=[], empty_message="Leer"
    )
