"""The case export: the ZIP opens, its JSON validates against the published schemas, the
hashes match the files, the export is in the history, other organisations get 404."""

import datetime
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator, FormatChecker

from openkommune.cases.constants import CaseEventKind
from openkommune.cases.models import Case, CaseEvent
from openkommune.cases.services.audit import verify_chain
from openkommune.cases.services.retention import retention_run
from openkommune.delivery.export import case_export_zip
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.cases.factories import clerk_of, private_media  # noqa: F401
from tests.delivery.factories import case_with_files, close, foreign_offer, open_case
from tests.submissions.factories import PDF_BYTES, PNG_BYTES, TEXT_BYTES, make_offer, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "export"


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.fixture
def offer():
    return make_offer()


@pytest.fixture
def case(offer):
    return case_with_files(offer)


def _open(archive: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(archive))


def test_zip_opens_and_json_validates_against_the_schemas(offer, case):
    clerk = clerk_of(offer.tenant, first_name="Sabine", last_name="Sachbearbeiterin")
    archive = _open(case_export_zip(tenant=offer.tenant, case=case, actor=clerk))
    assert archive.testzip() is None
    metadata = json.loads(archive.read("metadata.json"))
    history = json.loads(archive.read("history.json"))
    _validator("case-export.schema.json").validate(metadata)
    _validator("case-history.schema.json").validate(history)
    assert metadata["file"]["reference"] == case.reference
    assert metadata["exported_by"] == "Sabine Sachbearbeiterin"
    assert metadata["sender"]["organisation"]["name"] == offer.tenant.name
    (process,) = metadata["file"]["processes"]
    types = [d["type"] for d in process["documents"]]
    assert types[:4] == ["receipt", "application_data", "attachment", "attachment"]
    assert sorted(types[4:]) == sorted(
        ["notice", "case_document", "message_attachment", "correspondence"]
    )


def test_every_document_is_in_the_zip_with_its_hash(offer, case):
    archive = _open(case_export_zip(tenant=offer.tenant, case=case))
    metadata = json.loads(archive.read("metadata.json"))
    documents = metadata["file"]["processes"][0]["documents"]
    names = set(archive.namelist())
    assert names == {"metadata.json", "history.json", *(d["file_name"] for d in documents)}
    for document in documents:
        content = archive.read(document["file_name"])
        assert hashlib.sha256(content).hexdigest() == document["sha256"]
        assert len(content) == document["size"]
    history = archive.read("history.json")
    assert hashlib.sha256(history).hexdigest() == metadata["history"]["sha256"]
    by_type = {}
    for document in documents:
        by_type.setdefault(document["type"], []).append(archive.read(document["file_name"]))
    # Attachments and documents keep their original bytes: the image stays a PNG.
    assert sorted(by_type["attachment"]) == sorted([PDF_BYTES, PNG_BYTES])
    assert by_type["case_document"] == [TEXT_BYTES]
    assert by_type["message_attachment"] == [PDF_BYTES]
    assert any(d["file_name"].endswith(".png") for d in documents)
    # Receipt, application data and correspondence are real PDFs with the case's content.
    for kind in ("receipt", "application_data", "correspondence"):
        assert by_type[kind][0].startswith(b"%PDF-")
    assert case.reference in pdf_text(by_type["application_data"][0])
    assert "Erika Mustermann" in pdf_text(by_type["application_data"][0])
    assert "bitte senden Sie den Impfpass" in pdf_text(by_type["correspondence"][0])
    # The service is named by the form's title, as in the e-mails, the receipt and the inbox.
    title = case.application.service_name
    assert title != offer.leistung.name
    assert f"{title} (OZG-ID {offer.leistung.ozg_id})" in pdf_text(by_type["application_data"][0])
    assert f"{title} – {offer.tenant.name}" in pdf_text(by_type["correspondence"][0])


def test_export_is_recorded_and_in_its_own_history(offer, case):
    archive = _open(case_export_zip(tenant=offer.tenant, case=case))
    history = json.loads(archive.read("history.json"))
    kinds = [event["kind"] for event in history["events"]]
    assert kinds[0] == CaseEventKind.OPENED
    assert kinds[-1] == CaseEventKind.EXPORTED
    with scope(tenant=offer.tenant):
        stored = list(
            CaseEvent.objects.filter(case_public_id=case.public_id)
            .order_by("sequence")
            .values_list("hash", flat=True)
        )
        assert AuditRecord.objects.filter(action="case.export").count() == 1
    assert [event["hash"] for event in history["events"]] == stored
    assert verify_chain(offer.tenant).ok


def test_another_tenants_case_is_refused_by_the_service(offer, case):
    stranger = foreign_offer(offer).tenant
    with pytest.raises(Case.DoesNotExist):
        case_export_zip(tenant=stranger, case=case)
    with scope(tenant=offer.tenant):
        assert not CaseEvent.objects.filter(kind=CaseEventKind.EXPORTED).exists()


def test_anonymised_case_exports_only_metadata_and_history(offer):
    case = close(
        case_with_files(offer),
        closed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    retention_run(today=datetime.date(2026, 1, 1), dry_run=False)
    with scope(tenant=offer.tenant):
        case = Case.objects.get(pk=case.pk)
    archive = _open(case_export_zip(tenant=offer.tenant, case=case))
    metadata = json.loads(archive.read("metadata.json"))
    _validator("case-export.schema.json").validate(metadata)
    _validator("case-history.schema.json").validate(json.loads(archive.read("history.json")))
    assert metadata["file"]["anonymised_at"] is not None
    assert metadata["file"]["processes"][0]["documents"] == []
    assert "Erika" not in archive.read("history.json").decode()


# --- the page ------------------------------------------------------------------------------


def test_page_and_download_for_a_clerk(client, offer, case):
    client.force_login(clerk_of(offer.tenant))
    url = reverse("delivery:case_export", args=[case.public_id])
    assert url == f"/schnittstellen/vorgang/{case.public_id}/export/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="export-form"' in page.text
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"vorgang-{case.reference.lower()}.zip" in response["Content-Disposition"]
    assert _open(response.content).testzip() is None


def test_page_access(client, offer, case):
    url = reverse("delivery:case_export", args=[case.public_id])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert client.post(url).status_code == 302
    # Like every back-office page: to anyone but the case's clerks it does not exist.
    for user in (UserFactory(), UserFactory(cooperative_staff=True)):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    stranger = foreign_offer(offer).tenant
    client.force_login(clerk_of(stranger))
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    missing = reverse("delivery:case_export", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404
    with scopes_disabled():
        assert not CaseEvent.objects.filter(kind=CaseEventKind.EXPORTED).exists()


def test_a_case_without_files_still_exports(offer):
    case = open_case(offer)
    archive = _open(case_export_zip(tenant=offer.tenant, case=case))
    metadata = json.loads(archive.read("metadata.json"))
    _validator("case-export.schema.json").validate(metadata)
    types = [d["type"] for d in metadata["file"]["processes"][0]["documents"]]
    assert types == ["receipt", "application_data"]
