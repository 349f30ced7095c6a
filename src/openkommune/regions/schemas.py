"""Response schemas of /api/v1/regions."""

from datetime import date

from ninja import Field, Schema


class RegionRefOut(Schema):
    ars: str = Field(description="Amtlicher Regionalschlüssel, zwölf Ziffern")
    name: str
    level: str = Field(description="land, regierungsbezirk, kreis, gemeindeverband, gemeinde")
    kind: str = Field(description="Textkennzeichen des GV100AD, z. B. 44 (Landkreis)")
    kind_label: str


class GemeindeOut(Schema):
    ags: str = Field(description="Amtlicher Gemeindeschlüssel, acht Ziffern")
    ars: str
    name: str
    level: str
    kind: str
    kind_label: str
    population: int | None = Field(description="Einwohner laut GV100AD")
    area_km2: float | None
    verband: RegionRefOut | None = Field(
        description="Gemeindeverband (Verbandsgemeinde, Amt …); null bei verbandsfreien Gemeinden"
    )
    kreis: RegionRefOut | None
    land: RegionRefOut


class ResolveOut(Schema):
    postcode: str
    items: list[GemeindeOut]


class RegionCountsOut(Schema):
    """Current units below a region, and population and area summed over its Gemeinden."""

    land: int
    regierungsbezirk: int
    kreis: int
    gemeindeverband: int
    gemeinde: int
    population: int
    area_ha: int


class RegionDetailOut(Schema):
    ars: str
    ags: str
    name: str
    level: str
    level_label: str
    kind: str
    kind_label: str
    seat: str
    population: int | None
    population_male: int | None
    area_km2: float | None
    postcode_of_seat: str
    has_several_postcodes: bool
    gebietsstand: date
    is_current: bool
    parents: list[RegionRefOut] = Field(description="Übergeordnete Einheiten, vom Land abwärts")
    same_ars_levels: list[str] = Field(description="Alle Ebenen mit diesem Schlüssel")
    children_count: int | None = Field(description="Unmittelbar untergeordnete Einheiten")
    counts: RegionCountsOut | None
