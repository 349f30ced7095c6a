"""The checks and the coercion of each field type, one optional field `x` at a time."""

import datetime

import pytest

from openkommune.forms.engine import fields, validate
from tests.forms.helpers import field, form

TODAY = datetime.date(2025, 6, 15)
UUID = "0b6f8a52-3c1e-4d8e-9a77-6c1f2f0e1a10"


def parse_field(type_, **props):
    return form(field("x", type_, label="Feld X", **props)).field("x")


def one(type_, value, **props):
    """(cleaned value, errors) of a single optional field `x` labelled "Feld X"."""
    if type_ in ("choice", "multichoice"):
        props.setdefault("choices", "farbe")
    result = validate(form(field("x", type_, label="Feld X", **props)), {"x": value}, today=TODAY)
    return result.data.get("x"), result.errors.get("x")


@pytest.mark.parametrize("empty", [None, "", "   ", []])
def test_empty_optional_value_is_absent(empty):
    assert one("text", empty) == (None, None)


@pytest.mark.parametrize(
    ("type_", "message"),
    [
        ("text", "Bitte geben Sie „Feld X“ an."),
        ("choice", "Bitte wählen Sie bei „Feld X“ eine Antwort."),
        ("boolean", "Bitte wählen Sie bei „Feld X“ eine Antwort."),
        ("multichoice", "Bitte wählen Sie bei „Feld X“ mindestens eine Antwort."),
        ("file", "Bitte laden Sie „Feld X“ hoch."),
    ],
)
def test_required_messages(type_, message):
    assert one(type_, "", required=True) == (None, [message])


def test_text_lengths_and_pattern():
    assert one("text", "abc", max_length=2)[1] == ["„Feld X“ darf höchstens 2 Zeichen lang sein."]
    assert one("text", "a", min_length=2)[1] == ["„Feld X“ muss mindestens 2 Zeichen lang sein."]
    assert one("text", "  ab  ", max_length=2) == ("ab", None)
    assert one("text", "12345", pattern="[0-9]{5}") == ("12345", None)
    # Matched in full, not searched.
    assert one("text", "x12345", pattern="[0-9]{5}")[1] == [
        "„Feld X“ hat nicht das erwartete Format."
    ]
    assert one("text", "1", pattern="[0-9]{5}", pattern_message="Fünf Ziffern, bitte.")[1] == [
        "Fünf Ziffern, bitte."
    ]


def test_text_without_max_length_has_a_default_limit():
    assert one("text", "x" * 1000) == ("x" * 1000, None)
    assert one("text", "x" * 1001)[1] == ["„Feld X“ darf höchstens 1000 Zeichen lang sein."]
    assert one("textarea", "x" * 10001)[1] == ["„Feld X“ darf höchstens 10000 Zeichen lang sein."]


def test_text_rejects_line_breaks_and_control_characters():
    assert one("text", "a\nb")[1] == ["„Feld X“ darf keinen Zeilenumbruch enthalten."]
    assert one("text", "a\x00b")[1] == ["„Feld X“ enthält unzulässige Steuerzeichen."]
    assert one("textarea", "a\x07b")[1] == ["„Feld X“ enthält unzulässige Steuerzeichen."]
    assert one("text", "a\ud800")[1] == ["„Feld X“ enthält ungültige Zeichen."]
    assert one("text", 42)[1] == ["„Feld X“ muss ein Text sein."]


def test_textarea_keeps_line_breaks_and_normalises_them():
    assert one("textarea", "Zeile 1\r\nZeile 2\r\n") == ("Zeile 1\nZeile 2", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), (" -7 ", -7), ("+3", 3), (5, 5), (5.0, 5), ("1 000", 1000)],
)
def test_integer_accepted(value, expected):
    assert one("integer", value) == (expected, None)


@pytest.mark.parametrize("value", ["4,5", "zwölf", True, 4.5, "1" * 16, 10**15, {"a": 1}])
def test_integer_rejected(value):
    assert one("integer", value)[1] == ["Bitte geben Sie bei „Feld X“ eine ganze Zahl an."]


def test_integer_range():
    assert one("integer", "0", min=1)[1] == ["„Feld X“ muss mindestens 1 sein."]
    assert one("integer", "21", max=20)[1] == ["„Feld X“ darf höchstens 20 sein."]
    assert one("integer", "20", min=1, max=20) == (20, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12,5", "12.5"), ("12.50", "12.5"), ("1.234,56", "1234.56"), ("-0,0", "0"),
     ("100", "100"), (0.1, "0.1"), ("1.234", "1.234")],
)  # fmt: skip
def test_decimal_notations(value, expected):
    assert one("decimal", value) == (expected, None)


