import pytest

from openkommune.regions import selectors
from openkommune.regions.constants import RegionKind, RegionLevel
from openkommune.regions.models import Region
from tests.regions.factories import PostcodeAreaFactory, RegionFactory, build_test_hierarchy

pytestmark = pytest.mark.django_db


def test_hierarchy_of_a_gemeinde_in_a_land_without_regierungsbezirke(django_assert_num_queries):
    with django_assert_num_queries(1):
        koethen = selectors.region_get(ars="150820180180")
        chain = selectors.region_hierarchy(koethen)
    assert chain["gemeinde"] == koethen
    assert chain["verband"].name == "Köthen (Anhalt), Stadt"
    assert chain["verband"].kind == "50"
    assert chain["kreis"].name == "Anhalt-Bitterfeld"
    assert chain["regierungsbezirk"] is None
    assert chain["land"].name == "Sachsen-Anhalt"


def test_hierarchy_with_regierungsbezirk_and_verband(django_assert_num_queries):
    # Gemeinde Aying in Landkreis München, Regierungsbezirk Oberbayern.
    with django_assert_num_queries(1):
        [aying] = [
            g
            for g in selectors.gemeinden_for_postcode(postcode="85653")
            if g.name.startswith("Aying")
        ]
        chain = selectors.region_hierarchy(aying)
    assert chain["regierungsbezirk"].name == "Oberbayern"
    assert chain["kreis"].name == "München"
    assert chain["land"].name == "Bayern"


def test_hierarchy_of_a_kreis_has_no_lower_levels():
    chain = selectors.region_hierarchy(selectors.region_get(ars="150820000000"))
    assert chain["kreis"].name == "Anhalt-Bitterfeld"
    assert chain["verband"] is None
    assert chain["gemeinde"] is None


def test_hierarchy_from_factories():
    units = build_test_hierarchy()
    chain = selectors.region_hierarchy(selectors.region_get(ars="991015001001"))
    assert chain == units


def test_postcode_spanning_several_gemeinden_is_sorted_by_name(django_assert_num_queries):
    with django_assert_num_queries(1):
        gemeinden = selectors.gemeinden_for_postcode(postcode="38489")
        chains = [selectors.region_hierarchy(g) for g in gemeinden]
    assert [g.name for g in gemeinden] == ["Beetzendorf", "Jübar", "Rohrberg"]
    assert {c["verband"].name for c in chains} == {"Beetzendorf-Diesdorf"}
    assert {c["verband"].kind for c in chains} == {"53"}


def test_postcode_lookup_ignores_units_no_longer_current():
    area = PostcodeAreaFactory(postcode="00098", gemeinde__is_current=False)
    assert selectors.gemeinden_for_postcode(postcode="00098") == []
    area.gemeinde.is_current = True
    area.gemeinde.save()
    assert selectors.gemeinden_for_postcode(postcode="00098") == [area.gemeinde]


def test_unknown_postcode_gives_nothing():
    assert selectors.gemeinden_for_postcode(postcode="00000") == []


def test_shared_ars_resolves_to_the_most_general_level_unless_a_level_is_given():
    assert selectors.region_get(ars="150030000000").level == RegionLevel.KREIS
    assert selectors.region_get(ars="110000000000").level == RegionLevel.LAND
    gemeinde = selectors.region_get(ars="150030000000", level=RegionLevel.GEMEINDE)
    assert gemeinde.ags == "15003000"
    assert selectors.region_levels_for_ars(ars="150030000000") == [
        "kreis",
        "gemeindeverband",
        "gemeinde",
    ]


def test_unknown_ars_raises_does_not_exist():
    with pytest.raises(Region.DoesNotExist):
        selectors.region_get(ars="159990000000")
    with pytest.raises(Region.DoesNotExist):
        selectors.region_get(ars="150820000000", level=RegionLevel.GEMEINDE)


