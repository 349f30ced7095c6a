"""The GV100AD and postcode parsers on the real file, on damaged copies and on generated input."""

import io
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkommune.core.errors import OfficialFileError
from openkommune.regions.constants import RegionLevel
from openkommune.regions.gv100ad import (
    RECORD_LENGTH,
    RegionRecord,
    parse_gv100ad,
    parse_postcodes,
    parse_record,
)
from tests.regions.samples import (
    REAL_GV100AD,
    REAL_POSTCODES,
    line_of,
    real_lines,
    saxony_anhalt_lines,
    with_field,
)


def parse_text(lines: list[str], name: str = "GV100AD_test.txt"):
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    return parse_gv100ad(io.BytesIO(data), file_name=name)


@pytest.fixture(scope="module")
def real():
    with REAL_GV100AD.open("rb") as handle:
        return parse_gv100ad(handle, file_name=REAL_GV100AD.name)


def by_key(data, ars, level) -> RegionRecord:
    return next(r for r in data.records if r.ars == ars and r.level == level)


def test_real_file_has_every_level_and_skips_bw_planning_regions(real):
    levels = Counter(record.level for record in real.records)
    assert levels == {
        RegionLevel.LAND: 16,
        RegionLevel.REGIERUNGSBEZIRK: 29,
        RegionLevel.KREIS: 400,
        RegionLevel.GEMEINDEVERBAND: 4590,
        RegionLevel.GEMEINDE: 10953,
    }
    assert real.skipped == {"30": 12}
    assert real.lines == 16000
    assert real.gebietsstand == date(2025, 11, 30)


def test_real_saxony_anhalt_matches_the_published_totals(real):
    saxony_anhalt = [r for r in real.records if r.land_code == "15"]
    levels = Counter(record.level for record in saxony_anhalt)
    assert levels[RegionLevel.GEMEINDE] == 218
    assert levels[RegionLevel.GEMEINDEVERBAND] == 122
    assert levels[RegionLevel.KREIS] == 14
    kreis_kinds = Counter(r.kind for r in saxony_anhalt if r.level == RegionLevel.KREIS)
    assert kreis_kinds == {"41": 3, "44": 11}
    assert sum(r.population for r in saxony_anhalt if r.level == RegionLevel.GEMEINDE) == 2_135_597


def test_gemeinde_fields_and_keys(real):
    magdeburg = by_key(real, "150030000000", RegionLevel.GEMEINDE)
    assert magdeburg.ags == "15003000"
    assert magdeburg.name == "Magdeburg, Landeshauptstadt"
    assert magdeburg.kind == "61"
    assert magdeburg.population == 244_329
    assert magdeburg.population_male == 121_201
    assert magdeburg.area_ha == 20_168
    assert magdeburg.postcode_of_seat == "39104"
    assert magdeburg.has_several_postcodes is True
    assert (magdeburg.parent_ars, magdeburg.parent_level) == ("150030000000", "gemeindeverband")

    # ARS = Land+RB+Kreis, then the Verband (4), then the Gemeinde (3): not the AGS order.
    koethen = next(r for r in real.records if r.ags == "15082180")
    assert koethen.ars == "150820180180"
    assert koethen.name == "Köthen (Anhalt), Stadt"
    assert (koethen.parent_ars, koethen.parent_level) == ("150820180000", "gemeindeverband")


def test_parent_rules_for_kreise_and_verbaende(real):
    anhalt_bitterfeld = by_key(real, "150820000000", RegionLevel.KREIS)
    assert anhalt_bitterfeld.name == "Anhalt-Bitterfeld"
    assert anhalt_bitterfeld.seat == "Köthen (Anhalt)"
    assert anhalt_bitterfeld.kind == "44"
    # Sachsen-Anhalt has no Regierungsbezirke: the Kreis hangs on the Land.
    assert (anhalt_bitterfeld.parent_ars, anhalt_bitterfeld.parent_level) == (
        "150000000000",
        "land",
    )
    # Bayern has them: München (Landkreis, 09184) belongs to Oberbayern (091).
    landkreis_muenchen = by_key(real, "091840000000", RegionLevel.KREIS)
    assert (landkreis_muenchen.parent_ars, landkreis_muenchen.parent_level) == (
        "091000000000",
        "regierungsbezirk",
    )
    # The German-Luxembourg condominium lies in no Kreis (key 07000): its Verband hangs on RP.
    condominium = by_key(real, "070009999000", RegionLevel.GEMEINDEVERBAND)
    assert (condominium.parent_ars, condominium.parent_level) == ("070000000000", "land")
    # Berlin is Land, Kreis, Verband and Gemeinde under one padded key.
    berlin = [r for r in real.records if r.ars == "110000000000"]
    assert sorted(r.level for r in berlin) == sorted(
        ["land", "kreis", "gemeindeverband", "gemeinde"]
    )


