"""Factories for a small hand-made key hierarchy, independent of the imported real data.

Keys use Land "99", which no real Land has, so they never collide with the session import.
"""

import datetime

import factory

from openkommune.regions.constants import RegionKind, RegionLevel
from openkommune.regions.models import PostcodeArea, Region

GEBIETSSTAND = datetime.date(2025, 11, 30)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    level = RegionLevel.LAND
    ars = factory.Sequence(lambda n: f"99{n:010d}")
    land_code = factory.LazyAttribute(lambda region: region.ars[:2])
    name = factory.Sequence(lambda n: f"Testgebiet {n}")
    gebietsstand = GEBIETSSTAND

    class Params:
        land = factory.Trait(level=RegionLevel.LAND, ars="990000000000", name="Testland")
        regierungsbezirk = factory.Trait(level=RegionLevel.REGIERUNGSBEZIRK, ars="991000000000")
        landkreis = factory.Trait(
            level=RegionLevel.KREIS, kind=RegionKind.LANDKREIS, ars="991010000000"
        )
        verbandsgemeinde = factory.Trait(
            level=RegionLevel.GEMEINDEVERBAND,
            kind=RegionKind.VERBANDSGEMEINDE,
            ars="991015001000",
        )
        gemeinde = factory.Trait(
            level=RegionLevel.GEMEINDE,
            kind=RegionKind.KREISANGEHOERIGE_GEMEINDE,
            ars="991015001001",
            ags="99101001",
            population=1234,
            population_male=600,
            area_ha=2550,
        )


class PostcodeAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostcodeArea

    postcode = "00099"  # no real postcode starts with 00
    gemeinde = factory.SubFactory(RegionFactory, gemeinde=True)
    locality = factory.LazyAttribute(lambda area: area.gemeinde.name)


def build_test_hierarchy() -> dict[str, Region]:
    """Land -> Regierungsbezirk -> Landkreis -> Verbandsgemeinde -> Gemeinde, keys under 99."""
    land = RegionFactory(land=True)
    regierungsbezirk = RegionFactory(regierungsbezirk=True, parent=land)
    kreis = RegionFactory(landkreis=True, parent=regierungsbezirk)
    verband = RegionFactory(verbandsgemeinde=True, parent=kreis)
    gemeinde = RegionFactory(gemeinde=True, parent=verband, name="Testdorf")
    return {
        "land": land,
        "regierungsbezirk": regierungsbezirk,
        "kreis": kreis,
        "verband": verband,
        "gemeinde": gemeinde,
    }
