"""`load_forms` publishes the six definitions of forms/definitions/ unchanged, and a citizen
who picks the OZG-Leistung of a form is led to it."""

from io import StringIO

import jsonschema
import pytest
from django.core.management import call_command

from openkommune.catalog.models import OzgLeistung
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.models import FormVersion
from openkommune.forms.selectors import form_current_version, form_for_leistung
from tests.forms.test_definitions import KEYS, check, leika_keys_in_catalogue, load_raw, valid

pytestmark = pytest.mark.django_db

# The OZG-Leistung each form serves, from the official catalogue file.
OZG_OF_FORM = {
    "baumfaellung": "10112",
    "bewohnerparkausweis": "10173",
    "gewerbeanmeldung": "10294",
    "hundesteuer": "10160",
    "sondernutzung": "10348",
    "sperrmuell": "10110",
}


def load_forms() -> str:
    out = StringIO()
    call_command("load_forms", stdout=out)
    return out.getvalue()


def test_all_six_forms_are_published_as_in_their_files():
    # The test session runs `load_forms` once (tests/conftest.py), as `make run` does.
    for key in KEYS:
        version = form_current_version(key=key)
        assert version is not None, key
        assert version.status == FormVersionStatus.PUBLISHED
        assert version.published_at is not None
        assert version.definition == load_raw(key)
        assert version.form.leika_keys == load_raw(key)["leika_keys"]


def test_published_data_schema_accepts_a_realistic_application():
    for key in KEYS:
        schema = form_current_version(key=key).data_schema
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.FormatChecker()
        )
        cleaned = check(key, valid(key)).data
        assert [error.message for error in validator.iter_errors(cleaned)] == [], key


def test_loading_again_keeps_the_published_versions():
    before = FormVersion.objects.filter(form__key__in=KEYS).count()
    output = load_forms()
    for key in KEYS:
        number = form_current_version(key=key).number
        assert f"{key}: Version {number} unverändert" in output
    assert FormVersion.objects.filter(form__key__in=KEYS).count() == before


@pytest.mark.parametrize("key", KEYS)
def test_citizen_choosing_the_ozg_leistung_gets_this_form(key):
    assert set(load_raw(key)["leika_keys"]) <= leika_keys_in_catalogue()
    leistung = OzgLeistung.objects.get(ozg_id=OZG_OF_FORM[key])
    version = form_for_leistung(ozg_leistung=leistung)
    assert version is not None
    assert version.form.key == key
