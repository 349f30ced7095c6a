"""Pages of the DigitalPakt ledger: access, booking forms with errors, the XLSX proof of use."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from openkommune.digitalpakt import services
from openkommune.digitalpakt.models import SchoolAuthorityBudget
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.digitalpakt.conftest import ordered
from tests.translation_probe import is_marked, marked_translations

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 3, 1)


@pytest.fixture
def budget(schooltraeger, member_admin, programme_1):
    budget = services.budget_open(tenant=schooltraeger, actor=member_admin, programme=programme_1)
    services.budget_allocate(
        tenant=schooltraeger,
        actor=member_admin,
        budget=budget,
        amount=Decimal("50000.00"),
        booked_on=DAY,
    )
    return budget


def test_index_needs_login_and_a_member(client):
    url = reverse("digitalpakt:index")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())  # a citizen
    assert client.get(url).status_code == 403


def test_member_sees_own_budgets_and_opens_one(client, member_admin, schooltraeger, programme_2):
    client.force_login(member_admin)
    url = reverse("digitalpakt:index")
    page = client.get(url)
    assert page.status_code == 200
    assert "noch kein Budget" in page.text
    assert "90 % Bund, 10 % Eigenanteil" in page.text
    bad = client.post(url, {"programme": ""})
    assert bad.status_code == 422
    assert "Bitte ein Förderprogramm wählen." in bad.text
    response = client.post(url, {"programme": str(programme_2.public_id)})
    with scopes_disabled():
        budget = SchoolAuthorityBudget.objects.get(tenant=schooltraeger, programme=programme_2)
    assert response.status_code == 302
    assert response["Location"] == reverse("digitalpakt:ledger", args=[budget.public_id])


def test_clerk_reads_but_cannot_book(client, clerk, budget):
    client.force_login(clerk)
    page = client.get(reverse("digitalpakt:ledger", args=[budget.public_id]))
    assert page.status_code == 200
    assert "50.000,00 €" in page.text
    assert "Zuweisung buchen" not in page.text
    assert client.get(reverse("digitalpakt:allocate", args=[budget.public_id])).status_code == 403


def test_booking_forms_keep_input_and_show_errors(
    client, member_admin, budget, schooltraeger, market
):
    client.force_login(member_admin)
    url = reverse("digitalpakt:allocate", args=[budget.public_id])
    bad = client.post(url, {"amount": "zwölf", "booked_on": "2025-03-01"})
    assert bad.status_code == 422
    assert "Bitte einen Betrag in Euro angeben" in bad.text
    assert 'value="zwölf"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    ok = client.post(url, {"amount": "1.000,50", "booked_on": "01.03.2025", "text": "Nachtrag"})
    assert ok.status_code == 302

    printer = ordered(schooltraeger, (market["printer"], 1))
    charge = reverse("digitalpakt:charge", args=[budget.public_id])
    assert printer.reference in client.get(charge).text
    refused = client.post(charge, {"call_off": str(printer.public_id), "booked_on": "2025-03-01"})
    assert refused.status_code == 422
    assert "Nicht förderfähig" in refused.text

    notebooks = ordered(schooltraeger, (market["notebook"], 10))  # 7500.00
    done = client.post(charge, {"call_off": str(notebooks.public_id), "booked_on": "2025-03-01"})
    assert done.status_code == 302
    pay = reverse("digitalpakt:pay", args=[budget.public_id])
    response = client.post(
        pay,
        {
            "call_off": str(notebooks.public_id),
            "invoice_reference": "RE-2025-17",
            "amount": "7500,00",
            "booked_on": "2025-03-02",
        },
    )
    assert response.status_code == 302
    ledger = client.get(reverse("digitalpakt:ledger", args=[budget.public_id]))
    assert "Abgestimmt" in ledger.text
    assert notebooks.reference in ledger.text
    assert "6.750,00" in ledger.text  # federal part of the payment (90 %)


def test_proof_of_use_xlsx_has_one_row_per_payment_and_totals(
    client, member_admin, budget, schooltraeger, market
):
    call_off = ordered(schooltraeger, (market["display"], 3))  # 3 x 3333.33 = 9999.99
    common = {"tenant": schooltraeger, "actor": member_admin, "budget": budget}
    services.budget_allocate(
        **common, amount=Decimal("20000.00"), booked_on=datetime.date(2025, 1, 10),
        notice_reference="DP-2025/0815",
    )  # fmt: skip
    services.call_off_charge(**common, call_off=call_off, booked_on=DAY)
    for number, (day, amount) in enumerate(
        [(datetime.date(2025, 3, 5), "5000.00"), (datetime.date(2025, 4, 5), "4999.99")], start=1
    ):
        services.payment_record(
            **common, call_off=call_off, amount=Decimal(amount), booked_on=day,
            invoice_reference=f"RE-{number}",
        )  # fmt: skip
    client.force_login(member_admin)
    url = reverse("digitalpakt:proof_of_use", args=[budget.public_id])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="verwendungsnachweis-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[1] == ["Förderprogramm", "DigitalPakt Schule 1.0"] + [None] * 7
    # The funding notice with its reference (issue 19).
    assert rows[6][:2] == [
        "Zuwendungsbescheide",
        "Az. DP-2025/0815 vom 10.01.2025 über 20.000,00 €; "
        "ohne Aktenzeichen vom 01.03.2025 über 50.000,00 €",
    ]
    # The layout: a large bold title, a bold table header and totals, dates and euros
    # formatted as such, column widths.
    assert (sheet["A1"].value, sheet["A1"].font.b, sheet["A1"].font.sz) == (
        "Verwendungsnachweis", True, 14
    )  # fmt: skip
    assert sheet["B6"].number_format == "DD.MM.YYYY"
    assert all(cell.font.b for cell in sheet[9])
    assert not sheet["A10"].font.b
    assert sheet["A10"].number_format == "DD.MM.YYYY"
    euro = '#,##0.00 "€"'
    assert [sheet.cell(10, column).number_format for column in (6, 7, 8)] == [euro] * 3
    assert [sheet.cell(sheet.max_row, column).number_format for column in (6, 7, 8)] == [euro] * 3
    assert all(sheet.cell(sheet.max_row, column).font.b for column in range(1, 10))
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHI"]
    assert widths == [14, 32, 20, 18, 28, 16, 18, 18, 40]
    assert rows[2][:2] == ["Schulträger", schooltraeger.name]
    assert rows[3][:2] == ["Zeitraum", "alle Zahlungen"]
    header = rows.index(
        ["Zahlungsdatum", "Lieferant", "Rechnungsnummer", "Abruf", "Förderkategorie",
         "Betrag (Euro)", "Bundesanteil (Euro)", "Eigenanteil (Euro)", "Buchungstext"]
    )  # fmt: skip
    payments = rows[header + 1 : -1]
    assert [(r[2], r[3], r[1]) for r in payments] == [
        ("RE-1", call_off.reference, "Schul-IT Testhandel GmbH"),
        ("RE-2", call_off.reference, "Schul-IT Testhandel GmbH"),
    ]
    assert payments[0][0].date() == datetime.date(2025, 3, 5)
    # The funding category of what was paid, from the articles' CPV codes (32323100-4).
    assert [r[4] for r in payments] == ["Anzeigegeräte", "Anzeigegeräte"]
    amounts = [Decimal(str(r[5])).quantize(Decimal("0.01")) for r in payments]
    federal = [Decimal(str(r[6])).quantize(Decimal("0.01")) for r in payments]
    own = [Decimal(str(r[7])).quantize(Decimal("0.01")) for r in payments]
    assert amounts == [Decimal("5000.00"), Decimal("4999.99")]
    assert sum(federal) == Decimal("8999.99")  # 90 % of 9999.99, rounded towards zero
    assert sum(federal) + sum(own) == sum(amounts)
    totals = rows[-1]
    assert totals[0] == "Summe"
    assert Decimal(str(totals[5])).quantize(Decimal("0.01")) == Decimal("9999.99")
    assert Decimal(str(totals[6])).quantize(Decimal("0.01")) == Decimal("8999.99")

    april = load_workbook(io.BytesIO(client.get(url, {"von": "2025-04-01"}).content)).active
    april_rows = [list(r) for r in april.iter_rows(values_only=True)]
    assert april_rows[3][1] == "01.04.2025 bis heute"
    assert len(april_rows) == header + 1 + 1 + 1  # header block, table header, 1 row, totals
    bad = client.get(url, {"von": "2025-05-01", "bis": "2025-04-01"})
    assert bad.status_code == 400
    assert "Das Ende liegt vor dem Beginn." in bad.text


def test_proof_of_use_labels_are_translatable(client, member_admin, budget, schooltraeger, market):
    call_off = ordered(schooltraeger, (market["display"], 1))
    common = {"tenant": schooltraeger, "actor": member_admin, "budget": budget}
    services.call_off_charge(**common, call_off=call_off, booked_on=DAY)
    services.payment_record(
        **common, call_off=call_off, amount=Decimal("100.00"), booked_on=DAY,
        invoice_reference="RE-1",
    )  # fmt: skip
    client.force_login(member_admin)
    url = reverse("digitalpakt:proof_of_use", args=[budget.public_id])
    with marked_translations():
        sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    labels = [
        sheet.title,
        # title, programme, Schulträger, period, shares, date, funding notices
        *(row[0] for row in rows[:7]),
        rows[3][1],  # "alle Zahlungen"
        rows[4][1],  # the shares
        *rows[8],  # the table header
        rows[-1][0],  # "Summe"
        rows[-1][-1],  # "1 Zahlung"
    ]
    assert all(is_marked(label) for label in labels), labels


def test_staff_see_every_schooltraeger(client, staff, budget, schooltraeger):
    client.force_login(staff)
    page = client.get(reverse("digitalpakt:index"))
    assert schooltraeger.name in page.text
    assert client.get(reverse("digitalpakt:ledger", args=[budget.public_id])).status_code == 200


def test_malformed_choices_are_form_errors_not_crashes(client, member_admin, budget):
    client.force_login(member_admin)
    assert client.post(reverse("digitalpakt:index"), {"programme": "kaputt"}).status_code == 422
    charge = reverse("digitalpakt:charge", args=[budget.public_id])
    # No chargeable call-off: the page says so instead of offering an empty form.
    assert "keinen freigegebenen oder bestellten Abruf" in client.get(charge).text
    correct = reverse("digitalpakt:correct", args=[budget.public_id])
    response = client.post(
        correct,
        {"corrects": "erfunden", "amount": "-5", "booked_on": "2025-03-01", "text": "x"},
    )
    assert response.status_code == 422


def test_budget_table_shows_the_school_authority_column_only_to_staff(
    client, member_admin, staff, budget
):
    url = reverse("digitalpakt:index")
    client.force_login(member_admin)
    member_page = client.get(url).text
    assert 'id="budgets"' in member_page
    assert 'id="keine-budgets"' not in member_page
    assert '<th scope="col" class="kern-table__header">Schulträger</th>' not in member_page
    client.force_login(staff)
    staff_page = client.get(url).text
    assert '<th scope="col" class="kern-table__header">Schulträger</th>' in staff_page
    assert (
        '<th scope="col" class="kern-table__header kern-table__header--numeric">Zuweisung</th>'
        in staff_page
    )


def test_staff_without_budgets_read_the_empty_text(client, staff):
    client.force_login(staff)
    page = client.get(reverse("digitalpakt:index")).text
    assert 'id="budgets"' not in page
    assert (
        '<p class="kern-body" id="keine-budgets">Noch hat kein Schulträger ein Budget eröffnet.</p>'
        in page
    )
