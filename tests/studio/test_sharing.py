"""Sharing forms between installations (ADR 0036): the exchange file (ZIP, manifest, SHA-256
of every file, format 1), its import as a new form of drafts (new ids, four eyes again,
audited), and every way a file can be wrong: a German message and nothing stored."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.models import FormDefinition, FormVersion
from openkommune.forms.services import form_version_submit_review
from openkommune.studio import sharing
from openkommune.studio.services import (
    studio_form_export,
    studio_form_import,
    studio_publish,
)
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.forms.helpers import field
from tests.studio.helpers import draft, gate_passed

pytestmark = pytest.mark.django_db

APPLICANT = {"name": "name", "email": "email"}


def _published_and_draft(anna, ben):
    """Version 1 published (after review and gate), version 2 a draft."""
    from openkommune.forms.services import form_version_draft_from
    from openkommune.studio.services import studio_edit

    version = draft(anna, "teilen", field("name", required=True), field("email", "email"),
                    applicant=APPLICANT)  # fmt: skip
    form_version_submit_review(actor=anna, version=version)
    gate_passed(ben, version)
    studio_publish(actor=ben, version=version)
    second = form_version_draft_from(actor=anna, version=version)
    studio_edit(actor=anna, version=second,
                definition={**second.definition, "title": "Teilen, zweite Fassung"},
                change="Titel")  # fmt: skip
    return version.form


def _exported(anna, ben) -> tuple[FormDefinition, bytes]:
    form = _published_and_draft(anna, ben)
    _name, data = studio_form_export(actor=anna, form=form)
    return form, data


def _rewrite(data: bytes, change) -> bytes:
    """The exchange file with `change(files)` applied to its {name: bytes}."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    change(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_the_export_holds_every_version_with_a_manifest_and_hashes():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    form, data = _exported(anna, ben)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        assert names == {"manifest.json", "versions/1.json", "versions/2.json"}
        for name, digest in manifest["files"].items():
            assert sharing.sha256(archive.read(name)) == digest
        second = json.loads(archive.read("versions/2.json"))
    assert manifest["format"] == "openkommune-form-export"
    assert manifest["format_version"] == 1
    assert manifest["form"]["key"] == "teilen"
    assert [(v["number"], v["status"]) for v in manifest["versions"]] == [
        (1, "published"), (2, "draft"),
    ]  # fmt: skip
    assert manifest["codelists"] == []
    assert second["definition"]["title"] == "Teilen, zweite Fassung"
    with scopes_disabled():
        assert AuditRecord.objects.filter(
            action="form.export", object_id=str(form.public_id)
        ).exists()


def test_import_under_a_new_key_gives_new_ids_drafts_and_four_eyes_again():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    form, data = _exported(anna, ben)
    carla = UserFactory(cooperative_staff=True)
    imported = studio_form_import(actor=carla, data=data, key="teilen_kopie")
    assert imported.public_id != form.public_id
    versions = list(imported.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert all(v.status == FormVersionStatus.DRAFT for v in versions)
    assert all(v.edited_by == carla and v.published_at is None for v in versions)
    assert versions[1].definition["key"] == "teilen_kopie"
    assert versions[1].definition["title"] == "Teilen, zweite Fassung"
    assert versions[0].definition == {
        **form.versions.get(number=1).definition,
        "key": "teilen_kopie",
    }
    # Four eyes: the importer is the editor, so someone else publishes after the gate.
    form_version_submit_review(actor=carla, version=versions[1])
    with pytest.raises(ValidationError, match=r"Vier-Augen|Prüflauf"):
        studio_publish(actor=carla, version=versions[1])
    with scopes_disabled():
        actions = list(
            AuditRecord.objects.filter(action__in=["form.import", "form_version.import"])
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert actions == ["form.import", "form_version.import", "form_version.import"]


def test_an_existing_key_is_refused_and_nothing_is_stored():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    _form, data = _exported(anna, ben)
    before = FormVersion.objects.count()
    with pytest.raises(ValidationError, match="gibt es schon"):
        studio_form_import(actor=anna, data=data)
    assert FormVersion.objects.count() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.update({"versions/1.json": f["versions/1.json"] + b" "}), "Prüfsumme"),
        (lambda f: f.pop("versions/2.json"), "fehlt"),
        (lambda f: f.update({"extra.txt": b"x"}), "nicht in manifest.json"),
        (lambda f: f.pop("manifest.json"), "keine manifest.json"),
        (
            lambda f: f.update(
                {
                    "manifest.json": json.dumps(
                        {**json.loads(f["manifest.json"]), "format_version": 9}
                    ).encode()
                }
            ),
            "Format der Datei",
        ),
    ],
)
def test_a_changed_file_is_refused_in_german(change, message):
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    _form, data = _exported(anna, ben)
    before = FormDefinition.objects.count()
    with pytest.raises(ValidationError) as error:
        studio_form_import(actor=anna, data=_rewrite(data, change), key="anders")
    assert message in " ".join(error.value.messages)
    assert FormDefinition.objects.count() == before


