"""BundID's attributes as a prefill origin (issue 15, part 3) without a login: the profile's
attribute names, the mapping onto a form's applicant roles, the lock from the online-ID
level up and the birth date in both formats BundID-style IdPs send."""

import json
import re
from pathlib import Path

from openkommune.forms.engine import apply_prefill, keep_locked, parse_definition
from openkommune.identity.constants import ATTRIBUTES, BPK2
from openkommune.submissions.services.identity_prefill import (
    attribute_values,
    form_date,
    identity_record,
)

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "src" / "openkommune" / "forms" / "definitions"

# BundID's SAML attribute profile (names with NameFormat uri), as published by AKDB in the
# BundID interface description and used by the public BundID integrations.
BUNDID_PROFILE = {
    "bpk2": "urn:oid:1.3.6.1.4.1.25484.494450.3",
    "given_name": "urn:oid:2.5.4.42",
    "family_name": "urn:oid:2.5.4.4",
    "birth_date": "urn:oid:1.2.40.0.10.2.1.1.55",
    "birth_place": "urn:oid:1.3.6.1.5.5.7.9.2",
    "street": "urn:oid:2.5.4.16",
    "postal_code": "urn:oid:2.5.4.17",
    "locality": "urn:oid:2.5.4.7",
    "country": "urn:oid:1.2.40.0.10.2.1.1.225599",
    "email": "urn:oid:0.9.2342.19200300.100.1.3",
}


def definition(name: str):
    return parse_definition(json.loads((DEFINITIONS / f"{name}.json").read_text()))


def attributes(level: int, **overrides) -> dict:
    values = {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "birth_date": "1964-08-12",
        "birth_place": "Berlin",
        "street": "Heidestraße 17",
        "postal_code": "51147",
        "locality": "Köln",
        "email": "erika@example.org",
    } | overrides
    return {name: {"value": value, "level": level} for name, value in values.items()}


def test_the_requested_attribute_names_are_bundids():
    assert {field: name for name, (field, _label) in ATTRIBUTES.items()} == BUNDID_PROFILE
    assert BUNDID_PROFILE["bpk2"] == BPK2


def test_the_operator_documentation_lists_the_same_names():
    text = (ROOT / "docs" / "identity.md").read_text()
    table = dict(re.findall(r"\| `(urn:oid:[0-9.]+)` \| (\w+) \|", text))
    expected = {name: field for field, name in BUNDID_PROFILE.items()}
    assert table == expected | {BUNDID_PROFILE["bpk2"]: "identifier"}


def test_birth_date_in_both_formats_and_nothing_for_a_partial_date():
    assert form_date("1964-08-12") == "12.08.1964"
    assert form_date("2.3.1990") == "02.03.1990"
    assert form_date("1964-00-00") == ""
    assert form_date("1964") == ""
    assert form_date("") == ""


def test_online_id_values_fill_birth_date_and_place_locked():
    form = definition("gewerbeanmeldung")
    data, record = apply_prefill(form, {}, attribute_values(attributes(4)))
    assert data["person"]["geburtsdatum"] == "12.08.1964"
    assert data["person"]["geburtsort"] == "Berlin"
    assert data["person"]["vornamen"] == "Erika"
    assert record["person.geburtsort"]["locked"] is True
    assert record["person.geburtsort"]["level"] == 4
    assert record["person.geburtsort"]["label"] == "aus Ihrem BundID-Konto"
    posted = {"person": {**data["person"], "geburtsort": "Hamburg"}}
    assert keep_locked(posted, record)["person"]["geburtsort"] == "Berlin"
    assert identity_record(record)["person.geburtsdatum"] == {
        "value": "12.08.1964",
        "level": 4,
        "origin": "bundid",
    }


def test_lower_levels_are_suggestions_the_applicant_may_change():
    form = definition("gewerbeanmeldung")
    data, record = apply_prefill(form, {}, attribute_values(attributes(3)))
    assert record["person.geburtsort"]["locked"] is False
    posted = {"person": {**data["person"], "geburtsort": "Hamburg"}}
    assert keep_locked(posted, record)["person"]["geburtsort"] == "Hamburg"


def test_parts_keep_their_own_level():
    values = attributes(4)
    values["postal_code"]["level"] = 2
    data, record = apply_prefill(definition("hundesteuer"), {}, attribute_values(values))
    assert data["halter"]["anschrift"] == {
        "street": "Heidestraße",
        "house_number": "17",
        "postcode": "51147",
        "city": "Köln",
    }
    assert record["halter.anschrift.street"]["locked"] is True
    assert record["halter.anschrift.postcode"]["locked"] is False
    assert record["halter.anschrift.postcode"]["level"] == 2


def test_locked_bundid_values_win_over_the_account():
    from openkommune.forms.engine import Origin, Prefill

    account = [Prefill("given_name", "Eva", Origin("konto", "aus Ihrem Konto"))]
    data, record = apply_prefill(
        definition("hundesteuer"), {}, account + attribute_values(attributes(4))
    )
    assert data["halter"]["vorname"] == "Erika"
    assert record["halter.vorname"]["origin"] == "bundid"