# --- damaged files: each error names the file and the right line ---------------------------


def damaged(index: int, replacement: str) -> list[str]:
    lines = saxony_anhalt_lines()
    lines[index] = replacement
    return lines


def assert_error(lines_or_bytes, line: int, *fragments: str, name: str = "GV100AD_kaputt.txt"):
    if isinstance(lines_or_bytes, bytes):
        source = io.BytesIO(lines_or_bytes)
    else:
        source = io.BytesIO("".join(f"{x}\n" for x in lines_or_bytes).encode("utf-8"))
    with pytest.raises(OfficialFileError) as caught:
        parse_gv100ad(source, file_name=name)
    error = caught.value
    assert error.line == line
    assert str(error).startswith(f"{name}, Zeile {line}: ")
    for fragment in fragments:
        assert fragment in error.message
    return error


def test_truncated_line():
    lines = saxony_anhalt_lines()
    assert_error(damaged(16, lines[16][:180]), 17, "180 statt 220 Zeichen", "abgeschnitten")


def test_overlong_line():
    lines = saxony_anhalt_lines()
    assert_error(damaged(3, lines[3] + "X"), 4, "221 statt 220 Zeichen")


def test_latin1_umlaut_is_reported_with_its_line():
    lines = saxony_anhalt_lines()
    index = next(i for i, line in enumerate(lines) if "ö" in line)
    data = b"".join(
        line.encode("latin-1" if i == index else "utf-8") + b"\n" for i, line in enumerate(lines)
    )
    assert_error(data, index + 1, "UTF-8", "0xF6")


def test_non_digit_key():
    lines = saxony_anhalt_lines()
    assert_error(damaged(9, with_field(lines[9], 13, 15, "8X")), 10, "Kreis", "8X")


def test_unknown_record_type():
    lines = saxony_anhalt_lines()
    assert_error(damaged(5, "70" + lines[5][2:]), 6, "Unbekannte Satzart", "70")


@pytest.mark.parametrize("bad_date", ["20251131", "2025113A", "00000000"])
def test_bad_gebietsstand(bad_date):
    lines = saxony_anhalt_lines()
    assert_error(damaged(7, lines[7][:2] + bad_date + lines[7][10:]), 8, "Gebietsstand", bad_date)


def test_non_numeric_population():
    lines = saxony_anhalt_lines()
    index = next(i for i, line in enumerate(lines) if line.startswith("60"))
    broken = lines[index][:139] + "    12 345 " + lines[index][150:]
    assert_error(damaged(index, broken), index + 1, "Bevölkerung")


def test_missing_parent_is_an_error():
    lines = [line for line in saxony_anhalt_lines() if not line.startswith("40")]
    error = assert_error(lines, 2, "Übergeordnete Einheit")
    assert "150010000000" in error.message


def test_duplicate_key_is_an_error():
    lines = saxony_anhalt_lines()
    assert_error([*lines, lines[-1]], len(lines) + 1, "doppelt", f"Zeile {len(lines)}")


def test_empty_line_inside_the_file_is_an_error_but_a_final_newline_is_not():
    lines = saxony_anhalt_lines()
    assert_error([*lines[:4], "", *lines[4:]], 5, "Leere Zeile")
    assert len(parse_text([*lines, ""]).records) == len(lines)


def test_windows_line_ends_and_byte_order_mark_are_accepted():
    lines = saxony_anhalt_lines()
    data = b"\xef\xbb\xbf" + "".join(f"{line}\r\n" for line in lines).encode("utf-8")
    assert len(parse_gv100ad(io.BytesIO(data), file_name="x").records) == len(lines)


# --- generated input -----------------------------------------------------------------------

NAME_CHARS = st.characters(
    codec="utf-8", categories=("Lu", "Ll", "Nd", "Zs"), exclude_characters="\r\n\x85\u2028\u2029"
)


def gemeinde_line(**f) -> str:
    """Format a type-60 record from fields, following the published layout."""
    line = (
        "60"
        + f["stand"].strftime("%Y%m%d")
        + f["land"]
        + f["rb"]
        + f["kreis"]
        + f["gemeinde"]
        + f["verband"]
        + f["name"].ljust(50)
        + " " * 50
        + f["kind"]
        + " " * 4
        + f"{f['area']:011d}{f['population']:011d}{f['male']:011d}"
        + " " * 4
        + f["plz"].ljust(5)
        + ("*****" if f["several"] else "     ")
    )
    return line.ljust(RECORD_LENGTH)


