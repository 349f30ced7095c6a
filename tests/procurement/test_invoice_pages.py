"""Pages of goods receipts and supplier invoices, the call-off's history for its member, and
the CSV/XLSX exports of call-offs, contracts and round results with typed cells."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from openkommune.procurement.models import SupplierInvoice
from openkommune.procurement.supplier_invoices import supplier_invoice_receive
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.procurement.einvoice_samples import SampleLine, cii, ubl
from tests.procurement.factories import ContractFactory
from tests.procurement.test_supplier_invoices import receive_all, sample

pytestmark = pytest.mark.django_db
D = Decimal


def test_goods_receipt_page_records_a_delivery_and_refuses_too_many(client, clerk, order):
    call_off, lines = order
    client.force_login(clerk)
    url = reverse("procurement:goods_receipt", args=[call_off.reference])
    page = client.get(url)
    assert page.status_code == 200
    assert "bestellt 25, noch offen 25" in page.content.decode()
    too_many = client.post(
        url,
        {"received_on": "01.12.2026", f"menge_{lines['NB-14'].pk}": "26", "delivery_note": "LS-1"},
    )
    assert too_many.status_code == 422
    assert "Höchstens die noch offene Menge (25)" in too_many.content.decode()
    done = client.post(
        url,
        {
            "received_on": datetime.date.today().strftime("%d.%m.%Y"),
            f"menge_{lines['NB-14'].pk}": "25",
            f"menge_{lines['TA-1'].pk}": "",
            "delivery_note": "LS-1",
        },
    )
    assert done.status_code == 302
    detail = client.get(reverse("procurement:call_off_detail", args=[call_off.reference]))
    text = detail.content.decode()
    assert "LS-1" in text
    assert "25 × Notebook 14 Zoll" in text
    # The call-off's history, visible to its member.
    assert 'id="verlauf"' in text
    assert "Wareneingang erfasst" in text


def test_upload_refuses_a_wrong_invoice_with_its_rule_and_keeps_nothing(client, clerk, order):
    call_off, _lines = order
    client.force_login(clerk)
    url = reverse("procurement:supplier_invoice_upload")
    wrong = ubl(sample(call_off, line_total_override=D("1.00")))
    response = client.post(url, {"datei": SimpleUploadedFile("r.xml", wrong, "text/xml")})
    assert response.status_code == 422
    assert "BR-CO-10" in response.content.decode()
    with scopes_disabled():
        assert not SupplierInvoice.objects.exists()


def test_upload_list_detail_and_release_with_confirmation(client, member, clerk, approver, order):
    call_off, lines = order
    receive_all(member, clerk, call_off, lines)
    client.force_login(clerk)
    response = client.post(
        reverse("procurement:supplier_invoice_upload"),
        {"datei": SimpleUploadedFile("r.xml", cii(sample(call_off)), "application/xml")},
    )
    assert response.status_code == 302
    with scope(tenant=member):
        invoice = SupplierInvoice.objects.get(tenant=member)
    detail_url = reverse("procurement:supplier_invoice_detail", args=[invoice.public_id])
    assert response.url == detail_url
    page = client.get(detail_url).content.decode()
    assert "Keine Abweichung" in page
    assert "Sie haben die Rechnung erfasst." in page  # four eyes shown to the receiver
    listing = client.get(reverse("procurement:supplier_invoice_list")).content.decode()
    assert invoice.number in listing

    client.force_login(approver)
    release_url = reverse("procurement:supplier_invoice_release", args=[invoice.public_id])
    assert release_url in client.get(detail_url).content.decode()
    confirm = client.get(release_url)
    assert confirm.status_code == 200
    assert "zur Zahlung freigeben?" in confirm.content.decode()
    with scope(tenant=member):
        invoice.refresh_from_db()
        assert invoice.status == SupplierInvoice.Status.RECEIVED  # GET changed nothing
    assert client.post(release_url, {"note": ""}).status_code == 302
    with scope(tenant=member):
        invoice.refresh_from_db()
    assert invoice.status == SupplierInvoice.Status.RELEASED
    xml = client.get(reverse("procurement:supplier_invoice_document", args=[invoice.public_id]))
    assert xml.content == cii(sample(call_off))


def test_invoice_list_filters_sorts_and_pages(client, member, clerk, order):
    call_off, lines = order
    receive_all(member, clerk, call_off, lines)
    supplier_invoice_receive(tenant=member, actor=clerk, data=cii(sample(call_off)))
    expensive = sample(
        call_off,
        number="RE-TEUER",
        lines=(SampleLine("NB-14", "Notebook 14 Zoll", D("1"), D("999.00")),),
    )
    supplier_invoice_receive(tenant=member, actor=clerk, data=cii(expensive))
    client.force_login(clerk)
    url = reverse("procurement:supplier_invoice_list")
    deviating = client.get(url, {"abgleich": "abweichung"}).content.decode()
    assert "RE-TEUER" in deviating
    assert "RE-2026-1001" not in deviating
    clean = client.get(url, {"abgleich": "ok"}).content.decode()
    assert "RE-2026-1001" in clean
    assert "RE-TEUER" not in clean
    by_amount = client.get(url, {"sortierung": "-betrag"}).content.decode()
    assert by_amount.index("RE-2026-1001") < by_amount.index("RE-TEUER")
    assert client.get(url, {"sortierung": "unsinn"}).status_code == 200
    assert "Keine Eingangsrechnungen" in client.get(url, {"status": "released"}).content.decode()


def test_another_member_gets_404_for_the_invoice(client, member, clerk, order):
    call_off, _lines = order
    invoice = supplier_invoice_receive(tenant=member, actor=clerk, data=cii(sample(call_off)))
    client.force_login(UserFactory(clerk=True))
    for name in (
        "supplier_invoice_detail",
        "supplier_invoice_release",
        "supplier_invoice_document",
    ):
        assert (
            client.get(reverse(f"procurement:{name}", args=[invoice.public_id])).status_code == 404
        )
    assert (
        client.get(reverse("procurement:goods_receipt", args=[call_off.reference])).status_code
        == 404
    )


# --- exports ------------------------------------------------------------------------------------


def test_call_off_export_has_typed_cells(client, clerk, order):
    call_off, _lines = order
    client.force_login(clerk)
    response = client.get(reverse("procurement:call_off_export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Abrufnummer"
    row = next(r for r in rows if r[0] == call_off.reference)
    assert isinstance(row[4], datetime.datetime)  # "angelegt am": a date cell, not text
    assert row[7] == 50  # quantity as a number
    assert row[8] == 22000  # total as a number
    assert sheet.cell(row=rows.index(row) + 1, column=9).number_format == "#,##0.00"
    csv = client.get(reverse("procurement:call_off_export", args=["csv"])).content.decode()
    assert f"{call_off.reference};Bestellt;" in csv
    assert ";22000,00;" in csv
    assert client.get(reverse("procurement:call_off_export", args=["pdf"])).status_code == 404


def test_contract_export_is_for_staff_with_typed_cells(client, staff, clerk):
    contract = ContractFactory(number="RV-EXPORT", max_value=D("1000.00"))
    client.force_login(clerk)
    assert client.get(reverse("procurement:contract_export", args=["xlsx"])).status_code == 403
    client.force_login(staff)
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("procurement:contract_export", args=["xlsx"])).content)
    ).active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "RV-EXPORT")
    assert row[3].date() == contract.starts_on
    assert row[5] == 1000
    assert row[7] == 0
