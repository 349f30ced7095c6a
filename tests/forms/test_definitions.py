"""The cooperative's published form definitions (src/openkommune/forms/definitions/*.json):
each one is a valid definition, bound to real LeiKa keys, uses the format as the brief asks
(steps, applicant step, declaration, uploads with limits) and accepts a realistic application.

The example people and addresses below are invented test data, not real persons."""

import copy
import csv
import datetime
import json
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings

from openkommune.forms.engine import (
    Field,
    Group,
    answers,
    data_json_schema,
    parse_definition,
    validate,
    visible_steps,
)
from openkommune.forms.engine.rendering import error_summary_entries, step_widgets

DEFINITIONS_DIR = (
    Path(__file__).resolve().parents[2] / "src" / "openkommune" / "forms" / "definitions"
)
SCHEMA_PATH = DEFINITIONS_DIR.parent / "schema" / "form-definition.schema.json"
LEIKA_CSV = Path(settings.DATA_DIR) / "ozg-leika-katalog" / "leika_leistungen_ozg_zuordnung.csv"
KEYS = (
    "baumfaellung",
    "bewohnerparkausweis",
    "gewerbeanmeldung",
    "hundesteuer",
    "sondernutzung",
    "sperrmuell",
)
# A fixed day, so that "today"-relative date limits give the same result on every run.
TODAY = datetime.date(2026, 3, 2)
FILE_A = "0b7c6f1e-2f4d-4a8e-9c1b-3d5e7f9a1b2c"
FILE_B = "5e2d8a4c-7b1f-4c3e-8d9a-6f0e1b2c3d4e"
MAGDEBURG = {
    "street": "Breiter Weg",
    "house_number": "12",
    "postcode": "39104",
    "city": "Magdeburg",
}
DECLARATION = {"versicherung_richtig": True}

