"""Typical mistakes in the citizen forms (Hundesteuer, Bewohnerparkausweis, Sperrmüll) give
the expected German message at the expected path: missing answers, date relations, fields
that become required when an answer shows them, formats. Answers that hide a field drop it
from the data. The permit and business forms are in test_definitions_permits.py."""

import pytest

from openkommune.forms.engine import validate
from tests.forms.test_definitions import FILE_B, TODAY, check, load, valid


def errors_of(key: str, data: dict) -> dict:
    return check(key, data).errors


# --- Hundesteuer ----------------------------------------------------------------------------


def test_hundesteuer_first_step_asks_the_concern_and_the_holder():
    data = valid("hundesteuer")
    first = {"anlass": data["anlass"], "halter": data["halter"]}
    result = validate(load("hundesteuer"), first, step_id="anliegen", today=TODAY)
    assert result.errors == {}
    result = validate(load("hundesteuer"), {"anlass": "an"}, step_id="anliegen", today=TODAY)
    assert set(result.errors) == {
        "halter.vorname",
        "halter.nachname",
        "halter.geburtsdatum",
        "halter.anschrift.street",
        "halter.anschrift.postcode",
        "halter.anschrift.city",
        "halter.email",
    }
    result = validate(load("hundesteuer"), {}, step_id="anliegen", today=TODAY)
    assert result.errors["anlass"] == ["Bitte wählen Sie bei „Was möchten Sie tun?“ eine Antwort."]


def test_hundesteuer_missing_breed_is_reported_at_the_dog():
    data = valid("hundesteuer")
    data["hunde"][0]["rasse"] = ""
    assert errors_of("hundesteuer", data) == {"hunde.0.rasse": ["Bitte geben Sie „Rasse“ an."]}


def test_hundesteuer_second_dog_is_checked_on_its_own():
    data = valid("hundesteuer")
    data["hunde"].append({**data["hunde"][0], "hund_name": "Luna", "geschlecht": "x"})
    assert errors_of("hundesteuer", data) == {
        "hunde.1.geschlecht": ["Bitte wählen Sie bei „Geschlecht“ eine der angebotenen Antworten."]
    }


def test_hundesteuer_at_most_five_dogs():
    data = valid("hundesteuer")
    data["hunde"] = data["hunde"] * 6
    assert errors_of("hundesteuer", data) == {
        "hunde": ["Bei „Hund“ sind höchstens 5 Einträge möglich."]
    }


def test_hundesteuer_dog_cannot_be_kept_before_it_was_born():
    data = valid("hundesteuer")
    data["hunde"][0]["gehalten_seit"] = "2024-05-01"
    assert errors_of("hundesteuer", data) == {
        "hunde.0.gehalten_seit": [
            "Sie können den Hund nicht vor seinem Geburtsdatum gehalten haben."
        ]
    }


def test_hundesteuer_dangerous_dog_asks_for_permit_and_insurance():
    data = valid("hundesteuer")
    data["hunde"][0]["gefaehrlich"] = True
    errors = errors_of("hundesteuer", data)
    assert errors == {
        "hunde.0.erlaubnis_behoerde": [
            "Bitte geben Sie „Welche Behörde hat Ihnen die Erlaubnis zur Haltung erteilt?“ an."
        ],
        "hunde.0.erlaubnis_datum": ["Bitte geben Sie „Datum der Erlaubnis“ an."],
        "hunde.0.haftpflicht": ["Bitte geben Sie „Name der Hundehaftpflichtversicherung“ an."],
        "hunde.0.versicherungsnummer": ["Bitte geben Sie „Versicherungsnummer“ an."],
    }
    data["hunde"][0].update(
        erlaubnis_behoerde="Ordnungsamt",
        erlaubnis_datum="2025-12-01",
        haftpflicht="Beispiel-Versicherung AG",
        versicherungsnummer="HV-123456",
    )
    assert errors_of("hundesteuer", data) == {}


def test_hundesteuer_move_in_asks_for_the_former_municipality():
    data = valid("hundesteuer")
    data["hunde"][0]["herkunft"] = "zuzug"
    assert errors_of("hundesteuer", data) == {
        "hunde.0.vorherige_gemeinde": [
            "Bitte geben Sie „In welcher Gemeinde war der Hund bisher angemeldet?“ an."
        ]
    }


