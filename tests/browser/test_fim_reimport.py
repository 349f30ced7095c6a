"""FIM in the studio, in the browser (issue 18): upload a code list into the library, import
a schema that references it (the report shows the choice field and a missing list), then
upload a newer version of the schema, read the differences and confirm them. Every page is
checked with axe-core (WCAG 2.1 AA). The files are test data (tests/forms/fim_samples)."""

from pathlib import Path

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.forms.fim_samples.builders import field, group, schema

KEY = "browser_fim_reimport"
URI = "urn:openkommune:testdaten:codeliste:farbe"
FARBE = Path(__file__).parents[1] / "forms" / "fim_samples" / "testdaten_codeliste_farbe.gc.xml"


def _schema(version: str, *extra) -> bytes:
    return schema(
        [
            group("G90000001", "Angaben", [
                field("F90000001", "Name"),
                field("F90000002", "Farbe", feldart="select", codeliste=(URI, "1")),
                field("F90000003", "Form", feldart="select", anzahl="0:1",
                      codeliste=("urn:openkommune:testdaten:codeliste:form", "1")),
                *extra,
            ]),
        ],
        version=version,
        fim_id="S99999996",
        name="Browsertest FIM",
    )  # fmt: skip


@pytest.fixture
def cleanup(django_db_blocker):
    yield
    from openkommune.forms.models import (
        CodeList,
        CodeListVersion,
        FormDefinition,
        FormVersion,
        PendingFimImport,
    )
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        versions = FormVersion.objects.filter(form__key=KEY)
        forms = FormDefinition.objects.filter(key=KEY)
        lists = CodeListVersion.objects.filter(code_list__uri=URI)
        ids = [str(pk) for pk in [*versions.values_list("pk", flat=True),
                                  *forms.values_list("pk", flat=True)]]  # fmt: skip
        ids += [str(public_id) for public_id in lists.values_list("public_id", flat=True)]
        ids += [
            str(p) for p in CodeList.objects.filter(uri=URI).values_list("public_id", flat=True)
        ]
        AuditRecord.objects.filter(tenant=None, object_id__in=ids)._raw_delete(using="default")
        PendingFimImport.objects.filter(form__key=KEY).delete()
        versions.delete()
        forms.delete()
        lists.delete()
        CodeList.objects.filter(uri=URI).delete()


def test_code_list_upload_fim_import_report_and_newer_version(
    page, committed_cooperative_staff, cleanup
):
    log_in(page, committed_cooperative_staff)
    page.goto("/genossenschaft/formular-studio/")
    page.get_by_role("link", name="Codelisten").click()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Codeliste hochladen (genericode)").click()
    assert_no_axe_violations(page)
    page.get_by_label("Codeliste (genericode 1.0, XML)").set_input_files(str(FARBE))
    page.get_by_role("button", name="Hochladen").click()
    assert page.get_by_role("cell", name="Grün").is_visible()
    assert_no_axe_violations(page)

    page.goto("/genossenschaft/formular-studio/fim-import/")
    form = page.locator("#fim-import")
    form.get_by_label("Stammdatenschema (XML, XDatenfelder 1.0, 2.0 oder 3.0)").set_input_files(
        {"name": "v1.xml", "mimeType": "application/xml", "buffer": _schema("1.0")}
    )
    form.get_by_label("LeiKa-Schlüssel").fill("99089086000000")
    form.get_by_label("Schlüssel des Formulars").fill(KEY)
    form.get_by_role("button", name="Importieren").click()
    assert "Importbericht" in page.title()
    assert page.get_by_text("Codeliste „urn:openkommune:testdaten:codeliste:form“ Version 1 fehlt",
                            exact=False).is_visible()  # fmt: skip
    assert_no_axe_violations(page)

    page.goto("/genossenschaft/formular-studio/fim-import/")
    form = page.locator("#fim-import")
    newer = _schema("1.1", field("F90000004", "Bemerkung zur Farbe", anzahl="0:1"))
    form.get_by_label("Stammdatenschema (XML, XDatenfelder 1.0, 2.0 oder 3.0)").set_input_files(
        {"name": "v2.xml", "mimeType": "application/xml", "buffer": newer}
    )
    form.get_by_label("LeiKa-Schlüssel").fill("99089086000000")
    form.get_by_role("button", name="Importieren").click()
    assert page.get_by_role("heading", name="Neuere Version des Schemas übernehmen?").is_visible()
    assert page.get_by_text("f90000004_bemerkung_zur_farbe").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Übernehmen").click()
    assert "Importbericht" in page.title()
    assert page.get_by_text("als Entwurf Version 1 übernommen", exact=False).is_visible()
