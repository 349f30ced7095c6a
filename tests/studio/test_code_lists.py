"""The code list library in the studio: list, upload with German errors (nothing stored on
bad input), detail with versions, and a field choosing a version in the field editor, whose
entries the engine then renders and checks."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkommune.forms.engine import data_json_schema, parse_definition, validate
from openkommune.forms.models import CodeList, CodeListVersion, FormVersion
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.forms.fim_samples.builders import genericode
from tests.forms.helpers import field
from tests.studio.helpers import draft

pytestmark = pytest.mark.django_db
BASE = "/genossenschaft/formular-studio/"
FARBE = (
    Path(__file__).parents[1] / "forms" / "fim_samples" / "testdaten_codeliste_farbe.gc.xml"
).read_bytes()
URI = "urn:openkommune:testdaten:codeliste:farbe"


@pytest.fixture
def anna(client):
    user = UserFactory(cooperative_staff=True)
    client.force_login(user)
    return user


def upload(client, content: bytes, name="farbe.xml"):
    file = SimpleUploadedFile(name, content, content_type="application/xml")
    return client.post(BASE + "codelisten/hochladen/", {"datei": file})


def test_only_cooperative_staff(client):
    assert client.get(BASE + "codelisten/").status_code == 302
    client.force_login(UserFactory())
    assert client.get(BASE + "codelisten/").status_code == 403
    assert client.get(BASE + "codelisten/hochladen/").status_code == 403


def test_upload_list_detail_and_version_pages(client, anna):
    assert "Noch keine Codelisten" in client.get(BASE + "codelisten/").content.decode()
    response = upload(client, FARBE)
    assert response.status_code == 302
    version = CodeListVersion.objects.get()
    assert response["Location"] == f"{BASE}codelisten/version/{version.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Testdaten Farbe" in page
    assert "Grün" in page
    assert URI in page
    listing = client.get(BASE + "codelisten/").content.decode()
    assert URI in listing
    detail = client.get(f"{BASE}codelisten/{version.code_list.public_id}/").content.decode()
    assert ">1</a>" in detail  # the version, linked
    assert "Kein Formular nutzt diese Codeliste." in detail
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="code_list_version.upload", actor=anna).exists()
    # The same file again: nothing new.
    again = upload(client, FARBE)
    assert again.status_code == 302
    assert CodeListVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<kein xml", "kein wohlgeformtes XML"),
        (b'<?xml version="1.0"?><liste/>', "keine genericode-Codeliste"),
        (genericode("", "1", [("a", "A")]), "keine kanonische URI"),
        (genericode("urn:x", "", [("a", "A")]), "keine Version"),
        (genericode("urn:x", "1", [("a", "A"), ("a", "B")]), "doppelt"),
    ],
)
def test_bad_files_give_a_german_error_and_store_nothing(client, anna, content, message):
    response = upload(client, content)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CodeList.objects.exists()


def test_unknown_ids_are_404(client, anna):
    assert client.get(BASE + "codelisten/00000000-0000-0000-0000-000000000000/").status_code == 404
    missing = BASE + "codelisten/version/00000000-0000-0000-0000-000000000000/"
    assert client.get(missing).status_code == 404


def test_a_field_chooses_a_library_version(client, anna):
    upload(client, FARBE)
    library = CodeListVersion.objects.get()
    version = draft(anna, "farbtest", field("farbe", "text", label="Lieblingsfarbe",
                                            max_length=20, required=True))  # fmt: skip
    url = f"{BASE}farbtest/{version.number}/element/farbe/codeliste/"
    editor = client.get(f"{BASE}farbtest/{version.number}/element/farbe/").content.decode()
    assert url in editor  # linked from the field editor
    page = client.get(url)
    assert page.status_code == 200
    assert "Testdaten Farbe, Version 1" in page.content.decode()
    bad = client.post(url, {"version": "", "field_type": "choice"})
    assert bad.status_code == 422
    response = client.post(
        url, {"version": str(library.public_id), "field_type": "choice", "widget": "select"}
    )
    assert response.status_code == 302
    definition = FormVersion.objects.get(pk=version.pk).definition
    item = definition["steps"][0]["items"][0]
    assert (item["type"], item["widget"], item["required"]) == ("choice", "select", True)
    assert "max_length" not in item
    code_list = definition["code_lists"][item["choices"]]
    assert (code_list["uri"], code_list["version"]) == (URI, "1")
    # The engine renders and checks the entries; the data schema has the codes as enum.
    parsed = parse_definition(definition)
    assert validate(parsed, {"farbe": "02"}).is_valid
    assert not validate(parsed, {"farbe": "99"}).is_valid
    assert data_json_schema(parsed)["properties"]["farbe"]["enum"] == ["01", "02", "03"]
    preview = client.get(f"{BASE}farbtest/{version.number}/vorschau/").content.decode()
    assert "Grün" in preview
    detail = client.get(f"{BASE}codelisten/{library.code_list.public_id}/").content.decode()
    assert "farbtest" in detail  # where it is used


def test_a_published_version_is_not_changed_by_the_chooser(client, anna):
    upload(client, FARBE)
    version = draft(anna, "farbtest2", field("farbe", "text"))
    FormVersion.objects.filter(pk=version.pk).update(status="in_review")
    url = f"{BASE}farbtest2/{version.number}/element/farbe/codeliste/"
    response = client.get(url)
    assert response.status_code == 302
