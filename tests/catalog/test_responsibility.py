"""Responsibility rules on real Saxony-Anhalt regions: rule file, Typisierung default,
regional overrides and the walk to the member organisation."""

import pytest

from openkommune.catalog import responsibility
from openkommune.catalog.constants import ResponsibilitySource, ResponsibleLevel
from openkommune.catalog.models import OzgLeistung, ResponsibilityOverride
from openkommune.catalog.responsibility import (
    ResponsibilityRulesError,
    level_from_typisierung,
    parse_rules,
)
from openkommune.catalog.selectors import (
    organisation_levels,
    responsible_authority,
    responsible_levels,
)
from openkommune.regions.constants import RegionLevel
from openkommune.regions.selectors import region_get
from openkommune.tenancy.constants import OrganisationKind
from tests.catalog.responsibility_helpers import (
    ANHALT_BITTERFELD_ARS,
    BAUGENEHMIGUNG,
    HUNDEHALTUNG,
    KFZ,
    MAGDEBURG_ARS,
    MELDEWESEN,
    leistung,
    member,
    only_gemeinde,
    verbandsgemeinde_member,
)

pytestmark = pytest.mark.django_db


# --- the rules file ------------------------------------------------------------------------


def test_shipped_rules_parse_and_name_existing_leistungen():
    rules = responsibility.load_rules()
    assert rules[HUNDEHALTUNG].level == ResponsibleLevel.GEMEINDE
    assert rules[MELDEWESEN].level == ResponsibleLevel.VERBAND
    assert rules[KFZ].level == ResponsibleLevel.KREIS
    assert all(rule.reason for rule in rules.values())
    known = set(OzgLeistung.objects.filter(ozg_id__in=rules).values_list("ozg_id", flat=True))
    assert known == set(rules)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("10160 gemeinde", "drei Spalten"),
        ("1016 gemeinde Grund", "keine OZG-ID"),
        ("10160 stadt Grund", "unbekannte Ebene „stadt“"),
    ],
)
def test_malformed_line_names_file_and_line(line, problem):
    text = "# Kopf\n\n10124 verband Meldebehörde\n" + line + "\n"
    with pytest.raises(ResponsibilityRulesError) as error:
        parse_rules(text, source="responsibility.txt")
    assert "responsibility.txt, Zeile 4" in str(error.value)
    assert problem in str(error.value)


def test_duplicate_ozg_id_is_an_error_naming_both_lines():
    with pytest.raises(ResponsibilityRulesError, match=r"Zeile 2: .*schon in Zeile 1"):
        parse_rules("10160 gemeinde a\n10160 kreis b\n", source="f.txt")


@pytest.mark.parametrize(
    ("codes", "level", "source"),
    [
        (["5"], ResponsibleLevel.GEMEINDE, ResponsibilitySource.TYPISIERUNG),
        (["5", "4"], ResponsibleLevel.KREIS, ResponsibilitySource.TYPISIERUNG),
        (["2/3"], ResponsibleLevel.KREIS, ResponsibilitySource.TYPISIERUNG),
        (["1"], ResponsibleLevel.BUND, ResponsibilitySource.TYPISIERUNG),
        (["1", "5"], ResponsibleLevel.GEMEINDE, ResponsibilitySource.TYPISIERUNG),
        ([], ResponsibleLevel.KREIS, ResponsibilitySource.FALLBACK),
        (["6"], ResponsibleLevel.KREIS, ResponsibilitySource.FALLBACK),
    ],
)
def test_level_from_typisierung(codes, level, source):
    assert level_from_typisierung(codes) == (level, source)


def test_rule_beats_typisierung_and_every_leistung_gets_a_level():
    levels = responsible_levels()
    assert len(levels) == OzgLeistung.objects.filter(is_current=True).count()
    assert levels[HUNDEHALTUNG] == ResponsibleLevel.GEMEINDE
    assert levels[BAUGENEHMIGUNG] == ResponsibleLevel.KREIS


# --- on real places ------------------------------------------------------------------------


def test_gemeinde_task_in_a_verbandsgemeinde_goes_to_the_gemeinde_administered_by_verband():
    gemeinde, verband = verbandsgemeinde_member()
    result = responsible_authority(ozg_leistung=leistung(HUNDEHALTUNG), gemeinde=gemeinde)
    assert result.level == ResponsibleLevel.GEMEINDE
    assert result.source == ResponsibilitySource.RULE
    assert result.region == gemeinde
    assert result.administered_by == verband
    assert not result.is_member
    assert verband.name in result.authority.name

    # The Verbandsgemeinde runs the administration of its Mitgliedsgemeinden: a member
    # Verbandsgemeinde is found for a Gemeinde task of a Gemeinde that is no member itself.
    organisation = member(verband.ars, kind=OrganisationKind.VERBANDSGEMEINDE)
    result = responsible_authority(ozg_leistung=leistung(HUNDEHALTUNG), gemeinde=gemeinde)
    assert result.organisation == organisation
    assert result.is_member


def test_own_member_gemeinde_in_a_verbandsgemeinde_comes_first():
    gemeinde, verband = verbandsgemeinde_member()
    member(verband.ars, kind=OrganisationKind.VERBANDSGEMEINDE)
    own = member(gemeinde.ars)
    result = responsible_authority(ozg_leistung=leistung(HUNDEHALTUNG), gemeinde=gemeinde)
    assert result.organisation == own


def test_verband_task_goes_to_the_verbandsgemeinde():
    gemeinde, verband = verbandsgemeinde_member()
    result = responsible_authority(ozg_leistung=leistung(MELDEWESEN), gemeinde=gemeinde)
    assert result.level == ResponsibleLevel.VERBAND
    assert result.region == verband
    assert result.administered_by is None


