"""The print-and-copy planner in the browser, with axe: a member imports the sample inventory
(Beispieldaten, nicht real), builds a consolidation scenario, changes an assumption and
downloads the report PDF whose totals match the page."""

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.printplanner.factories import SAMPLE
from tests.submissions.factories import pdf_text


@pytest.fixture
def cleanup_print_plans(django_db_blocker, committed_member_admin, committed_member):
    """Removes the test's inventories before the committed member is removed."""
    yield
    from openkommune.printplanner.models import Inventory
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        Inventory.objects.filter(tenant=committed_member).delete()
        AuditRecord.objects.filter(action__startswith="printplanner")._raw_delete(using="default")


def test_member_imports_plans_and_downloads_the_report(
    page, committed_member_admin, cleanup_print_plans, tmp_path
):
    log_in(page, committed_member_admin)
    page.goto("/")
    page.locator("#nav-druckkonzept").click()
    page.wait_for_url("**/genossenschaft/druckkonzept/")
    assert page.locator("#kein-bestand").is_visible()
    assert_no_axe_violations(page)

    # A broken file first: the errors are listed and nothing is stored.
    broken = tmp_path / "kaputt.csv"
    broken.write_text("standort;modell\nRathaus;Drucker\n", encoding="utf-8")
    page.get_by_label("Bezeichnung der Bestandsaufnahme").fill("Zählung März 2026")
    page.get_by_label("Geräteliste (CSV oder XLSX)").set_input_files(str(broken))
    page.get_by_role("button", name="Geräteliste importieren").click()
    assert "Es fehlen die Spalten" in page.locator("#import-fehler").inner_text()
    assert page.locator("#kein-bestand").is_visible()
    assert_no_axe_violations(page)

    page.get_by_label("Bezeichnung der Bestandsaufnahme").fill("Zählung März 2026")
    page.get_by_label("Geräteliste (CSV oder XLSX)").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Geräteliste importieren").click()
    page.wait_for_url(re.compile(r"/genossenschaft/druckkonzept/[0-9a-f-]{36}/$"))
    assert "€" in page.locator("#kosten-je-seite").inner_text()
    assert "Bürgerbüro" in page.locator("#heute").inner_text()
    assert_no_axe_violations(page)

    page.get_by_label("Name des neuen Szenarios").fill("Multifunktionsgeräte je Etage")
    page.get_by_role("button", name="Szenario anlegen").click()
    page.wait_for_url(re.compile(r"/genossenschaft/druckkonzept/szenario/[0-9a-f-]{36}/$"))
    first_range = page.locator("#tco-spanne").inner_text()
    assert page.locator("#tco-diagramm").count() == 1
    assert_no_axe_violations(page)

    # Fewer employees per device keeps more devices: the expected total rises.
    before = page.locator("#tco-expected").inner_text()
    page.get_by_label("Ziel: Beschäftigte je Gerät").fill("8,0")
    page.get_by_role("button", name="Berechnen und speichern").click()
    page.wait_for_url(re.compile(r"/szenario/[0-9a-f-]{36}/#ergebnis$"))
    after = page.locator("#tco-expected").inner_text()
    assert after != before
    assert page.locator("#tco-spanne").inner_text() != first_range
    assert_no_axe_violations(page)

    with page.expect_download() as download_info:
        page.locator("#bericht-pdf").click()
    report = tmp_path / "bericht.pdf"
    download_info.value.save_as(report)
    text = pdf_text(report.read_bytes())
    assert after in text
    assert page.locator("#tco-heute").inner_text() in text
    assert page.locator("#einsparung-expected").inner_text() in text
    assert page.csp_violations == []
