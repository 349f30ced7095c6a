"""FIM in the studio: uploading a Stammdatenschema gives a draft with its import report
(rules taken over as conditions and not), which the studio's pages edit; bad files give a
German error and store nothing."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.models import FormDefinition, FormVersion
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.forms.fim_samples.builders import field, schema

pytestmark = pytest.mark.django_db
URL = "/genossenschaft/formular-studio/fim-import/"
DATA = Path(settings.DATA_DIR) / "fim-stammdatenschemata"
BLAUE_KARTE = "S00000121_V1.0_Antrag_Blaue_Karte_EU.xdf2.xml"
LEIKA = "99010014001001"  # Blaue Karte EU Erteilung (OZG/LeiKa catalogue)


@pytest.fixture
def anna(client):
    user = UserFactory(cooperative_staff=True)
    client.force_login(user)
    return user


def upload(client, content: bytes, *, name="schema.xml", leika=LEIKA, key=""):
    file = SimpleUploadedFile(name, content, content_type="application/xml")
    return client.post(URL, {"datei": file, "leika_keys": leika, "key": key})


def test_only_cooperative_staff_upload(client):
    assert client.get(URL).status_code == 302
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_upload_makes_an_editable_draft_with_the_rules_as_conditions(client, anna):
    page = client.get(URL)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    content = (DATA / BLAUE_KARTE).read_bytes()
    response = upload(client, content, key="blaue_karte_studio")
    assert response.status_code == 302
    version = FormVersion.objects.get(form__key="blaue_karte_studio")
    assert response["Location"].endswith(f"/blaue_karte_studio/{version.number}/importbericht/")
    assert version.status == FormVersionStatus.DRAFT
    assert version.edited_by == anna  # the studio's editor: someone else publishes
    assert version.definition["leika_keys"] == [LEIKA]
    assert any(e["kind"] == "rule_applied" for e in version.import_report)
    conditioned = [
        item
        for step in version.definition["steps"]
        for item in step["items"]
        if item.get("visible_if") == {"field": "f00001027_krankenversicherung_vorhanden",
                                      "equals": True}
    ]  # fmt: skip
    assert conditioned
    report = client.get(response["Location"])
    text = report.content.decode()
    assert "3 Regeln übernommen, 0 Regeln nicht übernommen" in text
    assert "R00000254" in text
    rules_only = client.get(response["Location"] + "?art=rule_applied").content.decode()
    assert "R00000252" in rules_only
    assert "Rechtsbezug</td>" not in rules_only
    # The studio's pages edit the result.
    assert client.get(f"/genossenschaft/formular-studio/blaue_karte_studio/{version.number}/")
    with scopes_disabled():  # cooperative data: audited without a tenant
        assert AuditRecord.objects.filter(action="form.create", actor=anna).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "leer"),  # Django refuses an empty upload itself
        (b"<kein xml", "XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "Entity"),
        (b'<x xmlns="urn:xoev-de:fim:standard:xdatenfelder_3.0.0"/>', "kein Stammdatenschema"),
        (b'<x xmlns="urn:xoev-de:fim:standard:xdatenfelder_3.1"/>', "XDatenfelder 3.0.0"),
    ],
)
def test_bad_files_give_a_german_error_and_store_nothing(client, anna, content, message):
    forms_before = FormDefinition.objects.count()
    response = upload(client, content)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert FormDefinition.objects.count() == forms_before


def test_missing_leika_key_and_bad_inputs(client, anna):
    content = schema([field("F90000001", "Name")])
    response = upload(client, content, leika="")
    assert response.status_code == 422
    assert "im Feld „LeiKa-Schlüssel“ angeben" in response.content.decode()
    response = upload(client, content, leika="12345")
    assert "ist kein LeiKa-Schlüssel" in response.content.decode()
    response = upload(client, content, key="Böser Schlüssel")
    assert "Kleinbuchstaben" in response.content.decode()
    too_big = SimpleUploadedFile("gross.xml", b" " * (5 * 1024 * 1024 + 1))
    response = client.post(URL, {"datei": too_big, "leika_keys": LEIKA})
    assert "größer als 5 MB" in response.content.decode()
    assert not FormDefinition.objects.filter(key="testschema").exists()


def test_an_existing_key_is_refused(client, anna):
    content = schema([field("F90000001", "Name")])
    assert upload(client, content, key="doppelt").status_code == 302
    # The same schema again is no newer version of it (docs/fim-import.md).
    response = upload(client, content, key="doppelt")
    assert response.status_code == 422
    assert "nur eine neuere Version" in response.content.decode()
    # Another schema under a key that is taken.
    other = schema([field("F90000001", "Name")], fim_id="S99999997")
    response = upload(client, other, key="doppelt")
    assert response.status_code == 422
    assert "Ein anderes Schema bitte als neues Formular importieren" in response.content.decode()
    assert FormVersion.objects.filter(form__key="doppelt").count() == 1


def test_xdatenfelder_3_upload(client, anna):
    content = Path(__file__).parents[1] / "forms" / "fim_samples" / "testschema_xdf3.xml"
    response = upload(client, content.read_bytes(), key="xdf3_test")
    assert response.status_code == 302
    version = FormVersion.objects.get(form__key="xdf3_test")
    assert version.definition["source"]["xdatenfelder_version"] == "3"
    report = client.get(response["Location"]).content.decode()
    assert "3 Regeln übernommen, 0 Regeln nicht übernommen" in report
    assert "Codeliste fehlt" in report