def test_hundesteuer_chip_number_has_fifteen_digits():
    data = valid("hundesteuer")
    data["hunde"][0]["chipnummer"] = "27609810654321"
    assert errors_of("hundesteuer", data) == {
        "hunde.0.chipnummer": ["Die Chipnummer hat genau 15 Ziffern."]
    }


def test_hundesteuer_direct_debit_needs_a_valid_iban():
    data = valid("hundesteuer")
    del data["iban"]
    assert errors_of("hundesteuer", data) == {"iban": ["Bitte geben Sie „IBAN“ an."]}
    data["iban"] = "DE02 1203 0000 0000 2020 52"
    assert errors_of("hundesteuer", data) == {
        "iban": ["Die IBAN bei „IBAN“ ist nicht gültig. Bitte prüfen Sie die Zeichen."]
    }


def test_hundesteuer_without_direct_debit_drops_the_bank_details():
    data = valid("hundesteuer")
    data["zahlungsweise"] = "ueberweisung"
    cleaned = check("hundesteuer", data).data
    assert cleaned["zahlungsweise"] == "ueberweisung"
    assert not {"kontoinhaber", "iban"} & cleaned.keys()


def abmeldung() -> dict:
    data = valid("hundesteuer")
    data["anlass"] = "ab"
    data["hunde"] = [
        {
            "rasse": "Dackel",
            "geschlecht": "huendin",
            "gehalten_seit": "2019-04-01",
            "steuermarke": "MD-0815",
            "abmeldegrund": "abgabe",
            "abmeldedatum": "2026-02-20",
            "neuer_halter_name": "Max Beispiel",
            "neuer_halter_anschrift": {
                "street": "Hauptstraße",
                "house_number": "1",
                "postcode": "39175",
                "city": "Biederitz",
            },
        }
    ]
    return data


def test_hundesteuer_abmeldung_is_valid_and_drops_the_registration_questions():
    result = check("hundesteuer", abmeldung())
    assert result.errors == {}
    assert not {"bereits_angemeldet", "zahlungsweise", "iban"} & result.data.keys()
    assert result.data["hunde"][0]["abmeldegrund"] == "abgabe"


def test_hundesteuer_abmeldung_asks_for_reason_and_date():
    data = abmeldung()
    del data["hunde"][0]["abmeldegrund"]
    del data["hunde"][0]["abmeldedatum"]
    assert errors_of("hundesteuer", data) == {
        "hunde.0.abmeldegrund": [
            "Bitte wählen Sie bei „Warum melden Sie den Hund ab?“ eine Antwort."
        ],
        "hunde.0.abmeldedatum": ["Bitte geben Sie „Seit wann halten Sie den Hund nicht mehr?“ an."],
    }


def test_hundesteuer_abmeldung_not_before_the_dog_was_kept():
    data = abmeldung()
    data["hunde"][0]["abmeldedatum"] = "2019-03-31"
    assert errors_of("hundesteuer", data) == {
        "hunde.0.abmeldedatum": [
            "Das Abmeldedatum darf nicht vor dem Datum liegen, seit dem Sie den Hund halten."
        ]
    }


def test_hundesteuer_abmeldung_on_move_asks_for_the_new_address():
    data = abmeldung()
    data["hunde"][0]["abmeldegrund"] = "wegzug"
    errors = errors_of("hundesteuer", data)
    assert errors == {
        "hunde.0.neue_anschrift.street": [
            "Bitte geben Sie bei „Ihre neue Anschrift“ die Straße an."
        ],
        "hunde.0.neue_anschrift.postcode": [
            "Bitte geben Sie bei „Ihre neue Anschrift“ die Postleitzahl an."
        ],
        "hunde.0.neue_anschrift.city": ["Bitte geben Sie bei „Ihre neue Anschrift“ den Ort an."],
    }


def test_hundesteuer_postcode_has_five_digits():
    data = valid("hundesteuer")
    data["halter"]["anschrift"] = {**data["halter"]["anschrift"], "postcode": "3910"}
    assert errors_of("hundesteuer", data) == {
        "halter.anschrift.postcode": [
            "Bitte geben Sie bei „Anschrift“ eine Postleitzahl mit fünf Ziffern an."
        ]
    }


