"""Journeys of the cooperative's procurement beyond the call-off itself, each page checked
with axe-core (WCAG 2.1 AA):

1. staff open a bundling round on a framework contract with tiered prices, two members
   report demand, staff close the round (after confirming) and see the savings per member;
2. a Schulträger books its DigitalPakt ledger (allocation, charge, payment) and downloads
   the proof of use; staff read the procurement report.

Contracts, articles and call-offs are committed by fixtures (through the same row factories
as the unit tests); rounds, budgets and bookings are made through the pages.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


@pytest.fixture
def committed_bundling_market(django_db_blocker, committed_cooperative_staff):
    from openkommune.bundling.models import BundlingRound
    from openkommune.members.models import CooperativeMember
    from openkommune.procurement.models import FrameworkContract, Supplier
    from openkommune.tenancy.constants import Role
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory
    from tests.digitalpakt import factories
    from tests.members.factories import register
    from tests.tenancy.factories import MembershipFactory, OrganisationFactory

    with django_db_blocker.unblock(), scopes_disabled():
        members, clerks = [], []
        for number, name in enumerate(("Gemeinde Browserhausen", "Stadt Testburg"), start=1):
            organisation = register(OrganisationFactory(name=name))  # only members call off
            clerk = UserFactory(email=f"browser.bedarf{number}@test.example.org")
            MembershipFactory(tenant=organisation, user=clerk, role=Role.CLERK)
            members.append(organisation)
            clerks.append(clerk)
        alpha = factories.supplier("Alpha Browser-IT GmbH")
        beta = factories.supplier("Beta Browser-Systeme AG")
        contract = factories.contract(number="RV-BUENDEL-01", suppliers=[alpha, beta])
        factories.article(
            contract=contract, supplier=alpha, description="Notebook 14 Zoll",
            article_number="A-NB", tiers=((0, "800.00"), (10, "750.00")),
        )  # fmt: skip
        factories.article(
            contract=contract, supplier=beta, description="Notebook 14 Zoll",
            article_number="B-NB", tiers=((0, "790.00"), (20, "760.00")),
        )  # fmt: skip
    yield {
        "staff": committed_cooperative_staff,
        "members": members,
        "clerks": clerks,
        "contract": contract,
    }
    with django_db_blocker.unblock(), scopes_disabled():
        # Rounds first: their offers and results protect the articles and organisations.
        BundlingRound.objects.filter(items__offers__catalog_item__contract=contract).delete()
        BundlingRound.objects.filter(title__startswith="Browser-Runde").delete()
        contract.delete()
        Supplier.objects.filter(pk__in=[alpha.pk, beta.pk]).delete()
        for organisation, clerk in zip(members, clerks, strict=True):
            # Audit records are append-only in the application; the test removes its own.
            AuditRecord.objects.filter(tenant=organisation)._raw_delete(using="default")
            clerk.delete()
            CooperativeMember.objects.filter(organisation=organisation).delete()
            organisation.delete()
        assert not FrameworkContract.objects.filter(number="RV-BUENDEL-01").exists()


def _member_page(browser, site_server):
    context = browser.new_context(locale="de-DE", base_url=site_server)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_staff_run_a_round_members_report_demand_and_see_savings(
    page, browser, site_server, committed_bundling_market
):
    market = committed_bundling_market
    log_in(page, market["staff"])
    page.goto("/beschaffung/buendelung/")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Neue Runde eröffnen").click()
    form = page.locator("#runde-form")
    form.get_by_label("Titel").fill("Browser-Runde Notebooks")
    form.get_by_role("button", name="Runde eröffnen").click()  # without a deadline
    assert "Bitte die Frist angeben." in page.locator("#fehlerzusammenfassung").inner_text()
    assert form.get_by_label("Titel").input_value() == "Browser-Runde Notebooks"
    assert_no_axe_violations(page)
    deadline = (datetime.datetime.now() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("Bedarfsmeldung bis").fill(deadline)
    form.get_by_role("button", name="Runde eröffnen").click()
    page.wait_for_url(re.compile(r"/beschaffung/buendelung/[0-9a-f-]{36}/$"))
    round_url = page.url
    assert "Diese Runde hat noch keine Positionen." in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Positionen aus Rahmenvertrag übernehmen").click()
    assert_no_axe_violations(page)
    page.get_by_label("Rahmenvertrag").select_option(str(market["contract"].public_id))
    page.get_by_role("button", name="Übernehmen").click()
    page.wait_for_url(round_url)
    main = page.locator("main").inner_text()
    assert "Notebook 14 Zoll" in main
    assert "Alpha Browser-IT GmbH" in main
    assert "Beta Browser-Systeme AG" in main
    assert_no_axe_violations(page)

    for clerk, quantity in zip(market["clerks"], (6, 7), strict=True):
        context, member_page = _member_page(browser, site_server)
        log_in(member_page, clerk)
        member_page.goto(round_url)
        assert_no_axe_violations(member_page)
        member_page.get_by_role("link", name="Bedarf melden").first.click()
        field = member_page.get_by_label("Notebook 14 Zoll")
        field.fill("-1")
        member_page.get_by_role("button", name="Bedarf speichern").click()
        assert member_page.locator("#fehlerzusammenfassung").is_visible()
        assert_no_axe_violations(member_page)
        member_page.get_by_label("Notebook 14 Zoll").fill(str(quantity))
        member_page.get_by_role("button", name="Bedarf speichern").click()
        assert "Ihr Bedarf ist gespeichert" in member_page.locator("main").inner_text()
        assert member_page.get_by_label("Notebook 14 Zoll").input_value() == str(quantity)
        assert_no_axe_violations(member_page)
        context.close()

    page.goto(round_url)
    assert "Gemeinde Browserhausen: 1 Position" in page.locator("#teilnehmer").inner_text()
    page.get_by_role("link", name="Runde schließen").click()
    assert "Bisher haben 2 Mitglieder Bedarf gemeldet." in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Ja, Runde schließen").click()
    page.wait_for_url(round_url)
    assert page.locator("#runde-status").inner_text() == "geschlossen"
    page.get_by_role("button", name="Runde auswerten").click()
    page.wait_for_url(re.compile(r"/ergebnis/$"))
    table = page.locator("#ersparnis-je-mitglied").inner_text()
    # Together 13 notebooks reach Alpha's tier from 10 (750 €); alone each would buy from
    # Beta at 790 €: at the common price 6 x 40 € and 7 x 40 € saved. The cost share is the
    # Shapley value (neither pays more than alone, ADR 0042): the 520 € saved split equally.
    # Columns: alone, bundled at the common price, Shapley share, cost share, settlement
    # (share - bundled, ADR 0045), saving.
    assert re.search(
        r"Gemeinde Browserhausen\s+4\.740,00\s+4\.500,00\s+4\.480,00\s+4\.480,00\s+-20,00"
        r"\s+260,00",
        table,
    )
    assert re.search(
        r"Stadt Testburg\s+5\.530,00\s+5\.250,00\s+5\.270,00\s+5\.270,00\s+20,00\s+260,00",
        table,
    )
    assert page.locator("#summe-ersparnis").inner_text() == "520,00 €"
    assert page.locator("svg[role=img]").count() == 1
    assert page.csp_violations == []
    assert_no_axe_violations(page)

    context, member_page = _member_page(browser, site_server)
    log_in(member_page, market["clerks"][1])
    member_page.goto(page.url)
    assert member_page.locator("#eigene-ersparnis").inner_text() == "260,00 €"
    assert member_page.locator("#eigener-ausgleich").inner_text() == "20,00 €"
    assert "Gemeinde Browserhausen" not in member_page.locator("main").inner_text()
    assert_no_axe_violations(member_page)
    context.close()


@pytest.fixture
def committed_schooltraeger_call_off(django_db_blocker, committed_member_admin, committed_member):
    from openkommune.digitalpakt.models import LedgerEntry, SchoolAuthorityBudget
    from openkommune.procurement.models import CallOff, Supplier
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.digitalpakt import factories

    with django_db_blocker.unblock(), scopes_disabled():
        seller = factories.supplier("Schul-IT Browser GmbH")
        contract = factories.contract(number="RV-DIGIPAKT-01", suppliers=[seller])
        display = factories.article(
            contract=contract, supplier=seller, description="Interaktives Display 75 Zoll",
            cpv_code="32323100-4", article_number="D-75", tiers=((0, "4000.00"), (5, "3800.00")),
        )  # fmt: skip
        call_off = factories.call_off(tenant=committed_member, lines=[(display, 5)])  # 19000.00
    yield call_off
    with django_db_blocker.unblock(), scopes_disabled():
        # Ledger entries are append-only in the application; the test removes its own rows.
        LedgerEntry.objects.filter(tenant=committed_member)._raw_delete(using="default")
        SchoolAuthorityBudget.objects.filter(tenant=committed_member).delete()
        CallOff.objects.filter(pk=call_off.pk).delete()
        contract.delete()
        Supplier.objects.filter(pk=seller.pk).delete()


def test_schooltraeger_books_the_ledger_and_downloads_the_proof_of_use(
    page, committed_member_admin, committed_schooltraeger_call_off
):
    from openpyxl import load_workbook

    call_off = committed_schooltraeger_call_off
    log_in(page, committed_member_admin)
    page.goto("/beschaffung/digitalpakt/")
    assert page.locator("#keine-budgets").is_visible()
    assert_no_axe_violations(page)
    page.locator("#budget-form").get_by_label("Förderprogramm").select_option(
        label="DigitalPakt Schule 1.0"
    )
    page.get_by_role("button", name="Budget eröffnen").click()
    page.wait_for_url(re.compile(r"/beschaffung/digitalpakt/[0-9a-f-]{36}/$"))
    ledger_url = page.url
    assert page.locator("#keine-buchungen").is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Zuweisung buchen").click()
    form = page.locator("#buchung-form")
    form.get_by_label("Zugewiesene Bundesmittel").fill("zwanzigtausend")
    form.get_by_role("button", name="Zuweisung buchen").click()
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert form.get_by_label("Zugewiesene Bundesmittel").input_value() == "zwanzigtausend"
    assert_no_axe_violations(page)
    form.get_by_label("Zugewiesene Bundesmittel").fill("20.000,00")
    form.get_by_role("button", name="Zuweisung buchen").click()
    page.wait_for_url(ledger_url)

    page.get_by_role("link", name="Abruf belasten").click()
    assert_no_axe_violations(page)
    page.get_by_label("Abruf").select_option(str(call_off.public_id))
    page.get_by_role("button", name="Abruf dem Programm belasten").click()
    page.wait_for_url(ledger_url)
    # 19,000 € at 90 %: 17,100 € federal money bound, 2,900 € left of 20,000 €.
    assert page.locator("#saldo-verfuegbar").inner_text() == "2.900,00 €"

    page.get_by_role("link", name="Zahlung buchen").click()
    payment = page.locator("#buchung-form")
    payment.get_by_label("Abruf").select_option(str(call_off.public_id))
    payment.get_by_label("Rechnungsnummer").fill("RE-2026-0042")
    payment.get_by_label("Gezahlter Betrag").fill("19000,00")
    payment.get_by_role("button", name="Zahlung buchen").click()
    page.wait_for_url(ledger_url)
    assert "Abgestimmt" in page.locator("#abstimmung").inner_text()
    assert page.locator("#saldo-eigenanteil").inner_text() == "1.900,00 € / 1.900,00 €"
    assert_no_axe_violations(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Verwendungsnachweis herunterladen").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row[2] == "RE-2026-0042"]
    assert len(rows) == 1
    assert rows[0][1] == "Schul-IT Browser GmbH"
    assert rows[0][4] == "Anzeigegeräte"  # the funding category of the paid articles
    assert Decimal(str(rows[0][6])) == Decimal("17100")


def test_staff_read_the_procurement_report(
    page, committed_cooperative_staff, committed_schooltraeger_call_off
):
    log_in(page, committed_cooperative_staff)
    page.goto("/genossenschaft/beschaffung/")
    assert "19.000,00 €" in page.locator("#summe-ausgaben").inner_text()
    assert "Landeshauptstadt Magdeburg" in page.locator("#je-mitglied").inner_text()
    assert page.locator("svg[role=img]").count() == 2
    assert_no_axe_violations(page)
    page.goto("/genossenschaft/beschaffung/?jahr=zwanzig")
    assert page.locator("#jahr-error").is_visible()
    assert_no_axe_violations(page)
