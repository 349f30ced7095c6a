"""Typical mistakes in the permit and business forms (Baumfällung, Sondernutzung,
Gewerbeanmeldung) give the expected German message at the expected path; answers that hide
a field drop it from the data. The citizen forms are in test_definitions_rules.py."""

from tests.forms.test_definitions import check, valid


def errors_of(key: str, data: dict) -> dict:
    return check(key, data).errors


# --- Baumfällung ----------------------------------------------------------------------------


def test_baumfaellung_neighbour_names_the_owner():
    data = {**valid("baumfaellung"), "rolle": "nachbar"}
    errors = errors_of("baumfaellung", data)
    assert errors["eigentuemer_name"] == [
        "Bitte geben Sie „Name der Eigentümerin oder des Eigentümers“ an."
    ]
    assert set(errors) == {
        "eigentuemer_name",
        "eigentuemer_anschrift.street",
        "eigentuemer_anschrift.postcode",
        "eigentuemer_anschrift.city",
    }


def test_baumfaellung_agent_uploads_a_power_of_attorney():
    data = {
        **valid("baumfaellung"),
        "rolle": "bevollmaechtigt",
        "eigentuemer_name": "Karla Beispiel",
        "eigentuemer_anschrift": {
            "street": "Ring",
            "house_number": "2",
            "postcode": "39179",
            "city": "Barleben",
        },
    }
    assert errors_of("baumfaellung", data) == {
        "vollmacht": [
            "Bitte laden Sie „Vollmacht oder Zustimmung der Eigentümerin oder des "
            "Eigentümers“ hoch."
        ]
    }


def test_baumfaellung_trunk_girth_is_a_whole_number_of_centimetres():
    data = valid("baumfaellung")
    data["baeume"][1]["stammumfang_cm"] = "95,5"
    assert errors_of("baumfaellung", data) == {
        "baeume.1.stammumfang_cm": [
            "Bitte geben Sie bei „Stammumfang in Zentimetern“ eine ganze Zahl an."
        ]
    }


def test_baumfaellung_seen_nests_must_be_described():
    data = {**valid("baumfaellung"), "nester": "ja"}
    assert errors_of("baumfaellung", data) == {
        "nester_beschreibung": ["Bitte geben Sie „Was haben Sie gesehen und in welchem Baum?“ an."]
    }


def test_baumfaellung_needs_a_site_plan_and_a_real_reason():
    data = valid("baumfaellung")
    del data["lageplan"]
    data["baeume"][0]["begruendung"] = "krank"
    assert errors_of("baumfaellung", data) == {
        "lageplan": ["Bitte laden Sie „Lageplan oder Skizze mit dem Standort der Bäume“ hoch."],
        "baeume.0.begruendung": [
            "„Beschreiben Sie den Grund genauer“ muss mindestens 20 Zeichen lang sein."
        ],
    }


# --- Sondernutzung --------------------------------------------------------------------------


def test_sondernutzung_end_not_before_start():
    data = {**valid("sondernutzung"), "beginn": "2026-06-14", "ende": "2026-06-13"}
    assert errors_of("sondernutzung", data) == {
        "ende": ["Der letzte Tag darf nicht vor dem ersten Tag liegen."]
    }
    data["ende"] = "2026-06-14"
    assert errors_of("sondernutzung", data) == {}


def test_sondernutzung_club_must_be_named():
    data = valid("sondernutzung")
    del data["organisation"]
    assert errors_of("sondernutzung", data) == {
        "organisation": ["Bitte geben Sie „Name des Vereins, der Initiative oder der Firma“ an."]
    }
    data["antragsteller_art"] = "privat"
    assert errors_of("sondernutzung", data) == {}


def test_sondernutzung_entrance_fee_in_euro_and_cent():
    data = valid("sondernutzung")
    del data["eintrittspreis"]
    label = "Eintrittspreis in Euro für eine erwachsene Person"
    assert errors_of("sondernutzung", data) == {
        "eintrittspreis": [f"Bitte geben Sie „{label}“ an."]
    }
    data["eintrittspreis"] = "2,555"
    assert errors_of("sondernutzung", data) == {
        "eintrittspreis": [
            f"Bitte geben Sie den Betrag bei „{label}“ auf den Cent genau an (höchstens zwei "
            "Nachkommastellen)."
        ]
    }
    data["eintrittspreis"] = "3 €"
    assert check("sondernutzung", data).data["eintrittspreis"] == "3.00"


def test_sondernutzung_info_stand_drops_the_event_questions():
    data = {**valid("sondernutzung"), "nutzungsart": "infostand"}
    cleaned = check("sondernutzung", data)
    assert cleaned.errors == {}
    assert not {"besucher", "eintritt", "eintrittspreis", "konzept"} & cleaned.data.keys()


def test_sondernutzung_times_and_dates():
    data = {**valid("sondernutzung"), "uhrzeit_von": "9 Uhr", "beginn": "2026-03-01"}
    assert errors_of("sondernutzung", data) == {
        "uhrzeit_von": ["Bitte geben Sie die Uhrzeit so ein: 14:00."],
        "beginn": ["„Erster Tag der Nutzung“ darf nicht in der Vergangenheit liegen."],
    }