VALID = {
    "hundesteuer": {
        "anlass": "an",
        "halter": {
            "vorname": "Erika",
            "nachname": "Beispiel",
            "geburtsdatum": "1980-05-17",
            "anschrift": MAGDEBURG,
            "email": "erika.beispiel@example.de",
            "telefon": "0391 123456",
        },
        "hunde": [
            {
                "hund_name": "Bello",
                "rasse": "Mischling (Labrador, Schäferhund)",
                "geschlecht": "ruede",
                "wurfdatum": "2024-06-01",
                "chipnummer": "276098106543210",
                "gehalten_seit": "2025-12-15",
                "herkunft": "tierheim",
                "gefaehrlich": False,
                "ermaessigung": "tierheim",
                "nachweis": FILE_A,
            }
        ],
        "zahlungsweise": "lastschrift",
        "kontoinhaber": "Erika Beispiel",
        "iban": "DE02120300000000202051",
        **DECLARATION,
    },
    "bewohnerparkausweis": {
        "antragsart": "neu",
        "parkzone": "Zone A",
        "laufzeit": "12",
        "gueltig_ab": "2026-04-01",
        "antragsteller": {
            "vorname": "Jonas",
            "nachname": "Beispiel",
            "geburtsdatum": "1991-11-03",
            "anschrift": {**MAGDEBURG, "house_number": "40"},
            "hauptwohnung": True,
            "email": "jonas.beispiel@example.de",
        },
        "kennzeichen": "MD-JB 123",
        "fahrzeug_marke": "VW Golf",
        "halter": "selbst",
        "stellplatz": False,
        "fahrzeugschein": FILE_A,
        **DECLARATION,
    },
    "sperrmuell": {
        "antragsteller": {
            "vorname": "Aylin",
            "nachname": "Beispiel",
            "anschrift": {
                "street": "Am Markt",
                "house_number": "3",
                "postcode": "06366",
                "city": "Köthen (Anhalt)",
            },
            "email": "aylin.beispiel@example.de",
            "telefon": "+49 3496 123456",
        },
        "abholung_an_anschrift": True,
        "rolle": "mieter",
        "standort": "Vor dem Haus am Gehweg, neben dem Fahrradständer.",
        "gegenstaende": [
            {"kategorie": "moebel", "bezeichnung": "Kleiderschrank, zerlegt", "anzahl": 1},
            {"kategorie": "matratze", "bezeichnung": "Matratze 140 x 200", "anzahl": 2},
        ],
        "menge_m3": "2.5",
        "wunschtermin": "2026-03-20",
        "privathaushalt": True,
        **DECLARATION,
    },
    "baumfaellung": {
        "antragsteller": {
            "vorname": "Karl",
            "nachname": "Beispiel",
            "anschrift": {
                "street": "Lindenallee",
                "house_number": "7",
                "postcode": "39179",
                "city": "Barleben",
            },
            "email": "karl.beispiel@example.de",
        },
        "grundstueck_anschrift": {
            "street": "Lindenallee",
            "house_number": "7",
            "postcode": "39179",
            "city": "Barleben",
        },
        "gemarkung": "Barleben",
        "flur": "3",
        "flurstueck": "123/4",
        "rolle": "eigentuemer",
        "baeume": [
            {
                "baumart": "Birke",
                "stammumfang_cm": 140,
                "hoehe_m": "18",
                "kronendurchmesser_m": "6.5",
                "standort_baum": "Hinter dem Haus, Nummer 1 im Lageplan",
                "massnahme": "faellung",
                "grund": "krank",
                "begruendung": "Pilze am Stammfuß, die Krone ist zur Hälfte abgestorben.",
            },
            {
                "baumart": "Fichte",
                "stammumfang_cm": 95,
                "massnahme": "faellung",
                "grund": "standsicherheit",
                "begruendung": "Der Baum neigt sich nach dem letzten Sturm stark zum Haus.",
            },
        ],
        "nester": "nein",
        "geplant_ab": "2026-10-01",
        "ersatzpflanzung": True,
        "ersatz_beschreibung": "Eine Hainbuche an derselben Stelle.",
        "lageplan": FILE_A,
        "fotos": [{"foto": FILE_B}],
        **DECLARATION,
    },
    "sondernutzung": {
        "antragsteller_art": "verein",
        "organisation": "Nachbarschaftsverein Beispielstraße e. V.",
        "antragsteller": {
            "vorname": "Mia",
            "nachname": "Beispiel",
            "anschrift": {**MAGDEBURG, "street": "Beispielstraße", "house_number": "5"},
            "email": "mia.beispiel@example.de",
            "telefon": "0391 654321",
        },
        "nutzungsart": "strassenfest",
        "beschreibung": "Jährliches Nachbarschaftsfest mit Kuchenbuffet, Flohmarkt und Spielen.",
        "besucher": 150,
        "eintritt": True,
        "eintrittspreis": "2.50",
        "gemeinnuetzig": True,
        "ort": "Beispielstraße zwischen Hausnummer 1 und 21",
        "flaechen": ["gehweg", "fahrbahn"],
        "laenge_m": "120",
        "breite_m": "8.5",
        "beginn": "2026-06-13",
        "ende": "2026-06-14",
        "uhrzeit_von": "10:00",
        "uhrzeit_bis": "22:00",
        "sperrung": True,
        "sperrung_details": "Vollsperrung Beispielstraße, Samstag 8 Uhr bis Sonntag 12 Uhr.",
        "aufbauten": ["zelte", "tische_baenke", "spielgeraete"],
        "speisen_getraenke": True,
        "alkohol": False,
        "musik": False,
        "lageplan": FILE_A,
        "konzept": FILE_B,
        "verkehrssicherung": True,
        **DECLARATION,
    },
    "gewerbeanmeldung": {
        "rechtsform": "einzel",
        "person": {
            "nachname": "Beispiel",
            "vornamen": "Lena Marie",
            "geschlecht": "weiblich",
            "geburtsdatum": "1994-02-28",
            "geburtsort": "Halle (Saale)",
            "geburtsland": "Deutschland",
            "staatsangehoerigkeit": "deutsch",
            "anschrift": MAGDEBURG,
            "email": "lena.beispiel@example.de",
        },
        "niederlassung": "haupt",
        "betrieb_an_wohnanschrift": False,
        "betriebsstaette_anschrift": {
            "street": "Hasselbachplatz",
            "house_number": "2",
            "postcode": "39104",
            "city": "Magdeburg",
        },
        "webseite": "www.beispiel-fahrrad.example",
        "taetigkeit": "Einzelhandel mit Fahrrädern und Zubehör, Reparatur von Fahrrädern",
        "betriebsart": ["handwerk", "handel"],
        "beginn": "2026-04-01",
        "nebenerwerb": False,
        "beschaeftigte_vollzeit": 0,
        "beschaeftigte_teilzeit": 1,
        "grund": "neuerrichtung",
        "erlaubnis": False,
        "handwerk": False,
        "identitaet": True,
        **DECLARATION,
    },
}


