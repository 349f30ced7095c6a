"""Uploading a newer version of an imported FIM schema in the studio: a page with the
field-level differences, the rule changes and the studio edits kept; nothing changes until
the user confirms; discarding changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.models import FormVersion, PendingFimImport
from openkommune.studio import editing
from openkommune.studio.services import studio_edit
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.forms.fim_samples.builders import field, group, rule, schema

pytestmark = pytest.mark.django_db
URL = "/genossenschaft/formular-studio/fim-import/"
LEIKA = "99089086000000"

V1 = [
    group("G90000001", "Person", [
        field("F90000001", "Name"),
        field("F90000002", "Hinweis", anzahl="0:1"),
        field("F90000003", "Alt", anzahl="0:1"),
    ]),
]  # fmt: skip
V2 = [
    group("G90000001", "Person", [
        field("F90000001", "Name"),
        field("F90000002", "Hinweis", anzahl="0:1"),
        field("F90000004", "Telefon", anzahl="0:1"),
        field("F90000005", "E-Mail", anzahl="0:1"),
    ], regel=rule("R90000001", "Kontakt", 'Es muss mindestens eines der Felder F90000004 '
                  '"Telefon" oder F90000005 "E-Mail" befüllt sein.')),
]  # fmt: skip


@pytest.fixture
def anna(client):
    user = UserFactory(cooperative_staff=True)
    client.force_login(user)
    return user


def upload(client, content: bytes, *, key=""):
    file = SimpleUploadedFile("schema.xml", content, content_type="application/xml")
    return client.post(URL, {"datei": file, "leika_keys": LEIKA, "key": key})


def imported_and_edited(client, anna):
    assert upload(client, schema(V1, version="1.0"), key="reimport").status_code == 302
    version = FormVersion.objects.get(form__key="reimport")
    definition = editing.replace_item(
        version.definition,
        "f90000002_hinweis",
        {**editing.find(version.definition, "f90000002_hinweis").item,
         "label": "Hinweis (Studio)", "help": "Hilfe aus dem Studio"},
    )  # fmt: skip
    return studio_edit(actor=anna, version=version, definition=definition, change="Test")


def test_newer_version_shows_the_diff_and_applies_only_when_confirmed(client, anna):
    version = imported_and_edited(client, anna)
    response = upload(client, schema(V2, version="1.1"))
    pending = PendingFimImport.objects.get()
    assert response["Location"] == f"{URL}{pending.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "importiert ist Version 1.0" in page
    assert "Version 1.1" in page
    assert "f90000004_telefon" in page
    assert "f90000003_alt" in page
    assert "R90000001" in page  # a new rule, taken over
    assert "Hinweis (Studio)" in page  # the studio edit that stays
    # Nothing changed yet.
    assert FormVersion.objects.get(pk=version.pk).definition == version.definition
    confirmed = client.post(response["Location"], {"aktion": "uebernehmen"})
    assert confirmed.status_code == 302
    newest = FormVersion.objects.filter(form__key="reimport").order_by("-number").first()
    assert newest.status == FormVersionStatus.DRAFT
    assert newest.edited_by == anna
    items = {i["id"]: i for i in newest.definition["steps"][0]["items"]}
    assert items["f90000002_hinweis"]["label"] == "Hinweis (Studio)"
    assert "f90000004_telefon" in items
    assert "f90000003_alt" not in items
    assert newest.definition["source"]["fim_version"] == "1.1"
    assert newest.definition["rules"][0]["any_filled"] == ["f90000004_telefon",
                                                          "f90000005_e_mail"]  # fmt: skip
    assert newest.fim_import_base["source"]["fim_version"] == "1.1"
    assert not PendingFimImport.objects.exists()
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="form_version.fim_reimport").exists()
    report = client.get(confirmed["Location"]).content.decode()
    assert "1 Regeln übernommen, 0 Regeln nicht übernommen" in report


def test_discarding_changes_nothing(client, anna):
    version = imported_and_edited(client, anna)
    response = upload(client, schema(V2, version="1.1"))
    discarded = client.post(response["Location"], {"aktion": "verwerfen"})
    assert discarded.status_code == 302
    assert not PendingFimImport.objects.exists()
    assert FormVersion.objects.filter(form__key="reimport").count() == 1
    assert FormVersion.objects.get(pk=version.pk).definition == version.definition


def test_same_or_older_version_is_refused(client, anna):
    imported_and_edited(client, anna)
    response = upload(client, schema(V1, version="1.0"))
    assert response.status_code == 422
    assert "nur eine neuere Version" in response.content.decode()
    response = upload(client, schema(V1, version="0.9"))
    assert response.status_code == 422
    assert not PendingFimImport.objects.exists()


def test_a_changed_form_needs_a_new_upload(client, anna):
    version = imported_and_edited(client, anna)
    response = upload(client, schema(V2, version="1.1"))
    definition = editing.replace_item(
        version.definition, "f90000001_name",
        {**editing.find(version.definition, "f90000001_name").item, "label": "Anders"},
    )  # fmt: skip
    studio_edit(actor=anna, version=version, definition=definition, change="danach")
    client.post(response["Location"], {"aktion": "uebernehmen"})
    page = client.get(response["Location"]).content.decode()
    assert "seit dem Hochladen geändert" in page
    assert FormVersion.objects.get(pk=version.pk).definition["source"]["fim_version"] == "1.0"


def test_another_key_for_an_imported_schema_is_refused(client, anna):
    imported_and_edited(client, anna)
    response = upload(client, schema(V2, version="1.1"), key="anderer_schluessel")
    assert response.status_code == 422
    assert "schon als Formular „reimport“ importiert" in response.content.decode()


def test_unknown_pending_import_is_404(client, anna):
    assert client.get(URL + "00000000-0000-0000-0000-000000000000/").status_code == 404