def official_error_or_none(call) -> OfficialFileError | None:
    """Run `call`; an OfficialFileError is returned, any other exception fails the test."""
    try:
        call()
    except OfficialFileError as error:
        return error
    return None


digits = lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)  # noqa: E731


@given(
    stand=st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
    land=digits(2),
    rb=digits(1),
    kreis=digits(2),
    gemeinde=digits(3),
    verband=digits(4),
    name=st.text(NAME_CHARS, min_size=1, max_size=50).filter(lambda s: s.strip() == s and s),
    kind=st.sampled_from(["60", "61", "63", "64", "66", "67"]),
    area=st.integers(0, 10**11 - 1),
    population=st.integers(0, 10**11 - 1),
    male=st.integers(0, 10**11 - 1),
    plz=st.one_of(st.just(""), digits(5)),
    several=st.booleans(),
)
@settings(max_examples=300)
def test_gemeinde_record_round_trip(**fields):
    record = parse_record(gemeinde_line(**fields), line=1, file_name="x")
    assert record.level == RegionLevel.GEMEINDE
    assert record.gebietsstand == fields["stand"]
    assert record.ags == fields["land"] + fields["rb"] + fields["kreis"] + fields["gemeinde"]
    key5 = fields["land"] + fields["rb"] + fields["kreis"]
    assert record.ars == key5 + fields["verband"] + fields["gemeinde"]
    assert record.parent_candidates == ((key5 + fields["verband"] + "000", "gemeindeverband"),)
    assert record.name == fields["name"]
    assert record.kind == fields["kind"]
    assert (record.area_ha, record.population, record.population_male) == (
        fields["area"],
        fields["population"],
        fields["male"],
    )
    assert record.postcode_of_seat == fields["plz"]
    assert record.has_several_postcodes == fields["several"]


@given(st.lists(st.binary(max_size=260), max_size=6))
@settings(max_examples=300)
def test_garbage_bytes_raise_only_official_file_errors(chunks):
    data = b"\n".join(chunks)
    error = official_error_or_none(lambda: parse_gv100ad(io.BytesIO(data), file_name="garbage.txt"))
    if error is not None:
        assert error.path == "garbage.txt"
        assert error.line is None or error.line >= 1


@given(
    record_type=st.sampled_from(["10", "20", "30", "40", "50", "60"]),
    body=st.text(
        st.characters(codec="utf-8", exclude_characters="\r\n"), min_size=218, max_size=218
    ),
)
@settings(max_examples=300)
def test_random_records_of_known_types_raise_only_official_file_errors(record_type, body):
    # Right length and type, arbitrary content: exercises every field check.
    error = official_error_or_none(
        lambda: parse_record(record_type + body, line=3, file_name="x.txt")
    )
    assert error is None or error.line == 3


@given(
    start=st.integers(0, RECORD_LENGTH - 1),
    junk=st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), min_size=1, max_size=12),
)
@settings(max_examples=300)
def test_damaging_a_real_record_raises_only_official_file_errors(start, junk):
    original = line_of("60", "15003")
    damaged_line = (original[:start] + junk + original[start + len(junk) :])[:RECORD_LENGTH]
    error = official_error_or_none(lambda: parse_record(damaged_line, line=9, file_name="x.txt"))
    assert error is None or error.line == 9


# --- postcode list -------------------------------------------------------------------------


def test_real_postcode_list_parses():
    rows = parse_postcodes(REAL_POSTCODES.read_bytes(), file_name=REAL_POSTCODES.name)
    assert len(rows) == 12871
    magdeburg = [r for r in rows if r.postcode == "39104"]
    assert [(r.ags, r.locality) for r in magdeburg] == [("15003000", "Magdeburg")]
    assert rows[0].line == 2


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        (b"osm_id,ags,ort,plz\n1,15003000,Magdeburg,3910\n", 2, "nicht fünf Ziffern"),
        (b"osm_id,ags,ort,plz\n1,15003000,Magdeburg,39104\n2,1500300,X,39104\n", 3, "acht Ziffern"),
        (b"osm_id,ags,ort,plz\n1,15082180,K\xf6then,06366\n", 2, "UTF-8"),
        (b"osm_id,gemeinde,ort,plz\n", 1, "ags"),
    ],
)
def test_bad_postcode_lists(content, line, fragment):
    with pytest.raises(OfficialFileError) as caught:
        parse_postcodes(content, file_name="plz.csv")
    assert caught.value.line == line
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"plz.csv, Zeile {line}: ")


def test_real_lines_are_all_220_characters():
    assert {len(line) for line in real_lines()} == {RECORD_LENGTH}
