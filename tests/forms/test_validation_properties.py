"""Properties of validate() over large input spaces (hypothesis)."""

import datetime
import string
from decimal import Decimal

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from openkommune.forms.engine import data_json_schema, validate
from openkommune.forms.engine.fields import format_decimal
from tests.forms.helpers import field, form, group

TODAY = datetime.date(2025, 6, 15)
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


def one(definition, value):
    result = validate(definition, {"x": value}, today=TODAY)
    return result.data.get("x"), result.errors.get("x")


TEXT = form(field("x", "text", label="Name", max_length=20, pattern=r"[A-Za-zÄÖÜäöüß \-]+"))


@given(st.from_regex(r"[A-Za-zÄÖÜäöüß\-]([A-Za-zÄÖÜäöüß \-]{0,18}[A-Za-zÄÖÜäöüß\-])?",
                     fullmatch=True))  # fmt: skip
def test_text_within_length_and_pattern_is_accepted(value):
    assert one(TEXT, value) == (value, None)


@given(st.from_regex(r"[A-Za-z]{21,60}", fullmatch=True))
def test_text_longer_than_max_length_is_rejected(value):
    assert one(TEXT, value) == (None, ["„Name“ darf höchstens 20 Zeichen lang sein."])


@given(st.text(PRINTABLE, min_size=1, max_size=20).filter(lambda s: s.strip() == s))
def test_text_outside_the_pattern_is_rejected(value):
    _cleaned, errors = one(TEXT, value)
    allowed = set(string.ascii_letters + "ÄÖÜäöüß -")
    if set(value) <= allowed:
        assert errors is None
    else:
        assert errors == ["„Name“ hat nicht das erwartete Format."]


PHONE = form(field("x", "phone", label="Telefon", min_length=9, max_length=14,
                   pattern=r"0[1-9][0-9]* [0-9]+"))  # fmt: skip


@given(st.from_regex(r"0[1-9][0-9]{1,6}", fullmatch=True), st.from_regex(r"[0-9]{3,12}",
       fullmatch=True), st.integers(1, 3))  # fmt: skip
def test_phone_length_and_pattern_decide_on_the_stored_number(area, number, spaces):
    stored = f"{area} {number}"
    length_error = None
    if len(stored) > 14:
        length_error = ["„Telefon“ darf höchstens 14 Zeichen lang sein."]
    elif len(stored) < 9:
        length_error = ["„Telefon“ muss mindestens 9 Zeichen lang sein."]
    cleaned, errors = one(PHONE, area + " " * spaces + number)
    assert (cleaned, errors) == ((None, length_error) if length_error else (stored, None))
    # A valid phone number of the same length outside the pattern: lengths are checked first.
    slashed = one(PHONE, stored.replace(" ", "/"))
    assert slashed == (None, length_error or ["„Telefon“ hat nicht das erwartete Format."])


INTEGER = form(field("x", "integer", label="Anzahl", min=-50, max=50))


@given(st.integers(-50, 50), st.booleans())
def test_integers_in_range_are_accepted(number, as_text):
    assert one(INTEGER, str(number) if as_text else number) == (number, None)


@given(
    st.one_of(
        st.integers(min_value=-(10**14), max_value=-51), st.integers(min_value=51, max_value=10**14)
    )
)
def test_integers_out_of_range_are_rejected(number):
    cleaned, errors = one(INTEGER, str(number))
    assert cleaned is None
    assert errors == [
        "„Anzahl“ muss mindestens -50 sein." if number < 0 else "„Anzahl“ darf höchstens 50 sein."
    ]


DECIMAL = form(field("x", "decimal", label="Wert", decimal_places=3))


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False))
def test_decimals_in_german_notation_keep_their_value(number):
    german = format_decimal(number, grouping=True)
    cleaned, errors = one(DECIMAL, german)
    assert errors is None
    assert Decimal(cleaned) == number


def _iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(ch, 36)) for ch in moved)) % 97
    return f"{country}{check:02d}{bban}"


IBAN = form(field("x", "iban", label="IBAN"))
GERMAN_BBAN = st.text("0123456789", min_size=18, max_size=18)


@given(GERMAN_BBAN, st.booleans())
def test_valid_german_ibans_are_accepted_in_any_spacing(bban, pretty):
    iban = _iban("DE", bban)
    typed = " ".join(iban[i : i + 4] for i in range(0, 22, 4)).lower() if pretty else iban
    assert one(IBAN, typed) == (iban, None)


@given(GERMAN_BBAN, st.integers(2, 21), st.integers(1, 9))
def test_a_single_changed_digit_is_rejected(bban, position, delta):
    iban = _iban("DE", bban)
    digit = (int(iban[position]) + delta) % 10
    broken = iban[:position] + str(digit) + iban[position + 1 :]
    assert one(IBAN, broken) == (
        None,
        ["Die IBAN bei „IBAN“ ist nicht gültig. Bitte prüfen Sie die Zeichen."],
    )


