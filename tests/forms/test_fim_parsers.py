"""Property-based tests of the small FIM parsers: cardinality, Präzisierung, XSD patterns,
slugs. Each must either give a well-formed result or a German error, never crash."""

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openkommune.forms.fim.parsers import (
    SLUG_MAX,
    Cardinality,
    CardinalityError,
    PatternError,
    element_slug,
    parse_cardinality,
    parse_number,
    parse_praezisierung,
    slugify,
    translate_xsd_pattern,
)

SLUG = re.compile(r"[a-z][a-z0-9_]{0,62}")
counts = st.integers(min_value=0, max_value=999_999)
spaces = st.sampled_from(["", " ", "  ", "\t"])


@given(low=counts, high=counts, pad=spaces)
def test_cardinality_min_max(low, high, pad):
    text = f"{pad}{low}{pad}:{pad}{high}{pad}"
    if low > high:
        with pytest.raises(CardinalityError, match="widersprüchlich"):
            parse_cardinality(text)
        return
    card = parse_cardinality(text)
    assert (card.min, card.max) == (low, high)
    assert card.required == (low >= 1)
    assert card.repeated == (high > 1)
    assert parse_cardinality(str(card)) == card


@given(low=counts, star=st.sampled_from(["*", "n", "N"]))
def test_cardinality_unbounded(low, star):
    card = parse_cardinality(f"{low}:{star}")
    assert card == Cardinality(low, None)
    assert card.repeated
    assert not card.absent
    assert str(card) == f"{low}:*"


@given(st.text(max_size=30))
def test_cardinality_never_crashes(text):
    try:
        card = parse_cardinality(text)
    except CardinalityError as exc:
        message = str(exc)
    else:
        assert card.max is None or card.min <= card.max
        return
    assert message.startswith("Die Anzahl")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0:1", (0, 1)), ("1:1", (1, 1)), ("0:*", (0, None)), ("1:n", (1, None)), ("2:5", (2, 5))],
)
def test_cardinality_examples(text, expected):
    card = parse_cardinality(text)
    assert (card.min, card.max) == expected


@pytest.mark.parametrize("text", ["", None, "1", "1-2", "a:b", "-1:2", "1:2:3", "3:2"])
def test_cardinality_errors(text):
    with pytest.raises(CardinalityError):
        parse_cardinality(text)


# --- Präzisierung -------------------------------------------------------------------------

lengths = st.integers(min_value=0, max_value=10_000)


@given(
    min_length=st.one_of(st.none(), lengths),
    max_length=st.one_of(st.none(), lengths),
    min_value=st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    as_numbers=st.booleans(),
)
def test_praezisierung_json_round_trip(min_length, max_length, min_value, as_numbers):
    raw = {}
    for key, value in (("minLength", min_length), ("maxLength", max_length),
                       ("minValue", min_value)):  # fmt: skip
        if value is not None:
            raw[key] = value if as_numbers else str(value)
    result = parse_praezisierung(json.dumps(raw))
    assert result.problems == []
    assert (result.min_length, result.max_length) == (min_length, max_length)
    assert result.min_value == (None if min_value is None else str(min_value))
    assert result.empty == (not raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=12), json_values, max_size=5))
def test_praezisierung_any_json_object(raw):
    result = parse_praezisierung(json.dumps(raw))
    for key in raw:
        if key not in ("minLength", "maxLength", "minValue", "maxValue", "pattern"):
            assert any(key in problem for problem in result.problems)
    assert result.min_length is None or result.min_length >= 0


@given(st.text(max_size=300))
def test_praezisierung_never_crashes(text):
    result = parse_praezisierung(text)
    assert isinstance(result.problems, list)