# --- Bewohnerparkausweis ------------------------------------------------------------------


def test_bewohnerparkausweis_someone_elses_car_needs_holder_and_confirmation():
    data = valid("bewohnerparkausweis")
    data["halter"] = "firma"
    assert errors_of("bewohnerparkausweis", data) == {
        "halter_name": ["Bitte geben Sie „Name der Halterin, des Halters oder der Firma“ an."],
        "nutzungsueberlassung": [
            "Bitte laden Sie „Bestätigung der Halterin oder des Halters, dass Sie das Fahrzeug "
            "dauerhaft nutzen“ hoch."
        ],
    }
    data.update(halter_name="Beispiel GmbH", nutzungsueberlassung=FILE_B)
    assert errors_of("bewohnerparkausweis", data) == {}


def test_bewohnerparkausweis_needs_the_registration_certificate():
    data = valid("bewohnerparkausweis")
    del data["fahrzeugschein"]
    assert errors_of("bewohnerparkausweis", data) == {
        "fahrzeugschein": [
            "Bitte laden Sie „Fahrzeugschein (Zulassungsbescheinigung Teil I)“ hoch."
        ]
    }


@pytest.mark.parametrize("plate", ["MD-JB 123", "md jb 123", "B-A 1", "HAL-XY 9999E", "MDJB123"])
def test_bewohnerparkausweis_accepts_usual_ways_to_write_a_plate(plate):
    data = {**valid("bewohnerparkausweis"), "kennzeichen": plate}
    assert errors_of("bewohnerparkausweis", data) == {}


@pytest.mark.parametrize("plate", ["MD-JB 0123", "123-AB", "MD-ABC 12", "MD-JB 12345"])
def test_bewohnerparkausweis_rejects_what_is_no_plate(plate):
    data = {**valid("bewohnerparkausweis"), "kennzeichen": plate}
    assert errors_of("bewohnerparkausweis", data) == {
        "kennzeichen": [
            "Bitte geben Sie das Kennzeichen so ein, wie es auf dem Schild steht, zum Beispiel "
            "MD-AB 123."
        ]
    }


def test_bewohnerparkausweis_start_not_in_the_past():
    data = {**valid("bewohnerparkausweis"), "gueltig_ab": "2026-03-01"}
    assert errors_of("bewohnerparkausweis", data) == {
        "gueltig_ab": ["„Ab wann soll der Ausweis gelten?“ darf nicht in der Vergangenheit liegen."]
    }


# --- Sperrmüll ------------------------------------------------------------------------------


def test_sperrmuell_other_pickup_address_becomes_required():
    data = {**valid("sperrmuell"), "abholung_an_anschrift": False}
    label = "Anschrift, an der wir abholen sollen"
    assert errors_of("sperrmuell", data) == {
        "abholanschrift.street": [f"Bitte geben Sie bei „{label}“ die Straße an."],
        "abholanschrift.postcode": [f"Bitte geben Sie bei „{label}“ die Postleitzahl an."],
        "abholanschrift.city": [f"Bitte geben Sie bei „{label}“ den Ort an."],
    }


def test_sperrmuell_needs_at_least_one_item():
    data = {**valid("sperrmuell"), "gegenstaende": []}
    assert errors_of("sperrmuell", data) == {
        "gegenstaende": ["Bitte geben Sie mindestens 1 Eintrag bei „Gegenstand“ an."]
    }


def test_sperrmuell_volume_in_german_notation_and_limits():
    data = {**valid("sperrmuell"), "menge_m3": "3,5"}
    assert check("sperrmuell", data).data["menge_m3"] == "3.5"
    data["menge_m3"] = "0,2"
    assert errors_of("sperrmuell", data) == {
        "menge_m3": ["„Wie viel ist es ungefähr, in Kubikmetern?“ muss mindestens 0,5 sein."]
    }


def test_sperrmuell_wish_date_at_least_a_week_ahead():
    data = {**valid("sperrmuell"), "wunschtermin": "2026-03-05"}
    assert errors_of("sperrmuell", data) == {
        "wunschtermin": ["„Wunschtermin“ darf nicht vor dem 09.03.2026 liegen."]
    }
