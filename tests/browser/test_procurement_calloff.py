"""Staff create a framework contract with tiered items through the pages; a member calls off
an item, the member's administration approves, the clerk orders (the order PDF goes to the
supplier by e-mail) and downloads the order PDF. Every page is checked with axe-core
(WCAG 2.1 AA)."""

import datetime
import re

import pytest
from django.core import mail

from tests.browser.conftest import assert_no_axe_violations, log_in

YEAR = datetime.date.today().year


def _log_out(page):
    page.get_by_role("button", name="Abmelden").click()


def test_staff_create_contract_and_member_calls_off_with_order_pdf(
    page,
    settings,
    committed_cooperative_staff,
    committed_member_admin,
    committed_procurement_clerk,
    committed_procurement_cleanup,
):
    # Jobs (the order e-mail) run at once; the live server shares these settings.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # --- cooperative staff: supplier, contract, tiered item --------------------------------
    log_in(page, committed_cooperative_staff)
    page.goto("/beschaffung/lieferanten/")
    assert_no_axe_violations(page)
    page.goto("/beschaffung/lieferanten/neu/")
    form = page.locator("#lieferant-form")
    form.get_by_label("Name").fill("Browser-Lieferant GmbH (Test)")
    form.get_by_label("E-Mail-Adresse", exact=False).fill("bestellung@lieferant.example.org")
    form.get_by_role("button", name="Lieferanten speichern").click()
    page.wait_for_url(re.compile(r"/beschaffung/lieferanten/$"))
    assert "Browser-Lieferant GmbH (Test)" in page.locator("main").inner_text()

    page.goto("/beschaffung/vertraege/neu/")
    assert_no_axe_violations(page)
    form = page.locator("#vertrag-form")
    form.get_by_label("Vertragsnummer").fill("RV-BROWSER-001")
    form.get_by_label("Bezeichnung").fill("Arbeitsplatz-Hardware (Test)")
    form.get_by_label("VgV § 21").check()
    form.get_by_label("Laufzeit ab").fill(f"01.01.{YEAR}")
    form.get_by_label("Laufzeit bis", exact=False).fill(f"01.01.{YEAR + 4}")  # 4 years + 1 day
    form.get_by_label("Browser-Lieferant GmbH (Test)").check()
    form.get_by_label("alle Mitglieder dürfen abrufen").check()
    form.get_by_role("button", name="Rahmenvertrag speichern").click()
    # Refused with clear messages; what was typed stays.
    summary = page.locator("#fehlerzusammenfassung")
    assert "höchstens 4 Jahre" in summary.inner_text()
    assert "Höchstmenge oder einen Höchstwert" in summary.inner_text()
    assert form.get_by_label("Vertragsnummer").input_value() == "RV-BROWSER-001"
    assert_no_axe_violations(page)
    form.get_by_label("Laufzeit bis", exact=False).fill(f"31.12.{YEAR + 3}")
    form.get_by_label("Höchstwert (Euro, netto)").fill("100.000,00")
    form.get_by_role("button", name="Rahmenvertrag speichern").click()
    page.wait_for_url(re.compile(r"/beschaffung/vertraege/[0-9a-f-]{36}/$"))
    assert "RV-BROWSER-001" in page.locator("h1").inner_text()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Artikel hinzufügen").click()
    assert_no_axe_violations(page)
    form = page.locator("#artikel-form")
    form.get_by_label("Artikelnummer").fill("BR-NB-14")
    form.get_by_label("Beschreibung").fill("Notebook 14 Zoll (Test)")
    form.get_by_label("CPV-Code").fill("30213100-6")
    form.get_by_label("Lieferant").select_option(label="Browser-Lieferant GmbH (Test)")
    form.get_by_label("Preisstaffeln").fill("0: 899,00\n10: 849,00\n50: 799,00")
    form.get_by_role("button", name="Artikel speichern").click()
    page.wait_for_url(re.compile(r"/beschaffung/vertraege/[0-9a-f-]{36}/$"))
    table = page.locator("table").filter(has_text="BR-NB-14")
    assert "ab 10 Stück: 849,00 €" in table.inner_text()
    assert_no_axe_violations(page)
    page.goto("/beschaffung/vertraege/")
    assert "RV-BROWSER-001" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    _log_out(page)

    # --- member clerk: catalogue, cart, submit ----------------------------------------------
    log_in(page, committed_procurement_clerk)
    page.goto("/beschaffung/katalog/?q=BR-NB-14")
    assert_no_axe_violations(page)
    card = page.locator("li").filter(has_text="Notebook 14 Zoll (Test)")
    card.get_by_label("Menge (Stück)").fill("10")
    card.get_by_role("button", name=re.compile("In den Abruf legen")).click()
    page.wait_for_url(re.compile(r"/beschaffung/abrufe/AB-\d{4}-[A-Z0-9]{6}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    assert "8.490,00 €" in page.locator("#gesamt").inner_text()  # 10 x 849 (all-units tier)
    assert "unterhalb des EU-Schwellenwerts" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Abruf prüfen und einreichen").click()
    assert "Zur Freigabe" in page.locator("#status").inner_text()
    assert_no_axe_violations(page)
    _log_out(page)

    # --- member administration approves ----------------------------------------------------
    log_in(page, committed_member_admin)
    page.goto(f"/beschaffung/abrufe/{reference}/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Freigeben").click()
    assert "Freigegeben" in page.locator("#status").inner_text()
    _log_out(page)

    # --- clerk orders and downloads the order PDF ---------------------------------------------
    log_in(page, committed_procurement_clerk)
    page.goto(f"/beschaffung/abrufe/{reference}/")
    page.get_by_role("button", name="Bestellung beim Lieferanten auslösen").click()
    assert "Bestellt" in page.locator("#status").inner_text()
    # The order PDF went to the supplier by e-mail, with a copy to the person who ordered.
    assert "(bestellung@lieferant.example.org)" in page.locator("#bestellung-email").inner_text()
    # (The members' notifications about the approval name the reference too.)
    [order_mail] = [m for m in mail.outbox if m.to == ["bestellung@lieferant.example.org"]]
    assert reference in order_mail.subject
    assert order_mail.attachments[0][0] == f"Bestellung-{reference}.pdf"
    assert_no_axe_violations(page)
    with page.expect_download() as download_info:
        page.locator("#bestellung-pdf").click()
    download = download_info.value
    assert download.suggested_filename == f"Bestellung-{reference}.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.goto("/beschaffung/abrufe/")
    assert reference in page.locator("main").inner_text()
    assert_no_axe_violations(page)


@pytest.fixture
def committed_procurement_data(django_db_blocker, committed_member, committed_procurement_cleanup):
    """A contract with a lot, an item and a submitted call-off of the committed member."""
    from decimal import Decimal

    from openkommune.procurement import services
    from openkommune.procurement.constants import LegalBasis
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        supplier = services.supplier_create(actor=None, name="Browser-Lieferant Seiten (Test)")
        contract = services.contract_create(
            actor=None,
            suppliers=[supplier],
            number="RV-BROWSER-002",
            title="Seitenprüfung (Test)",
            legal_basis=LegalBasis.UVGO_15,
            starts_on=datetime.date(YEAR, 1, 1),
            ends_on=datetime.date(YEAR + 5, 12, 31),
            max_value=Decimal("1000.00"),
            callers_all_members=True,
        )
        lot = services.lot_create(actor=None, contract=contract, number=1, title="Los (Test)")
        item = services.catalog_item_create(
            actor=None,
            contract=contract,
            tiers=[(0, Decimal("100.00")), (5, Decimal("90.00"))],
            supplier=supplier,
            lot=lot,
            article_number="BR-SEITE-1",
            description="Schulungstag (Test)",
            cpv_code="80500000-9",
            unit="Tag",
            valid_from=contract.starts_on,
        )
        call_off = services.call_off_add_line(
            tenant=committed_member, actor=None, item=item, quantity=9
        )
        call_off = services.call_off_submit(tenant=committed_member, actor=None, call_off=call_off)
    return contract, lot, item, call_off


def test_procurement_pages_are_accessible(
    page, committed_cooperative_staff, committed_member_admin, committed_procurement_data
):
    contract, lot, item, call_off = committed_procurement_data
    base = f"/beschaffung/vertraege/{contract.public_id}"
    log_in(page, committed_cooperative_staff)
    for path in [
        f"{base}/",
        f"{base}/bearbeiten/",
        f"{base}/nutzung/",
        f"{base}/lose/neu/",
        f"{base}/lose/{lot.public_id}/loeschen/",
        f"{base}/artikel/{item.public_id}/bearbeiten/",
        f"{base}/import/",
        f"{base}/dokumente/neu/",
        "/beschaffung/lieferanten/neu/",
        "/beschaffung/vertraege/?status=exhausted",
    ]:
        page.goto(path)
        assert page.locator("h1").is_visible(), path
        assert_no_axe_violations(page)
    page.goto(f"{base}/nutzung/")
    assert "81,0 %" in page.locator("main").inner_text()  # 810 of 1,000 euros (warning zone)
    page.goto(f"{base}/import/")
    bad_csv = b"artikelnummer;beschreibung;cpv;preis\nX;x;kaputt;1\n"
    page.locator("#id_datei").set_input_files(
        files=[{"name": "k.csv", "mimeType": "text/csv", "buffer": bad_csv}]
    )
    page.get_by_role("button", name="Datei importieren").click()
    assert "Zeile 2, Spalte cpv" in page.locator("#import-fehler").inner_text()
    assert_no_axe_violations(page)
    _log_out(page)

    log_in(page, committed_member_admin)
    for path in [
        "/beschaffung/einstellungen/",
        f"/beschaffung/abrufe/{call_off.reference}/",
        f"/beschaffung/abrufe/{call_off.reference}/stornieren/",
        "/beschaffung/abrufe/?status=awaiting_approval",
        "/beschaffung/katalog/?q=nichtsgefunden",
    ]:
        page.goto(path)
        assert page.locator("h1").is_visible(), path
        assert_no_axe_violations(page)
    page.goto(f"/beschaffung/abrufe/{call_off.reference}/")
    page.get_by_role("button", name="Ablehnen").click()  # without a reason: refused
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert_no_axe_violations(page)