def test_an_invalid_definition_with_correct_hashes_is_refused_by_the_engine():
    anna = UserFactory(cooperative_staff=True)
    broken = {"format": 1, "key": "kaputt", "title": "Kaputt", "leika_keys": ["99000000000000"],
              "steps": [{"id": "a", "title": "A", "items": [
                  field("zahl", "integer", min=5, max=1)]}]}  # fmt: skip
    exchange = sharing.FormExchange(
        key="kaputt", title="Kaputt", leika_keys=["99000000000000"], min_trust_level=0,
        versions=[sharing.ExportedVersion(number=1, status="draft", definition=broken)],
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        studio_form_import(actor=anna, data=sharing.pack(exchange))
    text = " ".join(error.value.messages)
    assert "versions/1.json" in text
    assert "zahl" in text
    assert not FormDefinition.objects.filter(key="kaputt").exists()


def test_garbage_and_hostile_archives_are_refused():
    anna = UserFactory(cooperative_staff=True)
    with pytest.raises(ValidationError, match="keine ZIP-Datei"):
        studio_form_import(actor=anna, data=b"kein zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../boese.json", b"{}")
    with pytest.raises(ValidationError, match="unzulässigen Pfad"):
        studio_form_import(actor=anna, data=buffer.getvalue())


def test_only_cooperative_staff_export_and_import():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    form, data = _exported(anna, ben)
    with pytest.raises(Exception, match="Genossenschaft"):
        studio_form_export(actor=UserFactory(member_admin=True), form=form)
    with pytest.raises(Exception, match="Genossenschaft"):
        studio_form_import(actor=UserFactory(member_admin=True), data=data, key="x")


def test_the_pages_export_and_import(client):
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    _published_and_draft(anna, ben)
    client.force_login(anna)
    base = "/genossenschaft/formular-studio/"
    assert "Formular exportieren (ZIP)" in client.get(base + "teilen/").content.decode()
    download = client.post(base + "teilen/export/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "teilen.openkommune-formular.zip" in download["Content-Disposition"]
    upload = io.BytesIO(download.content)
    upload.name = "teilen.openkommune-formular.zip"
    refused = client.post(base + "formular-import/", {"datei": upload})
    assert refused.status_code == 422
    assert "gibt es schon" in refused.content.decode()
    upload.seek(0)
    taken = client.post(base + "formular-import/", {"datei": upload, "key": "teilen_neu"})
    assert taken.status_code == 302
    assert taken["Location"] == base + "teilen_neu/"
    assert FormVersion.objects.filter(form__key="teilen_neu").count() == 2
    assert client.get(base + "teilen/export/").status_code == 405  # export is a POST


def test_the_six_shipped_forms_survive_export_and_import_unchanged():
    anna = UserFactory(cooperative_staff=True)
    for form in FormDefinition.objects.filter(
        key__in=[
            "hundesteuer",
            "bewohnerparkausweis",
            "sperrmuell",
            "sondernutzung",
            "baumfaellung",
            "gewerbeanmeldung",
        ]
    ):
        _name, data = studio_form_export(actor=anna, form=form)
        copy = studio_form_import(actor=anna, data=data, key=f"{form.key}_kopie")
        originals = [v.definition for v in form.versions.order_by("number")]
        copies = [{**v.definition, "key": form.key} for v in copy.versions.order_by("number")]
        assert copies == originals, form.key