def definition_files() -> list[Path]:
    return sorted(DEFINITIONS_DIR.glob("*.json"))


def load_raw(key: str) -> dict:
    return json.loads((DEFINITIONS_DIR / f"{key}.json").read_text(encoding="utf-8"))


def load(key: str):
    return parse_definition(load_raw(key))


def check(key: str, data: dict):
    return validate(load(key), data, today=TODAY)


def valid(key: str) -> dict:
    return copy.deepcopy(VALID[key])


def leika_keys_in_catalogue() -> set[str]:
    with LEIKA_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["leistungsschluessel"] for row in csv.DictReader(handle)}


def fields_of(items):
    for item in items:
        if isinstance(item, Group):
            yield from fields_of(item.items)
        else:
            yield item


def step_fields(step) -> list[Field]:
    return list(fields_of(step.items))


# --- every file -------------------------------------------------------------------------


def test_the_six_forms_of_the_issue_are_there():
    assert tuple(path.stem for path in definition_files()) == KEYS


@pytest.mark.parametrize("path", definition_files(), ids=lambda p: p.stem)
def test_file_validates_against_the_json_schema_and_the_engine(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(raw)
    definition = parse_definition(raw)
    assert definition.key == path.stem


@pytest.mark.parametrize("key", KEYS)
def test_every_leika_key_exists_in_the_official_catalogue(key):
    known = leika_keys_in_catalogue()
    keys = load_raw(key)["leika_keys"]
    assert keys
    assert [k for k in keys if k not in known] == []


@pytest.mark.parametrize("key", KEYS)
def test_source_names_real_references_with_addresses(key):
    source = load_raw(key)["source"]
    assert source["kind"] == "manual"
    assert "Generisches Formular der Genossenschaft" in source["reference"]
    assert source["reference"].count("http") >= 1


@pytest.mark.parametrize("key", KEYS)
def test_form_has_three_to_six_steps_and_an_applicant_step(key):
    definition = load(key)
    assert 3 <= len(definition.steps) <= 6
    applicant_steps = [
        step
        for step in definition.steps
        if {"address", "email", "phone"} <= {f.type for f in step_fields(step)}
    ]
    assert applicant_steps, "no step asks for address, e-mail and phone together"
    # The e-mail address is needed for the receipt: always required on the applicant step.
    assert any(f.type == "email" and f.required for f in step_fields(applicant_steps[0]))


@pytest.mark.parametrize("key", KEYS)
def test_last_step_ends_with_the_required_declaration(key):
    definition = load(key)
    last = step_fields(definition.steps[-1])[-1]
    assert (last.id, last.type, last.required) == ("versicherung_richtig", "boolean", True)
    assert last.must_be_true
    assert last.label.startswith("Ich versichere, dass die Angaben richtig")
    assert "versicherung_richtig" in data_json_schema(definition)["required"]


def all_uploads() -> list[tuple[str, Field]]:
    return [(key, f) for key in KEYS for f in load(key).iter_fields() if f.type == "file"]


def test_forms_whose_paper_version_needs_attachments_have_uploads():
    # Sperrmüll cards ask for no attachment; the others name documents to add.
    keys = {key for key, _field in all_uploads()}
    assert keys == set(KEYS) - {"sperrmuell"}


@pytest.mark.parametrize(
    ("key", "field"), all_uploads(), ids=lambda v: v if isinstance(v, str) else v.id
)
def test_every_upload_limits_type_and_size(key, field):
    assert field.accept
    assert set(field.accept) <= {"application/pdf", "image/jpeg", "image/png", "image/tiff"}
    assert 0 < field.max_size <= 10 * 1024 * 1024


@pytest.mark.parametrize("key", KEYS)
def test_every_code_list_is_used_by_a_field(key):
    definition = load(key)
    used = {f.choices for f in definition.iter_fields() if f.choices}
    assert set(load_raw(key).get("code_lists", {})) == used


@pytest.mark.parametrize("key", KEYS)
def test_labels_do_not_repeat_the_optional_marker(key):
    # The page marks optional fields itself; a label saying it again would be read twice
    # by screen readers and appear in every error message.
    for field in load(key).iter_fields():
        assert "freiwillig" not in field.label.lower(), field.id


# --- a realistic application ------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_realistic_application_is_valid_and_kept_unchanged(key):
    result = check(key, valid(key))
    assert result.errors == {}
    assert result.data == VALID[key]


@pytest.mark.parametrize("key", KEYS)
def test_data_schema_accepts_the_cleaned_application(key):
    definition = load(key)
    cleaned = check(key, valid(key)).data
    schema = data_json_schema(definition)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(cleaned)] == []