# --- Gewerbeanmeldung -----------------------------------------------------------------------


def test_gewerbe_other_business_address_becomes_required():
    data = valid("gewerbeanmeldung")
    del data["betriebsstaette_anschrift"]
    assert set(errors_of("gewerbeanmeldung", data)) == {
        "betriebsstaette_anschrift.street",
        "betriebsstaette_anschrift.postcode",
        "betriebsstaette_anschrift.city",
    }
    data["betrieb_an_wohnanschrift"] = True
    assert errors_of("gewerbeanmeldung", data) == {}


def test_gewerbe_gbr_names_its_partners():
    data = {**valid("gewerbeanmeldung"), "rechtsform": "gbr"}
    assert errors_of("gewerbeanmeldung", data) == {
        "firmenname": ["Bitte geben Sie „Name des Unternehmens mit Rechtsform“ an."],
        "zahl_gesellschafter": [
            "Bitte geben Sie „Zahl der geschäftsführenden Gesellschafterinnen und "
            "Gesellschafter“ an."
        ],
        "weitere_gesellschafter": [
            "Bitte geben Sie mindestens 1 Eintrag bei „Weitere Gesellschafterin oder weiterer "
            "Gesellschafter“ an."
        ],
    }
    data.update(
        firmenname="Beispiel & Partner GbR",
        zahl_gesellschafter=2,
        weitere_gesellschafter=[
            {"gesellschafter_vorname": "Tim", "gesellschafter_nachname": "Beispiel"}
        ],
    )
    assert errors_of("gewerbeanmeldung", data) == {}


def test_gewerbe_gmbh_branch_taken_over():
    data = {
        **valid("gewerbeanmeldung"),
        "rechtsform": "gmbh",
        "firmenname": "Beispiel Rad GmbH",
        "registergericht": "Stendal",
        "registernummer": "HRB 12345",
        "zahl_vertreter": 1,
        "niederlassung": "zweig",
        "grund": "uebernahme",
    }
    assert set(errors_of("gewerbeanmeldung", data)) == {
        "hauptniederlassung_anschrift.street",
        "hauptniederlassung_anschrift.postcode",
        "hauptniederlassung_anschrift.city",
        "uebernahme_art",
        "frueherer_inhaber",
    }
    data.update(
        hauptniederlassung_anschrift={"street": "Domplatz", "postcode": "39576", "city": "Stendal"},
        uebernahme_art="pacht",
        frueherer_inhaber="Zweirad Beispiel e. K.",
    )
    assert errors_of("gewerbeanmeldung", data) == {}


def test_gewerbe_register_number_names_the_register():
    data = {
        **valid("gewerbeanmeldung"),
        "rechtsform": "ug",
        "firmenname": "Beispiel UG (haftungsbeschränkt)",
        "zahl_vertreter": 1,
        "registernummer": "12345",
    }
    assert errors_of("gewerbeanmeldung", data) == {
        "registernummer": [
            "Bitte geben Sie die Registernummer mit Registerart an, zum Beispiel HRB 12345."
        ]
    }


def test_gewerbe_foreign_national_adds_residence_permit():
    data = valid("gewerbeanmeldung")
    data["person"]["staatsangehoerigkeit"] = "andere"
    assert set(errors_of("gewerbeanmeldung", data)) == {
        "person.staatsangehoerigkeit_name",
        "person.aufenthaltstitel_auflage",
        "person.aufenthaltstitel",
    }
    data["person"]["staatsangehoerigkeit"] = "eu_ewr"
    assert errors_of("gewerbeanmeldung", data) == {
        "person.staatsangehoerigkeit_name": [
            "Bitte geben Sie „Welche Staatsangehörigkeiten haben Sie?“ an."
        ]
    }


def test_gewerbe_permit_and_crafts_follow_ups():
    data = {**valid("gewerbeanmeldung"), "erlaubnis": True, "handwerk": True}
    assert set(errors_of("gewerbeanmeldung", data)) == {
        "erlaubnis_status",
        "erlaubnis_behoerde",
        "handwerksrolle",
        "handwerkskammer",
    }
    data.update(erlaubnis_status="erteilt", erlaubnis_behoerde="Landkreis Börde")
    assert errors_of("gewerbeanmeldung", data)["erlaubnis_datum"] == [
        "Bitte geben Sie „Datum der Erlaubnis“ an."
    ]


def test_gewerbe_activity_must_be_described():
    data = {**valid("gewerbeanmeldung"), "taetigkeit": "Handel", "betriebsart": []}
    assert errors_of("gewerbeanmeldung", data) == {
        "taetigkeit": ["„Welche Tätigkeit melden Sie an?“ muss mindestens 10 Zeichen lang sein."],
        "betriebsart": [
            "Bitte wählen Sie bei „Zu welchen Bereichen gehört die Tätigkeit?“ mindestens eine "
            "Antwort."
        ],
    }