def test_decimal_checks():
    assert one("decimal", "1,25", decimal_places=1)[1] == [
        "„Feld X“ darf höchstens 1 Nachkommastelle haben."
    ]
    assert one("decimal", "1,5", decimal_places=0)[1] == ["„Feld X“ muss eine ganze Zahl sein."]
    assert one("decimal", "0,4", min=0.5)[1] == ["„Feld X“ muss mindestens 0,5 sein."]
    assert one("decimal", "1,2,3")[1] == [
        "Bitte geben Sie bei „Feld X“ eine Zahl an, zum Beispiel 12,5."
    ]
    assert one("decimal", float("nan"))[1] is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12,5", "12.50"), ("12.50", "12.50"), ("12 €", "12.00"), ("1.000,00 EUR", "1000.00"),
     (7, "7.00"), ("0", "0.00")],
)  # fmt: skip
def test_money_notations(value, expected):
    assert one("money", value) == (expected, None)


def test_money_checks():
    assert one("money", "12,505")[1] == [
        "Bitte geben Sie den Betrag bei „Feld X“ auf den Cent genau an (höchstens zwei "
        "Nachkommastellen)."
    ]
    assert one("money", "1000,01", max=1000)[1] == ["„Feld X“ darf höchstens 1.000,00 € sein."]
    assert one("money", "zehn")[1] == [
        "Bitte geben Sie bei „Feld X“ einen Betrag in Euro an, zum Beispiel 12,50."
    ]


@pytest.mark.parametrize("value", ["2024-02-29", "29.02.2024", "29.2.2024", " 2024-02-29 "])
def test_date_formats(value):
    assert one("date", value) == ("2024-02-29", None)


def test_date_checks():
    assert one("date", "2023-02-29")[1] == ["Das Datum bei „Feld X“ gibt es nicht."]
    assert one("date", "31.13.2024")[1] == ["Das Datum bei „Feld X“ gibt es nicht."]
    assert one("date", "02/29/2024")[1] == [
        "Bitte geben Sie bei „Feld X“ ein Datum im Format TT.MM.JJJJ an."
    ]
    assert one("date", "16.06.2025", max="today")[1] == [
        "„Feld X“ darf nicht in der Zukunft liegen."
    ]
    assert one("date", "14.06.2025", min="today")[1] == [
        "„Feld X“ darf nicht in der Vergangenheit liegen."
    ]
    assert one("date", "15.06.2025", min="today", max="today") == ("2025-06-15", None)
    assert one("date", "16.07.2025", max="today+30")[1] == [
        "„Feld X“ darf nicht nach dem 15.07.2025 liegen."
    ]
    assert one("date", "2019-12-31", min="2020-01-01")[1] == [
        "„Feld X“ darf nicht vor dem 01.01.2020 liegen."
    ]


@pytest.mark.parametrize(("value", "expected"), [("ja", True), ("Nein", False), (True, True),
                                                 ("true", True), (False, False)])  # fmt: skip
def test_boolean_values(value, expected):
    assert one("boolean", value) == (expected, None)


def test_boolean_rejects_anything_else():
    assert one("boolean", "vielleicht")[1] == ["Bitte wählen Sie bei „Feld X“ Ja oder Nein."]
    assert one("boolean", 1)[1] == ["Bitte wählen Sie bei „Feld X“ Ja oder Nein."]


def test_choice_codes():
    assert one("choice", "rot") == ("rot", None)
    assert one("choice", "lila")[1] == [
        "Bitte wählen Sie bei „Feld X“ eine der angebotenen Antworten."
    ]


def test_multichoice_in_code_list_order_without_duplicates():
    assert one("multichoice", ["blau", "rot", "blau", ""]) == (["rot", "blau"], None)
    assert one("multichoice", "gruen") == (["gruen"], None)
    assert one("multichoice", ["rot", "lila"])[1] == [
        "Bitte wählen Sie bei „Feld X“ nur angebotene Antworten."
    ]


def test_email():
    assert one("email", " anna@example.org ") == ("anna@example.org", None)
    message = ["Bitte geben Sie bei „Feld X“ eine gültige E-Mail-Adresse an, zum Beispiel "
               "name@example.de."]  # fmt: skip
    assert one("email", "anna@")[1] == message
    assert one("email", "a" * 250 + "@example.org")[1] == message


