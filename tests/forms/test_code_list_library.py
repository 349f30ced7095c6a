"""The code list library (docs/forms.md "Code list library"): genericode files as they come
from XRepository (children without namespace) and from the FIM export (with `gc:`), the
strict checks of an upload, versions that never change, and the FIM import linking to it."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openkommune.forms.fim.codelists import library_problems
from openkommune.forms.fim.reader import FimFileError, GenericodeList, read_genericode
from openkommune.forms.models import CodeList, CodeListVersion
from openkommune.forms.services import code_list_version_upload, form_version_import_fim
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.forms.fim_samples.builders import field, genericode, schema

FARBE_FILE = Path(__file__).parent / "fim_samples" / "testdaten_codeliste_farbe.gc.xml"
FARBE = FARBE_FILE.read_bytes()
URI = "urn:openkommune:testdaten:codeliste:farbe"
LEIKA = ["99089086000000"]


def test_xrepository_shape_without_namespace_on_the_children():
    code_list = read_genericode(FARBE)
    assert (code_list.uri, code_list.version) == (URI, "1")
    assert code_list.version_uri == f"{URI}_1"
    assert code_list.name == "Testdaten Farbe"
    assert code_list.entries == [("01", "Rot"), ("02", "Grün"), ("03", "Blau")]
    assert library_problems(code_list) == []


def test_fim_export_shape_with_gc_prefix():
    code_list = read_genericode(genericode("urn:test:liste", "2", [("a", "Eins"), ("b", "Zwei")]))
    assert (code_list.uri, code_list.version) == ("urn:test:liste", "2")
    assert code_list.entries == [("a", "Eins"), ("b", "Zwei")]


@pytest.mark.parametrize(
    ("code_list", "problem"),
    [
        (GenericodeList("", "1", "", "x", [("a", "A")]), "keine kanonische URI"),
        (GenericodeList("urn:x", "", "", "x", [("a", "A")]), "keine Version"),
        (GenericodeList("urn:x", "1", "", "x", []), "keine Einträge"),
        (GenericodeList("urn:x", "1", "", "x", [("a", "A"), ("a", "B")]), "doppelt"),
        (GenericodeList("urn:x", "1", "", "x", [("a" * 101, "A")]), "länger als 100"),
        (GenericodeList("urn:x", "1", "", "x", [("a", "A" * 501)]), "länger als 500"),
    ],
)
def test_the_library_refuses_lists_it_cannot_hold(code_list, problem):
    assert any(problem in message for message in library_problems(code_list))


def test_not_genericode_is_refused():
    with pytest.raises(FimFileError, match="keine genericode-Codeliste"):
        read_genericode(b'<?xml version="1.0"?><CodeList/>')


@pytest.mark.django_db
class TestUpload:
    def test_upload_creates_list_and_version_with_audit(self):
        anna = UserFactory(cooperative_staff=True)
        version, created = code_list_version_upload(actor=anna, data=FARBE, file_name="farbe.xml")
        assert created
        assert version.code_list.uri == URI
        assert version.version == "1"
        assert version.entries[1] == {"code": "02", "label": "Grün"}
        assert len(version.sha256) == 64
        assert version.uploaded_by == anna
        with scopes_disabled():
            actions = set(AuditRecord.objects.values_list("action", flat=True))
        assert {"code_list.create", "code_list_version.upload"} <= actions

    def test_same_version_again_changes_nothing(self):
        anna = UserFactory(cooperative_staff=True)
        first, _ = code_list_version_upload(actor=anna, data=FARBE)
        again, created = code_list_version_upload(actor=anna, data=FARBE)
        assert (again, created) == (first, False)
        assert CodeListVersion.objects.count() == 1

    def test_a_new_version_is_a_new_row_and_an_existing_one_never_changes(self):
        anna = UserFactory(cooperative_staff=True)
        code_list_version_upload(actor=anna, data=FARBE)
        other = genericode(URI, "1", [("01", "Rot"), ("04", "Gelb")])
        with pytest.raises(ValidationError, match="gibt es schon mit anderen Einträgen"):
            code_list_version_upload(actor=anna, data=other)
        newer = genericode(URI, "2", [("01", "Rot"), ("04", "Gelb")])
        version, created = code_list_version_upload(actor=anna, data=newer)
        assert created
        assert version.version == "2"
        assert CodeList.objects.count() == 1
        assert CodeListVersion.objects.filter(code_list__uri=URI).count() == 2
        assert CodeListVersion.objects.get(version="1").entries[1]["label"] == "Grün"

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"<kein xml", "kein wohlgeformtes XML"),
            (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', "DTD"),
            (genericode("", "1", [("a", "A")]), "keine kanonische URI"),
            (genericode("urn:x", "1", [("a", "A"), ("a", "B")]), "doppelt"),
        ],
    )
    def test_bad_files_store_nothing(self, data, message):
        anna = UserFactory(cooperative_staff=True)
        with pytest.raises(ValidationError) as caught:
            code_list_version_upload(actor=anna, data=data)
        assert any(message in text for text in caught.value.messages)
        assert not CodeList.objects.exists()
        assert not CodeListVersion.objects.exists()

    def test_only_cooperative_staff_upload(self):
        with pytest.raises(PermissionDenied):
            code_list_version_upload(actor=UserFactory(), data=FARBE)

    def test_the_fim_import_links_to_the_library(self):
        anna = UserFactory(cooperative_staff=True)
        code_list_version_upload(actor=anna, data=FARBE)
        content = schema(
            [
                field("F90000001", "Farbe", feldart="select", codeliste=(URI, "1")),
                field("F90000002", "Form", feldart="select", codeliste=("urn:test:form", "3")),
            ]
        )
        version = form_version_import_fim(actor=anna, data=content, leika_keys=LEIKA)
        fields = {i["fim_id"]: i for s in version.definition["steps"] for i in s["items"]}
        farbe = fields["F90000001"]
        assert farbe["type"] == "choice"
        code_list = version.definition["code_lists"][farbe["choices"]]
        assert (code_list["uri"], code_list["version"], len(code_list["entries"])) == (URI, "1", 3)
        assert fields["F90000002"]["type"] == "text"
        missing = [e for e in version.import_report if e["kind"] == "code_list"]
        assert len(missing) == 1
        assert "urn:test:form" in missing[0]["message"]
        assert "„Codelisten“ hochladen" in missing[0]["message"]
        assert version.fim_import_base == version.definition