@given(
    st.sampled_from(["AT", "FR", "NL", "IT", "ES", "PL"]),
    st.text(string.ascii_uppercase + string.digits, min_size=11, max_size=30),
)
def test_valid_foreign_ibans_are_accepted(country, bban):
    iban = _iban(country, bban)
    assert one(IBAN, iban) == (iban, None)


DATE = form(field("x", "date", label="Datum", min="today-365", max="today+30"))


@given(st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)), st.booleans())
def test_dates_in_both_notations_and_relative_bounds(day, german):
    typed = day.strftime("%d.%m.%Y") if german else day.isoformat()
    cleaned, errors = one(DATE, typed)
    if TODAY - datetime.timedelta(days=365) <= day <= TODAY + datetime.timedelta(days=30):
        assert (cleaned, errors) == (day.isoformat(), None)
    else:
        assert cleaned is None
        assert errors[0].startswith("„Datum“ darf nicht")


CONDITIONAL = form(
    field("a", "boolean"),
    field("b", "text", required=True, label="B", visible_if={"field": "a", "equals": True}),
)


@given(st.sampled_from([True, False, "ja", "nein", "", None]), st.sampled_from(["", " ", "x"]))
def test_required_applies_only_while_visible(answer, text):
    result = validate(CONDITIONAL, {"a": answer, "b": text}, today=TODAY)
    shown = answer in (True, "ja")
    assert ("b" in result.errors) == (shown and not text.strip())
    assert ("b" in result.data) == (shown and bool(text.strip()))


@given(st.integers(0, 5), st.integers(5, 10), st.integers(0, 12))
def test_repeat_bounds(low, high, count):
    definition = form(group("g", [field("a")], title="Einträge", repeat={"min": low, "max": high}))
    entries = [{"a": str(i)} for i in range(count)]
    errors = validate(definition, {"g": entries}, today=TODAY).errors
    assert ("g" in errors) == (count < low or count > high)


# --- round trip: cleaned data always fits the published data schema -----------------------

ROUND_TRIP = form(
    field("name", "text", max_length=30, required=True),
    field("art", "choice", choices="farbe"),
    field("farben", "multichoice", choices="farbe"),
    field("ja", "boolean"),
    field("anzahl", "integer", min=0, max=99, visible_if={"field": "ja", "equals": True}),
    field("betrag", "money", min=0, max=10000),
    field("wert", "decimal", decimal_places=2),
    field("tag", "date"),
    field("mail", "email"),
    field("tel", "phone"),
    field("konto", "iban"),
    field("anschrift", "address"),
    field("datei", "file"),
    group("personen", [field("vorname", required=True), field("geboren", "date")],
          repeat={"min": 0, "max": 3}),
)  # fmt: skip

ADDRESS = st.fixed_dictionaries(
    {"street": st.from_regex(r"[A-Za-z]{1,20}str\.", fullmatch=True),
     "postcode": st.from_regex(r"[0-9]{5}", fullmatch=True),
     "city": st.sampled_from(["Magdeburg", "Halle (Saale)", "Stendal"])},
    optional={"house_number": st.from_regex(r"[1-9][0-9]{0,2}[a-c]?", fullmatch=True)},
)  # fmt: skip
VALUES = st.fixed_dictionaries(
    {"name": st.text(PRINTABLE, min_size=1, max_size=30).filter(str.strip)},
    optional={
        "art": st.sampled_from(["rot", "gruen", "blau"]),
        "farben": st.lists(st.sampled_from(["rot", "gruen", "blau"]), max_size=4),
        "ja": st.booleans(),
        "anzahl": st.integers(0, 99),
        "betrag": st.decimals(0, 10000, places=2).map(lambda d: format_decimal(d)),
        "wert": st.decimals(-(10**6), 10**6, places=2).map(str),
        "tag": st.dates(datetime.date(1000, 1, 1)).map(lambda d: d.strftime("%d.%m.%Y")),
        "mail": st.sampled_from(["a@example.org", "info@gemeinde.example.de"]),
        "tel": st.from_regex(r"\+49 [1-9][0-9]{3} [0-9]{4,8}", fullmatch=True),
        "konto": GERMAN_BBAN.map(lambda b: _iban("DE", b)),
        "anschrift": ADDRESS,
        "datei": st.uuids().map(str),
        "personen": st.lists(
            st.fixed_dictionaries({"vorname": st.sampled_from(["Anna", "Ömer", "Zoë"])},
                                  optional={"geboren": st.dates().map(str)}),
            max_size=3,
        ),
    },
)  # fmt: skip
SCHEMA_VALIDATOR = jsonschema.Draft202012Validator(
    data_json_schema(ROUND_TRIP), format_checker=jsonschema.FormatChecker()
)


@settings(max_examples=60)
@given(VALUES)
def test_cleaned_data_fits_the_data_schema_and_is_stable(data):
    result = validate(ROUND_TRIP, data, today=TODAY)
    assert result.errors == {}
    assert list(SCHEMA_VALIDATOR.iter_errors(result.data)) == []
    assert validate(ROUND_TRIP, result.data, today=TODAY).data == result.data