def test_children_and_descendants_of_a_kreis():
    kreis = selectors.region_get(ars="150820000000")
    verbaende = list(selectors.region_children(region=kreis))
    assert {v.level for v in verbaende} == {"gemeindeverband"}
    assert len(verbaende) == 10
    assert [v.name for v in verbaende] == sorted(v.name for v in verbaende)
    gemeinden = selectors.region_descendants(region=kreis, level=RegionLevel.GEMEINDE)
    assert gemeinden.count() == 10  # Anhalt-Bitterfeld: 10 verbandsfreie Gemeinden
    assert not selectors.region_descendants(region=kreis, level=RegionLevel.LAND).exists()


def test_children_can_be_filtered_by_level():
    bayern = selectors.region_get(ars="090000000000")
    assert selectors.region_children(region=bayern, level=RegionLevel.REGIERUNGSBEZIRK).count() == 7
    assert not selectors.region_children(region=bayern, level=RegionLevel.KREIS).exists()


def test_counts_within_a_region_exclude_the_region_and_non_current_units():
    kreis = selectors.region_get(ars="150810000000")  # Altmarkkreis Salzwedel
    counts = selectors.region_counts(within=kreis)
    assert counts["kreis"] == 0
    assert counts["gemeindeverband"] == 6
    assert counts["gemeinde"] == 13
    gone = Region.objects.get(ags="15081455", level=RegionLevel.GEMEINDE)
    population = counts["population"]
    Region.objects.filter(pk=gone.pk).update(is_current=False)
    after = selectors.region_counts(within=kreis)
    assert after["gemeinde"] == 12
    assert after["population"] == population - gone.population


def test_counts_of_an_empty_selection_are_zero():
    counts = selectors.region_counts(land_code="99")
    assert counts == dict.fromkeys(
        [
            "land",
            "regierungsbezirk",
            "kreis",
            "gemeindeverband",
            "gemeinde",
            "population",
            "area_ha",
        ],
        0,
    )
    RegionFactory(land=True)
    assert selectors.region_counts(land_code="99")["land"] == 1


def test_official_name_puts_the_title_first_and_prefixes_bare_names():
    assert selectors.official_name(Region(name="Magdeburg, Landeshauptstadt")) == (
        "Landeshauptstadt Magdeburg",
        "Magdeburg",
    )
    assert selectors.official_name(Region(name="Harz", kind=RegionKind.LANDKREIS)) == (
        "Landkreis Harz",
        "Harz",
    )
    assert selectors.official_name(Region(name="Salzlandkreis", kind=RegionKind.LANDKREIS)) == (
        "Salzlandkreis",
        "Salzlandkreis",
    )


def test_cached_lookups_last_until_cleared_or_expired(monkeypatch, django_assert_num_queries):
    """The submit's region look-ups: one query, then none until the cache is cleared (an
    import does) or `REGION_CACHE_SECONDS` have passed; a missing region is not kept."""
    ars = "150030000000"  # Magdeburg
    with django_assert_num_queries(1):
        first = selectors.region_get_cached(ars=ars, level=RegionLevel.GEMEINDE)
        assert selectors.region_get_cached(ars=ars, level=RegionLevel.GEMEINDE) is first
    assert [g.ars for g in selectors.gemeinden_for_postcode_cached(postcode="39104")] == [ars]
    Region.objects.filter(pk=first.pk).update(name="Umbenannt")
    with django_assert_num_queries(0):
        assert selectors.region_get_cached(ars=ars, level=RegionLevel.GEMEINDE).name == first.name
    later = selectors.time.monotonic() + selectors.REGION_CACHE_SECONDS + 1
    monkeypatch.setattr(selectors.time, "monotonic", lambda: later)
    assert selectors.region_get_cached(ars=ars, level=RegionLevel.GEMEINDE).name == "Umbenannt"
    Region.objects.filter(pk=first.pk).update(name="Wieder anders")
    selectors.regions_cache_clear()
    assert selectors.region_get_cached(ars=ars, level=RegionLevel.GEMEINDE).name == "Wieder anders"
    for _attempt in range(2):
        with django_assert_num_queries(1), pytest.raises(Region.DoesNotExist):
            selectors.region_get_cached(ars="159999999999", level=RegionLevel.GEMEINDE)
