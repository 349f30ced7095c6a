"""From round to order (issue 19), every step through the pages and checked with axe-core:
staff open a bundling round on a contract with tiered prices, two members report demand,
staff close, evaluate and award the round (after confirming); each member gets a call-off at
the bundled price; one member's administration (who reported no demand) approves and its
clerk orders, records the goods receipt and uploads the supplier's XRechnung (a wrong one is
refused with its rule), which another person releases for payment; the other member's
call-off stays unordered at first. The procurement report then books exactly the realised
bundling savings: those of the ordered call-off only; once the other member orders too, both.

Together 13 notebooks reach Alpha's tier from 10 (750 €); alone each member would buy 6 or 7
at Beta's 790 € (4,740 and 5,530; 10,270 together, bundled 9,750: 520 saved). Shapley with
two members: each carries its alone cost minus half the saving, 4,480 and 5,270, so each
saves 260 € (at the tier price it would be 240 and 280). The call-offs keep the tier price
(4,500 and 5,250); the settlement is 4,480 - 4,500 = -20 € (credit) for Gemeinde
Browserhausen and +20 € for Stadt Testburg (ADR 0045). Realised: first Browserhausen's 260 €,
then both, 520 € = the round's saving.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.procurement.einvoice_samples import SampleInvoice, SampleLine, cii


@pytest.fixture
def committed_round_market(django_db_blocker, committed_cooperative_staff):
    from openkommune.bundling.models import BundlingRound
    from openkommune.core.outbox_models import OutboxMail
    from openkommune.members.models import CooperativeMember
    from openkommune.procurement.models import (
        CallOff,
        GoodsReceipt,
        MemberProcurementSettings,
        Supplier,
        SupplierInvoice,
    )
    from openkommune.tenancy.constants import Role
    from openkommune.tenancy.models import AuditRecord, Organisation
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory
    from tests.digitalpakt import factories
    from tests.members.factories import register
    from tests.tenancy.factories import MembershipFactory, OrganisationFactory

    with django_db_blocker.unblock(), scopes_disabled():
        members, clerks, admins = [], [], []
        for number, name in enumerate(("Gemeinde Browserhausen", "Stadt Testburg"), start=1):
            organisation = register(OrganisationFactory(name=name))
            clerk = UserFactory(email=f"runde.bedarf{number}@test.example.org")
            MembershipFactory(tenant=organisation, user=clerk, role=Role.CLERK)
            admin = UserFactory(email=f"runde.verwaltung{number}@test.example.org")
            MembershipFactory(tenant=organisation, user=admin, role=Role.MEMBER_ADMIN)
            members.append(organisation)
            clerks.append(clerk)
            admins.append(admin)
        alpha = factories.supplier("Alpha Runde-IT GmbH")
        alpha.email = "bestellung@alpha-runde.example.org"
        alpha.save()
        beta = factories.supplier("Beta Runde-Systeme AG")
        contract = factories.contract(number="RV-RUNDE-01", suppliers=[alpha, beta])
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
        "admins": admins,
        "contract": contract,
    }
    with django_db_blocker.unblock(), scopes_disabled():
        BundlingRound.objects.filter(title__startswith="Browser-Runde bis zur Bestellung").delete()
        SupplierInvoice.objects.filter(tenant__in=members).delete()
        GoodsReceipt.objects.filter(tenant__in=members).delete()
        CallOff.objects.filter(tenant__in=members).delete()
        contract.delete()
        Supplier.objects.filter(pk__in=[alpha.pk, beta.pk]).delete()
        OutboxMail.objects.filter(tenant__in=members).delete()
        cooperative = Organisation.objects.filter(is_cooperative=True)
        AuditRecord.objects.filter(tenant__in=cooperative)._raw_delete(using="default")
        for organisation, clerk, admin in zip(members, clerks, admins, strict=True):
            AuditRecord.objects.filter(tenant=organisation)._raw_delete(using="default")
            MemberProcurementSettings.objects.filter(tenant=organisation).delete()
            clerk.delete()
            admin.delete()
            CooperativeMember.objects.filter(organisation=organisation).delete()
            organisation.delete()


def _context(browser, site_server):
    context = browser.new_context(locale="de-DE", base_url=site_server)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_round_from_opening_to_orders_books_exactly_the_realised_savings(
    page, browser, site_server, settings, committed_round_market
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    market = committed_round_market
    # --- staff open the round --------------------------------------------------------------
    log_in(page, market["staff"])
    page.goto("/beschaffung/buendelung/neu/")
    form = page.locator("#runde-form")
    form.get_by_label("Titel").fill("Browser-Runde bis zur Bestellung")
    deadline = (datetime.datetime.now() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    form.get_by_label("Bedarfsmeldung bis").fill(deadline)
    form.get_by_role("button", name="Runde eröffnen").click()
    page.wait_for_url(re.compile(r"/beschaffung/buendelung/[0-9a-f-]{36}/$"))
    round_url = page.url
    page.get_by_role("link", name="Positionen aus Rahmenvertrag übernehmen").click()
    page.get_by_label("Rahmenvertrag").select_option(str(market["contract"].public_id))
    page.get_by_role("button", name="Übernehmen").click()
    page.wait_for_url(round_url)

    # --- members report demand --------------------------------------------------------------
    for clerk, quantity in zip(market["clerks"], (6, 7), strict=True):
        context, member_page = _context(browser, site_server)
        log_in(member_page, clerk)
        member_page.goto(round_url + "bedarf/")
        member_page.get_by_label("Notebook 14 Zoll").fill(str(quantity))
        member_page.get_by_role("button", name="Bedarf speichern").click()
        assert "Ihr Bedarf ist gespeichert" in member_page.locator("main").inner_text()
        context.close()

    # --- staff close, evaluate and award ------------------------------------------------------
    page.goto(round_url)
    page.get_by_role("link", name="Runde schließen").click()
    page.get_by_role("button", name="Ja, Runde schließen").click()
    page.wait_for_url(round_url)
    page.get_by_role("button", name="Runde auswerten").click()
    page.wait_for_url(re.compile(r"/ergebnis/$"))
    assert page.locator("#summe-ersparnis").inner_text() == "520,00 €"
    members_table = page.locator("#ersparnis-je-mitglied").inner_text()
    # alone, tier cost, Shapley, share, settlement, savings
    assert re.search(
        r"Gemeinde Browserhausen\s+4\.740,00\s+4\.500,00\s+4\.480,00\s+4\.480,00\s+-20,00\s+260,00",
        members_table,
    )
    assert re.search(
        r"Stadt Testburg\s+5\.530,00\s+5\.250,00\s+5\.270,00\s+5\.270,00\s+20,00\s+260,00",
        members_table,
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row[0] == "Stadt Testburg"]
    # quantity, price, cost bundled, alone, savings (alone - cost - settlement), settlement
    assert [r[5:11] for r in rows] == [(7, 750, 5250, 5530, 260, 20)]
    page.goto(round_url)
    page.locator("#runde-vergeben").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Ja, Runde vergeben").click()
    page.wait_for_url(round_url)
    assert page.locator("#vergeben-hinweis").is_visible()
    assert_no_axe_violations(page)

    # --- member 1: the administration (no demand reported) approves, the clerk orders -----------
    context, admin_page = _context(browser, site_server)
    log_in(admin_page, market["admins"][0])
    admin_page.goto("/beschaffung/abrufe/?status=awaiting_approval")
    admin_page.get_by_role("link", name=re.compile(r"^AB-\d{4}-[A-Z0-9]{6}$")).first.click()
    admin_page.wait_for_url(re.compile(r"/beschaffung/abrufe/AB-\d{4}-[A-Z0-9]{6}/$"))
    reference = admin_page.url.rstrip("/").rsplit("/", 1)[1]
    main = admin_page.locator("main").inner_text()
    assert "Browser-Runde bis zur Bestellung" in admin_page.locator("#herkunft").inner_text()
    # The bundled tier (750 €), not the member's own (6 notebooks alone: 800 € at Alpha).
    assert admin_page.locator("#gesamt").inner_text() == "4.500,00 €"
    assert "750,00 €" in main
    assert_no_axe_violations(admin_page)
    admin_page.get_by_role("button", name="Freigeben").click()
    assert "Freigegeben" in admin_page.locator("#status").inner_text()
    context.close()

    context, clerk_page = _context(browser, site_server)
    log_in(clerk_page, market["clerks"][0])
    clerk_page.goto(f"/beschaffung/abrufe/{reference}/")
    clerk_page.get_by_role("button", name="Bestellung beim Lieferanten auslösen").click()
    assert "Bestellt" in clerk_page.locator("#status").inner_text()
    assert clerk_page.locator("#gesamt").inner_text() == "4.500,00 €"
    # The call-off names the member's settlement and its cost share, as on the round page.
    settlement = clerk_page.locator("#ausgleich").inner_text()
    assert settlement.startswith("-20,00 €")
    assert "Ihr Kostenanteil für diesen Abruf: 4.480,00 €" in settlement
    # The member sees its call-off's history: awarded, approved, ordered.
    trail = clerk_page.locator("#verlauf").inner_text()
    for step in ("aus einer Bündelungsrunde angelegt", "freigegeben", "bestellt"):
        assert step in trail
    assert_no_axe_violations(clerk_page)
    # --- goods receipt, the supplier's XRechnung, release by a second person -----------------
    clerk_page.get_by_role("link", name="Wareneingang erfassen").click()
    clerk_page.get_by_label("Notebook 14 Zoll").fill("6")
    clerk_page.get_by_label("Lieferschein-Nr.", exact=False).fill("LS-RUNDE-1")
    assert_no_axe_violations(clerk_page)
    clerk_page.get_by_role("button", name="Wareneingang speichern").click()
    clerk_page.wait_for_url(re.compile(rf"/beschaffung/abrufe/{reference}/$"))
    assert "LS-RUNDE-1" in clerk_page.locator("#wareneingang").inner_text()
    invoice = SampleInvoice(
        number="RE-RUNDE-1",
        order_reference=reference,
        seller_name="Alpha Runde-IT GmbH",
        lines=(SampleLine("A-NB", "Notebook 14 Zoll", Decimal("6"), Decimal("750.00")),),
    )
    clerk_page.goto("/beschaffung/eingangsrechnungen/neu/")
    upload = clerk_page.locator("#id_datei")
    wrong = cii(invoice.changed(line_total_override=Decimal("4000.00")))
    upload.set_input_files(files=[{"name": "r.xml", "mimeType": "text/xml", "buffer": wrong}])
    clerk_page.get_by_role("button", name="Rechnung prüfen und erfassen").click()
    assert "BR-CO-10" in clerk_page.locator("#pruefergebnis").inner_text()
    assert_no_axe_violations(clerk_page)
    upload = clerk_page.locator("#id_datei")
    upload.set_input_files(
        files=[{"name": "r.xml", "mimeType": "text/xml", "buffer": cii(invoice)}]
    )
    clerk_page.get_by_role("button", name="Rechnung prüfen und erfassen").click()
    clerk_page.wait_for_url(re.compile(r"/beschaffung/eingangsrechnungen/[0-9a-f-]{36}/$"))
    invoice_url = clerk_page.url
    assert "Keine Abweichung" in clerk_page.locator("#abgleich").inner_text()
    assert clerk_page.locator("#zahlbetrag").inner_text() == "5.355,00 €"  # 4,500 + 19 %
    assert clerk_page.locator("#vier-augen").is_visible()  # the receiver may not release
    assert_no_axe_violations(clerk_page)
    clerk_page.goto("/beschaffung/eingangsrechnungen/?abgleich=ok")
    assert "RE-RUNDE-1" in clerk_page.locator("main").inner_text()
    assert_no_axe_violations(clerk_page)
    context_admin, release_page = _context(browser, site_server)
    log_in(release_page, market["admins"][0])
    release_page.goto(invoice_url)
    release_page.get_by_role("link", name="Rechnung zur Zahlung freigeben").click()
    assert_no_axe_violations(release_page)
    release_page.get_by_role("button", name="Ja, zur Zahlung freigeben").click()
    release_page.wait_for_url(invoice_url)
    assert release_page.locator("#rechnung-status").inner_text() == "zur Zahlung freigegeben"
    context_admin.close()

    # The member's own round page: its share, settlement and savings.
    clerk_page.goto(round_url + "ergebnis/")
    assert clerk_page.locator("#eigener-anteil").inner_text() == "4.480,00 €"
    assert clerk_page.locator("#eigener-ausgleich").inner_text() == "-20,00 €"
    assert clerk_page.locator("#eigene-ersparnis").inner_text() == "260,00 €"
    assert_no_axe_violations(clerk_page)
    # The member's own report: exactly the realised bundling savings of the round page.
    clerk_page.goto("/genossenschaft/beschaffung/")
    assert clerk_page.locator("#summe-ausgaben").inner_text() == "4.500,00 €"
    assert clerk_page.locator("#summe-buendelung").inner_text() == "260,00 €"
    assert clerk_page.locator("#summe-ausgleich").inner_text() == "-20,00 €"
    assert_no_axe_violations(clerk_page)
    context.close()

    # --- staff report: member 1 books 260 €, member 2 (not ordered) nothing -----------------
    page.goto("/genossenschaft/beschaffung/")
    by_member = page.locator("#je-mitglied").inner_text()
    # spend, call-offs, tier savings, bundling savings, total savings, settlement
    assert re.search(
        r"Gemeinde Browserhausen\s+4\.500,00\s+1\s+[\d.,]+\s+260,00\s+[\d.,]+\s+-20,00", by_member
    )
    assert "Stadt Testburg" not in by_member

    # --- member 2 orders too: both members book their 260 €, together the round's 520 € -----
    context, admin_page = _context(browser, site_server)
    log_in(admin_page, market["admins"][1])
    admin_page.goto("/beschaffung/abrufe/?status=awaiting_approval")
    admin_page.get_by_role("link", name=re.compile(r"^AB-\d{4}-[A-Z0-9]{6}$")).first.click()
    admin_page.wait_for_url(re.compile(r"/beschaffung/abrufe/AB-\d{4}-[A-Z0-9]{6}/$"))
    second = admin_page.url
    admin_page.get_by_role("button", name="Freigeben").click()
    assert "Freigegeben" in admin_page.locator("#status").inner_text()
    context.close()
    context, clerk_page = _context(browser, site_server)
    log_in(clerk_page, market["clerks"][1])
    clerk_page.goto(second)
    clerk_page.get_by_role("button", name="Bestellung beim Lieferanten auslösen").click()
    assert "Bestellt" in clerk_page.locator("#status").inner_text()
    assert clerk_page.locator("#gesamt").inner_text() == "5.250,00 €"
    context.close()
    page.goto("/genossenschaft/beschaffung/")
    by_member = page.locator("#je-mitglied").inner_text()
    assert re.search(
        r"Stadt Testburg\s+5\.250,00\s+1\s+[\d.,]+\s+260,00\s+[\d.,]+\s+20,00", by_member
    )
    assert page.locator("#summe-buendelung").inner_text() == "520,00 €"
    assert page.locator("#summe-ausgleich").inner_text() == "0,00 €"
    assert_no_axe_violations(page)
    assert page.csp_violations == []