def test_verband_task_in_a_verbandsfreie_gemeinde_goes_to_the_gemeinde():
    koethen = only_gemeinde("06366")
    assert koethen.ars.startswith("15082")
    result = responsible_authority(ozg_leistung=leistung(MELDEWESEN), gemeinde=koethen)
    assert result.region == koethen
    assert result.region.level == RegionLevel.GEMEINDE


def test_kreis_task_in_a_landkreis():
    koethen = only_gemeinde("06366")
    landkreis = member(ANHALT_BITTERFELD_ARS, kind=OrganisationKind.LANDKREIS)
    member(koethen.ars, kind=OrganisationKind.STADT)  # a member, but not for Kreis tasks
    result = responsible_authority(ozg_leistung=leistung(KFZ), gemeinde=koethen)
    assert result.level == ResponsibleLevel.KREIS
    assert result.region.ars == ANHALT_BITTERFELD_ARS
    assert result.organisation == landkreis
    assert result.authority.name == landkreis.name


def test_kreis_task_in_a_kreisfreie_stadt():
    magdeburg_gemeinde = only_gemeinde("39104")
    assert magdeburg_gemeinde.ars == MAGDEBURG_ARS
    stadt = member(
        MAGDEBURG_ARS,
        kind=OrganisationKind.KREISFREIE_STADT,
        name="Landeshauptstadt Magdeburg",
        email="info@magdeburg.example.org",
        phone="0391 540-0",
    )
    result = responsible_authority(ozg_leistung=leistung(KFZ), gemeinde=magdeburg_gemeinde)
    assert result.region.level == RegionLevel.KREIS
    assert result.organisation == stadt
    assert result.authority.email == "info@magdeburg.example.org"
    # ... and a Gemeinde task there goes to the same city.
    result = responsible_authority(ozg_leistung=leistung(HUNDEHALTUNG), gemeinde=magdeburg_gemeinde)
    assert result.organisation == stadt


def test_non_member_authority_is_named_from_the_region_data():
    koethen = only_gemeinde("06366")
    result = responsible_authority(ozg_leistung=leistung(KFZ), gemeinde=koethen)
    assert not result.is_member
    assert result.organisation is None
    assert not result.online
    assert result.authority.name == "Landkreis Anhalt-Bitterfeld"
    kreis = region_get(ars=ANHALT_BITTERFELD_ARS, level=RegionLevel.KREIS)
    assert kreis.seat.split(",")[0] in result.authority.address


def test_override_beats_the_rule():
    koethen = only_gemeinde("06366")
    member(ANHALT_BITTERFELD_ARS, kind=OrganisationKind.LANDKREIS)
    stadt = member(koethen.ars, kind=OrganisationKind.STADT)
    ResponsibilityOverride.objects.create(
        region_ars=koethen.ars,
        ozg_leistung=leistung(BAUGENEHMIGUNG),
        level=ResponsibleLevel.GEMEINDE,
        reason="Test: die Stadt ist untere Bauaufsichtsbehörde.",
    )
    result = responsible_authority(ozg_leistung=leistung(BAUGENEHMIGUNG), gemeinde=koethen)
    assert result.source == ResponsibilitySource.OVERRIDE
    assert result.region == koethen
    assert result.organisation == stadt
    # Other Gemeinden of the Kreis keep the rule.
    other = responsible_authority(
        ozg_leistung=leistung(BAUGENEHMIGUNG), gemeinde=only_gemeinde("06749")
    )
    assert other.region.ars == ANHALT_BITTERFELD_ARS


def test_override_naming_an_organisation_at_kreis_level_applies_to_its_gemeinden():
    koethen = only_gemeinde("06366")
    stadt = member(koethen.ars, kind=OrganisationKind.STADT)
    ResponsibilityOverride.objects.create(
        region_ars=ANHALT_BITTERFELD_ARS,
        ozg_leistung=leistung(MELDEWESEN),
        organisation_ars=koethen.ars,
        reason="Test: gemeinsames Bürgeramt.",
    )
    result = responsible_authority(
        ozg_leistung=leistung(MELDEWESEN), gemeinde=only_gemeinde("06749")
    )
    assert result.region.ars == koethen.ars
    assert result.organisation == stadt


def test_bund_level_is_never_a_member():
    magdeburg = only_gemeinde("39104")
    member(MAGDEBURG_ARS, kind=OrganisationKind.KREISFREIE_STADT)
    ResponsibilityOverride.objects.create(
        region_ars="150000000000",
        ozg_leistung=leistung(KFZ),
        level=ResponsibleLevel.BUND,
        reason="Test",
    )
    result = responsible_authority(ozg_leistung=leistung(KFZ), gemeinde=magdeburg)
    assert result.level == ResponsibleLevel.BUND
    assert result.authority.name == "Bundesbehörde"
    assert not result.is_member


def test_organisation_levels():
    gemeinde, verband = verbandsgemeinde_member()
    assert organisation_levels(member(MAGDEBURG_ARS)) == {
        ResponsibleLevel.KREIS,
        ResponsibleLevel.VERBAND,
        ResponsibleLevel.GEMEINDE,
    }
    assert organisation_levels(member(ANHALT_BITTERFELD_ARS)) == {ResponsibleLevel.KREIS}
    assert organisation_levels(member(verband.ars)) == {
        ResponsibleLevel.VERBAND,
        ResponsibleLevel.GEMEINDE,
    }
    assert organisation_levels(member(gemeinde.ars)) == {ResponsibleLevel.GEMEINDE}