def test_praezisierung_real_examples():
    real = parse_praezisierung(
        '{"minLength":"5","pattern":"([0]{1}[1-9]{1}|[1-9]{1}[0-9]{1})[0-9]{3}","maxLength":"5"}'
    )
    assert (real.min_length, real.max_length) == (5, 5)
    assert real.pattern == "([0]{1}[1-9]{1}|[1-9]{1}[0-9]{1})[0-9]{3}"
    assert parse_praezisierung('{"minValue":"1"}').min_value == "1"
    # XDatenfelder 1.0 select fields name their code list instead.
    assert parse_praezisierung("Anrede").code_list_name == "Anrede"
    assert parse_praezisierung('{"minLength":"eins"}').problems == [
        "Präzisierung „minLength“: „eins“ ist keine Länge."
    ]
    assert "kein gültiges JSON" in parse_praezisierung('{"minLength":').problems[0]
    assert parse_praezisierung("").empty


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3))
def test_parse_number(value):
    number = parse_number(str(value))
    assert number == pytest.approx(float(value))
    assert isinstance(number, int) == (value == value.to_integral_value())


# --- XSD patterns -------------------------------------------------------------------------


@given(st.text(alphabet="abzAZäöüßÄÖÜéèçñøłđőαβЖж", min_size=1, max_size=20))
def test_letter_property_matches_european_letters(word):
    translated = translate_xsd_pattern(r"[\p{L}0-9. ]*")
    assert translated.approximated
    assert re.fullmatch(translated.pattern, word)
    assert re.fullmatch(translated.pattern, word + " 12.")
    assert not re.fullmatch(translated.pattern, word + "!")


@given(st.text(max_size=40))
def test_pattern_translation_compiles_or_explains(xsd):
    try:
        translated = translate_xsd_pattern(xsd)
    except PatternError as exc:
        message = str(exc)
    else:
        re.compile(translated.pattern)
        return
    assert message.startswith("Das Muster")


@pytest.mark.parametrize(
    ("xsd", "message"),
    [
        (r"\i\c*", "XML-Namenszeichen"),
        (r"[a-z-[aeiou]]", "Klassen-Subtraktion"),
        (r"\p{IsBasicLatin}", "gibt es in Python nicht"),
        (r"\P{L}", "gibt es in Python nicht"),
        ("(ab", "nicht übersetzen"),
        ("ab\\", "einzelnen"),
    ],
)
def test_untranslatable_patterns(xsd, message):
    with pytest.raises(PatternError, match=re.escape(message)):
        translate_xsd_pattern(xsd)


def test_plain_pattern_is_unchanged():
    plz = "([0]{1}[1-9]{1}|[1-9]{1}[0-9]{1})[0-9]{3}"
    assert translate_xsd_pattern(plz).pattern == plz
    assert not translate_xsd_pattern(plz).approximated
    assert translate_xsd_pattern(r"\p{N}+").pattern == "[0-9]+"


# --- slugs --------------------------------------------------------------------------------


@given(st.text(max_size=200))
def test_slugify_always_gives_a_valid_key(text):
    slug = slugify(text)
    assert SLUG.fullmatch(slug)
    assert slugify(slug) == slug


@given(fim_id=st.from_regex(r"[FG][0-9]{8}", fullmatch=True), name=st.text(max_size=120),
       qualifier=st.one_of(st.just(""), st.from_regex(r"G[0-9]{8}", fullmatch=True)))  # fmt: skip
def test_element_slug_is_a_valid_unique_prefix(fim_id, name, qualifier):
    slug = element_slug(fim_id, name, qualifier=qualifier)
    assert SLUG.fullmatch(slug)
    assert len(slug) <= SLUG_MAX
    assert slug.startswith(fim_id.lower())
    if qualifier:
        assert slug.startswith(f"{fim_id.lower()}_{qualifier.lower()}")


def test_slug_examples():
    assert slugify("Antrag Blaue Karte EU") == "antrag_blaue_karte_eu"
    assert slugify("Größe & Übermaß") == "groesse_uebermass"
    assert slugify("123 Start") == "x_123_start"
    assert element_slug("F00000043", "Titel") == "f00000043_titel"
    assert element_slug("F00000054", "Postleitzahl", qualifier="G00000237") == (
        "f00000054_g00000237_postleitzahl"
    )