def test_email_keeps_min_length_max_length_and_pattern():
    assert one("email", "anna@example.org", max_length=10)[1] == [
        "„Feld X“ darf höchstens 10 Zeichen lang sein."
    ]
    assert one("email", "a@b.de", min_length=10)[1] == [
        "„Feld X“ muss mindestens 10 Zeichen lang sein."
    ]
    domain = {"pattern": r"[^@]+@example\.de", "pattern_message": "Nur Adressen bei example.de."}
    assert one("email", " anna@example.de ", **domain) == ("anna@example.de", None)
    assert one("email", "anna@example.org", **domain)[1] == ["Nur Adressen bei example.de."]
    # The address must be one first: its own message comes before the declared checks.
    assert one("email", "anna@", max_length=3)[1][0].startswith(
        "Bitte geben Sie bei „Feld X“ eine gültige E-Mail-Adresse an"
    )


def test_phone_keeps_min_length_max_length_and_pattern():
    assert one("phone", "0391 123456", max_length=8)[1] == [
        "„Feld X“ darf höchstens 8 Zeichen lang sein."
    ]
    assert one("phone", "0391 123456", min_length=12)[1] == [
        "„Feld X“ muss mindestens 12 Zeichen lang sein."
    ]
    german = {"pattern": r"\+49 [0-9 ]+"}
    assert one("phone", "0391 123456", **german)[1] == ["„Feld X“ hat nicht das erwartete Format."]
    # Length and pattern see the number as stored: runs of spaces become one.
    assert one("phone", "+49   391  123456", max_length=14, **german) == ("+49 391 123456", None)
    assert one("phone", "12", pattern="[0-9]+")[1][0].startswith(
        "Bitte geben Sie bei „Feld X“ eine Telefonnummer"
    )


def test_email_and_phone_cleaners_enforce_the_declared_checks_themselves():
    # fields._clean_email/_clean_phone are the whole check of their type (FIM importer
    # report): no caller has to remember a second text check.
    with pytest.raises(fields._Invalid):
        fields._clean_email(parse_field("email", max_length=5), "anna@example.org")
    with pytest.raises(fields._Invalid):
        fields._clean_phone(parse_field("phone", pattern=r"\+.*"), "0391 123456")
    with pytest.raises(fields._Invalid):
        fields._clean_phone(parse_field("phone", min_length=20), "0391 123456")
    assert fields._clean_phone(parse_field("phone", max_length=11), "0391  123456") == (
        "0391 123456"
    )


@pytest.mark.parametrize("value", ["0391 12345", "+49 (391) 123-45", "0171/1234567"])
def test_phone_accepted(value):
    assert one("phone", value) == (value, None)


@pytest.mark.parametrize("value", ["12345", "0391 1234 x", "0391+123456", "1" * 21])
def test_phone_rejected(value):
    assert one("phone", value)[1][0].startswith("Bitte geben Sie bei „Feld X“ eine Telefonnummer")


def test_iban():
    assert one("iban", "DE02 1203 0000 0000 2020 51") == ("DE02120300000000202051", None)
    assert one("iban", "AT61 1904 3002 3457 3201") == ("AT611904300234573201", None)
    assert one("iban", "DE02 1203 0000 0000 2020 52")[1] == [
        "Die IBAN bei „Feld X“ ist nicht gültig. Bitte prüfen Sie die Zeichen."
    ]
    assert one("iban", "DE02 1203 0000 0000 2020 5")[1] == [
        "Eine deutsche IBAN bei „Feld X“ hat 22 Zeichen: DE und 20 Ziffern."
    ]
    assert one("iban", "XX")[1][0].startswith("Bitte geben Sie bei „Feld X“ eine IBAN an")


def test_address():
    full = {"street": "Hauptstraße", "house_number": "", "postcode": "39104", "city": "Magdeburg"}
    assert one("address", full) == ({k: v for k, v in full.items() if v}, None)
    result = validate(
        form(field("x", "address", label="Anschrift")),
        {"x": {"street": "Hauptstraße", "postcode": "3910"}},
        today=TODAY,
    )
    assert result.errors == {
        "x.postcode": ["Bitte geben Sie bei „Anschrift“ eine Postleitzahl mit fünf Ziffern an."],
        "x.city": ["Bitte geben Sie bei „Anschrift“ den Ort an."],
    }
    empty = dict.fromkeys(full, "")
    assert one("address", empty) == (None, None)
    required = validate(form(field("x", "address", required=True)), {"x": empty}, today=TODAY)
    assert set(required.errors) == {"x.street", "x.postcode", "x.city"}
    wrong = validate(form(field("x", "address", label="A")), {"x": "Hauptstraße 1"}, today=TODAY)
    assert wrong.errors["x"][0].startswith("„A“ muss eine Anschrift")


def test_file_value_is_an_attachment_id():
    assert one("file", UUID.upper()) == (UUID, None)
    assert one("file", "../../etc/passwd")[1] == [
        "Die Angabe bei „Feld X“ ist keine gültige Kennung einer hochgeladenen Datei."
    ]