@pytest.mark.parametrize("key", KEYS)
def test_data_schema_rejects_a_field_the_form_does_not_have(key):
    schema = data_json_schema(load(key))
    data = {**check(key, valid(key)).data, "unbekannt": "x"}
    assert not jsonschema.Draft202012Validator(schema).is_valid(data)


@pytest.mark.parametrize("key", KEYS)
def test_answers_list_every_visible_step_with_labels(key):
    definition = load(key)
    data = check(key, valid(key)).data
    sections = answers(definition, data, today=TODAY)
    shown = [step.id for step in visible_steps(definition, data, today=TODAY)]
    assert [section.step_id for section in sections] == shown
    for section in sections:
        assert all(row.label and row.text for row in section.rows)


def _leaf_paths(definition, data: dict, prefix: str = ""):
    """(path, field) of every value in cleaned data; addresses count as one value."""
    for key, value in data.items():
        item = definition.items[key]
        path = prefix + key
        if isinstance(item, Group):
            entries = value if isinstance(value, list) else [value]
            for index, entry in enumerate(entries):
                inner = f"{path}.{index}." if item.repeat else f"{path}."
                yield from _leaf_paths(definition, entry, inner)
        else:
            yield path, item


def _without(data: dict, path: str) -> dict:
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    del node[last]
    return data


@pytest.mark.parametrize("key", KEYS)
def test_each_required_answer_left_out_is_reported_at_its_own_path(key):
    definition = load(key)
    for path, field in _leaf_paths(definition, VALID[key]):
        errors = check(key, _without(VALID[key], path)).errors
        if field.required:
            reported = {p for p in errors if p == path or p.startswith(path + ".")}
            assert reported, f"{path} left out but not reported"
        else:
            assert errors == {}, f"optional {path} left out: {errors}"


@pytest.mark.parametrize("key", KEYS)
def test_every_error_of_an_empty_step_links_to_a_field_on_the_page(key):
    definition = load(key)
    for step in definition.steps:
        errors = validate(definition, {}, step_id=step.id, today=TODAY).errors
        entries = error_summary_entries(definition, step, {}, errors, today=TODAY)
        assert len(entries) >= len(errors), step.id
        assert [href for href, _m in entries if not href.startswith("#f-")] == [], step.id


@pytest.mark.parametrize("key", KEYS)
def test_every_step_renders_with_the_realistic_answers(key):
    definition = load(key)
    for step in visible_steps(definition, VALID[key], today=TODAY):
        widgets = step_widgets(definition, step, VALID[key], today=TODAY)
        assert widgets, step.id
        assert all(widget.label for widget in widgets), step.id


@pytest.mark.parametrize("key", KEYS)
def test_each_screen_of_the_realistic_application_stays_within_the_page_length(key):
    """About ten inputs per screen (an address four, follow-ups of an answer on the same
    page none): what each screen of the cooperative's forms shows for its realistic
    application, after the engine cut long steps into pages."""
    from openkommune.forms.engine import visible_pages
    from openkommune.forms.engine.rendering import PAGE_INPUTS, screen_inputs, step_widgets

    definition = load(key)
    data = valid(key)
    for page in visible_pages(definition, data, today=TODAY):
        if page.on_check_page:
            continue
        inputs = screen_inputs(step_widgets(definition, page, data, today=TODAY))
        assert 0 < inputs <= PAGE_INPUTS, (page.id, inputs)
        assert inputs == page.inputs, page.id  # the cut counts what the screen shows


@pytest.mark.parametrize("key", KEYS)
def test_every_form_passes_the_page_length_check(key):
    """The publish check of the form studio (`page_length_problems`) accepts every shipped
    form: no page stays above the rule for any answers on other steps."""
    from openkommune.forms.engine import page_length_problems

    assert page_length_problems(load(key)) == []
