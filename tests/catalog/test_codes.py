"""Single-value parsers: LeiKa key, OZG-ID, booleans, Typisierung, Lage kind."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openkommune.catalog import codes
from openkommune.catalog.constants import (
    LEBENSLAGEN,
    UNTERNEHMENSLAGEN,
    LageKind,
    TypisierungCode,
)

VALID_KEY = re.compile(r"99[0-9]{12}")
KNOWN_CODES = TypisierungCode.values


@given(st.from_regex(r"\A99[0-9]{12}\Z"))
def test_every_well_formed_key_is_accepted_unchanged(key):
    assert codes.is_valid_leika_key(key)
    assert codes.parse_leika_key(key) == key


@given(st.text())
def test_any_other_text_is_rejected(value):
    if VALID_KEY.fullmatch(value) and value.isascii():
        return
    assert not codes.is_valid_leika_key(value)
    with pytest.raises(ValueError, match="LeiKa-Schlüssel"):
        codes.parse_leika_key(value)


@given(st.integers(min_value=1, max_value=40).filter(lambda n: n != 14), st.data())
def test_digit_strings_of_the_wrong_length_are_rejected(length, data):
    rest = max(length - 2, 0)
    value = "99"[:length] + data.draw(st.text(alphabet="0123456789", min_size=rest, max_size=rest))
    with pytest.raises(ValueError, match=f"hat {len(value)} statt 14 Ziffern"):
        codes.parse_leika_key(value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("9910201300000", "hat 13 statt 14 Ziffern"),
        ("991020130000000", "hat 15 statt 14 Ziffern"),
        ("99102013A00000", "andere Zeichen als Ziffern"),
        ("99102013 00000", "andere Zeichen als Ziffern"),
        ("٩٩102013000000", "andere Zeichen als Ziffern"),  # Arabic-Indic digits
        ("12102013000000", "beginnt nicht mit 99"),
    ],
)
def test_bad_keys_say_what_is_wrong(value, problem):
    with pytest.raises(ValueError, match=problem):
        codes.parse_leika_key(value)


def test_key_parts_and_urn():
    assert codes.leika_key_parts("99102013000000") == {
        "gruppierung": "102",
        "kennung": "013",
        "verrichtung": "000",
        "verrichtungsdetail": "000",
    }
    assert codes.leika_urn("99102013000000") == "urn:de:fim:leika:leistung:99102013000000"


@given(st.from_regex(r"\A[0-9]{5}\Z"))
def test_five_digit_ozg_ids_are_accepted(value):
    assert codes.parse_ozg_id(value) == value


@pytest.mark.parametrize("value", ["1016", "101600", "1O160", "", " 10160", "١٠١٦٠"])
def test_other_ozg_ids_are_rejected(value):
    with pytest.raises(ValueError, match="OZG-ID"):
        codes.parse_ozg_id(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("True", True),
        ("False", False),
        ("true", True),
        ("FALSE", False),
        ("ja", True),
        ("0", False),
    ],
)
def test_booleans_in_the_file_spelling(value, expected):
    assert codes.parse_bool(value) is expected


@pytest.mark.parametrize("value", ["", "vielleicht", "Tru", "2"])
def test_other_booleans_are_rejected_not_guessed(value):
    with pytest.raises(ValueError, match="Wahrheitswert"):
        codes.parse_bool(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2/3", ["2/3"]),
        ("1", ["1"]),
        ("1, 2/3", ["1", "2/3"]),
        ("1, 2", ["1", "2"]),
        ("6", ["6"]),
        ("", []),
        ("  ", []),
    ],
)
def test_every_typisierung_value_of_the_release_parses(value, expected):
    assert codes.parse_typisierung(value) == expected


separators = st.sampled_from([",", ", ", " ,", " , "])


@given(st.lists(st.sampled_from(KNOWN_CODES), min_size=1, max_size=5), separators)
def test_typisierung_round_trip(codes_list, separator):
    assert codes.parse_typisierung(separator.join(codes_list)) == codes_list


@given(
    st.lists(st.sampled_from(KNOWN_CODES), max_size=3),
    st.text(min_size=1).filter(
        lambda t: t.strip() and t.strip() not in KNOWN_CODES and "," not in t
    ),
    st.integers(min_value=0, max_value=3),
)
def test_an_unknown_code_anywhere_is_an_error(known, unknown, position):
    parts = [*known]
    parts.insert(min(position, len(parts)), unknown)
    with pytest.raises(ValueError, match="Typisierung"):
        codes.parse_typisierung(", ".join(parts))


@pytest.mark.parametrize("value", ["7", "3/4", "1,,2", "1, ", "Typ 4"])
def test_unknown_typisierung_values_are_errors(value):
    with pytest.raises(ValueError, match="Unbekannte Typisierung"):
        codes.parse_typisierung(value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1", "Regelung: Bund; Vollzug: Bund"),
        ("2/3", "Regelung: Bund; Vollzug: Land oder Kommune"),
        ("2", "Regelung: Bund; Vollzug: Land oder Kommune"),
        ("4", "Regelung: Land; Vollzug: Land oder Kommune"),
        ("5", "Regelung: Kommune; Vollzug: Kommune"),
        ("1, 2/3", "Regelung: Bund; Vollzug: Bund, Land oder Kommune"),
        ("2/3, 1", "Regelung: Bund; Vollzug: Bund, Land oder Kommune"),
        ("6", "Typ 6: nicht erläutert"),
        ("4, 6", "Regelung: Land; Vollzug: Land oder Kommune; Typ 6: nicht erläutert"),
        ("", "keine Angabe"),
    ],
)
def test_typisierung_in_words(value, words):
    assert codes.describe_typisierung(codes.parse_typisierung(value)) == words


@given(st.lists(st.sampled_from(KNOWN_CODES), max_size=6))
def test_every_code_combination_can_be_described(codes_list):
    words = codes.describe_typisierung(codes_list)
    assert words
    if set(codes_list) - {"6"}:
        assert words.startswith("Regelung: ")
    assert codes.executed_by_kommune(codes_list) == any(
        c in {"2", "3", "2/3", "4", "5"} for c in codes_list
    )


def test_lage_kind_comes_from_the_reviewed_lists():
    assert codes.classify_lage("Tierhaltung") == LageKind.LEBENSLAGE
    assert codes.classify_lage("Arbeitgeber sein") == LageKind.UNTERNEHMENSLAGE
    assert codes.classify_lage("Querschnitt Unternehmen") == LageKind.UNTERNEHMENSLAGE
    assert codes.classify_lage("aaaaabbbbb") == LageKind.UNBEKANNT
    # exact names only: a near miss is reviewed, not guessed
    assert codes.classify_lage("tierhaltung") == LageKind.UNBEKANNT
    assert not LEBENSLAGEN & UNTERNEHMENSLAGEN


def test_legal_bases_become_names_with_links():
    from openkommune.catalog.codes import legal_bases

    text = (
        "§ 49 Kreislaufwirtschaftsgesetz [http://www.gesetze-im-internet.de/krwg/__49.html], "
        "§ 23 Nachweisverordnung [https://www.gesetze-im-internet.de/nachwv_2007/__23.html]"
    )
    assert legal_bases(text) == [
        ("§ 49 Kreislaufwirtschaftsgesetz", "http://www.gesetze-im-internet.de/krwg/__49.html"),
        ("§ 23 Nachweisverordnung", "https://www.gesetze-im-internet.de/nachwv_2007/__23.html"),
    ]
    assert legal_bases("") == []
    assert legal_bases("Satzung der Gemeinde") == [("Satzung der Gemeinde", "")]
    # An address without scheme gets https; anything else that is no web address is text.
    assert legal_bases("GBZugV [www.gesetze-im-internet.de/gbzugv_2011/]") == [
        ("GBZugV", "https://www.gesetze-im-internet.de/gbzugv_2011/")
    ]
    assert legal_bases("X [javascript:alert(1)], Y") == [("X [javascript:alert(1)]", ""), ("Y", "")]
    assert legal_bases("[https://example.org/a]") == [("example.org/a", "https://example.org/a")]
