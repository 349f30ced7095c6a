"""Pages: staff and member pages render, refuse the wrong people, and never show another
member's call-offs (404 like a missing one)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse

from openkommune.procurement import services
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CatalogItem, FrameworkContract
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.procurement.factories import (
    CallOffFactory,
    ContractFactory,
    ItemFactory,
    LotFactory,
    SupplierFactory,
    add_line,
)
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _staff_urls(contract, item, lot, document=None):
    pid = contract.public_id
    urls = [
        reverse("procurement:contract_list"),
        reverse("procurement:contract_create"),
        reverse("procurement:contract_detail", args=[pid]),
        reverse("procurement:contract_edit", args=[pid]),
        reverse("procurement:contract_usage", args=[pid]),
        reverse("procurement:lot_create", args=[pid]),
        reverse("procurement:lot_edit", args=[pid, lot.public_id]),
        reverse("procurement:lot_delete", args=[pid, lot.public_id]),
        reverse("procurement:item_create", args=[pid]),
        reverse("procurement:item_edit", args=[pid, item.public_id]),
        reverse("procurement:item_delete", args=[pid, item.public_id]),
        reverse("procurement:catalog_import", args=[pid]),
        reverse("procurement:document_upload", args=[pid]),
        reverse("procurement:supplier_list"),
        reverse("procurement:supplier_create"),
        reverse("procurement:supplier_edit", args=[item.supplier.public_id]),
    ]
    return urls


def test_staff_pages_render_for_staff_only(client, staff, clerk):
    item = ItemFactory()
    lot = LotFactory(contract=item.contract)
    urls = _staff_urls(item.contract, item, lot)
    for url in urls:
        assert client.get(url).status_code == 302, url  # to the login
    client.force_login(clerk)
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.force_login(staff)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<h1" in response.content


def test_contract_list_filters_sorts_and_shows_usage(client, staff):
    import datetime

    today = datetime.date.today()
    running = ContractFactory(number="RV-A", max_value=Decimal("1000"))
    CallOffFactory(contract=running, total=Decimal("850.00"))
    ContractFactory(number="RV-B", starts_on=today + datetime.timedelta(days=10),
                    ends_on=today + datetime.timedelta(days=20))  # fmt: skip
    client.force_login(staff)
    page = client.get(reverse("procurement:contract_list")).content.decode()
    assert "RV-A" in page
    assert "RV-B" in page
    assert "85,0 %" in page
    planned = client.get(reverse("procurement:contract_list"), {"status": "planned"})
    assert "RV-B" in planned.content.decode()
    assert "RV-A" not in planned.content.decode()
    ordered = client.get(reverse("procurement:contract_list"), {"sortierung": "ende"}).content
    assert ordered.decode().index("RV-B") < ordered.decode().index("RV-A")
    bad = client.get(reverse("procurement:contract_list"), {"laeuft_am": "gestern"})
    assert "Bitte ein Datum im Format TT.MM.JJJJ angeben." in bad.content.decode()


def test_staff_create_contract_with_validation_messages(client, staff):
    supplier = SupplierFactory()
    client.force_login(staff)
    data = {
        "number": "RV-2026-009",
        "title": "Schulungen",
        "legal_basis": "vgv_21",
        "starts_on": "01.01.2026",
        "ends_on": "01.01.2030",
        "max_value": "",
        "max_quantity": "",
        "suppliers": [str(supplier.pk)],
        "callers_all_members": "on",
    }
    response = client.post(reverse("procurement:contract_create"), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "höchstens 4 Jahre" in page
    assert "Geben Sie eine Höchstmenge oder einen Höchstwert an." in page
    assert 'value="RV-2026-009"' in page  # what was typed is kept
    data.update(ends_on="31.12.2029", max_value="250.000,00")
    response = client.post(reverse("procurement:contract_create"), data)
    contract = FrameworkContract.objects.get(number="RV-2026-009")
    assert response.status_code == 302
    assert contract.max_value == Decimal("250000.00")


def test_staff_add_item_with_tier_textarea(client, staff):
    contract = ContractFactory()
    client.force_login(staff)
    url = reverse("procurement:item_create", args=[contract.public_id])
    data = {
        "article_number": "NB-1",
        "description": "Notebook",
        "cpv_code": "30213100-6",
        "unit": "Stück",
        "supplier": str(contract.suppliers.get().pk),
        "valid_from": "01.01.2026",
        "tier_mode": "all_units",
        "is_active": "on",
        "tiers": "10: 849,00",
    }
    response = client.post(url, data)
    assert response.status_code == 422
    assert "Die erste Preisstaffel muss bei Menge 0 beginnen" in response.content.decode()
    data["tiers"] = "0: 899,00\n10: 849,00"
    assert client.post(url, data).status_code == 302
    item = CatalogItem.objects.get(article_number="NB-1")
    assert item.tiers.count() == 2
    edit = client.get(reverse("procurement:item_edit", args=[contract.public_id, item.public_id]))
    assert "0: 899,00\n10: 849,00" in edit.content.decode()


def test_import_page_reports_row_errors(client, staff):
    contract = ContractFactory()
    client.force_login(staff)
    url = reverse("procurement:catalog_import", args=[contract.public_id])
    data = b"artikelnummer;beschreibung;cpv;preis\nA;a;30213100-6;1\nB;b;kaputt;1\n"
    response = client.post(url, {"datei": SimpleUploadedFile("k.csv", data)})
    assert response.status_code == 422
    assert "Zeile 3, Spalte cpv" in response.content.decode()
    assert not CatalogItem.objects.exists()
    good = SimpleUploadedFile("k.csv", data.replace(b"kaputt", b"30213100-6"))
    response = client.post(url, {"datei": good})
    assert "2 neue und 0 geänderte Artikel" in response.content.decode()


def test_document_upload_and_download(client, staff, clerk, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    contract = ContractFactory()
    client.force_login(staff)
    url = reverse("procurement:document_upload", args=[contract.public_id])
    upload = SimpleUploadedFile("lb.pdf", b"%PDF-1.4 Leistungsbeschreibung")
    assert client.post(url, {"titel": "Leistungsbeschreibung", "datei": upload}).status_code == 302
    document = contract.documents.get()
    download = reverse(
        "procurement:document_download", args=[contract.public_id, document.public_id]
    )
    response = client.get(download)
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="Leistungsbeschreibung.pdf"' in response["Content-Disposition"]
    client.force_login(clerk)  # a member who may call off the contract may read it
    assert client.get(download).status_code == 200
    excluded = ContractFactory(callers_all_members=False)
    other_doc = services.document_upload(
        actor=staff, contract=excluded, title="Intern",
        file=SimpleUploadedFile("x.txt", b"intern"),
    )  # fmt: skip
    url = reverse("procurement:document_download", args=[excluded.public_id, other_doc.public_id])
    assert client.get(url).status_code == 404


# --- members ----------------------------------------------------------------------------------


def test_member_journey_through_the_pages(client, clerk, approver, member):
    item = ItemFactory(tiers=[(0, "100.00"), (10, "90.00")])
    client.force_login(clerk)
    catalog = client.get(reverse("procurement:catalog"), {"q": item.description})
    assert item.article_number in catalog.content.decode()
    response = client.post(reverse("procurement:cart_add", args=[item.public_id]), {"menge": "10"})
    with scopes_disabled():
        call_off = member_call_off(member)
    detail_url = reverse("procurement:call_off_detail", args=[call_off.reference])
    assert response.url == detail_url
    detail = client.get(detail_url).content.decode()
    assert "900,00 €" in detail
    assert "unterhalb des EU-Schwellenwerts" in detail
    client.post(reverse("procurement:call_off_submit", args=[call_off.reference]))
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.AWAITING_APPROVAL  # threshold default 0 €
    client.force_login(approver)
    client.post(reverse("procurement:call_off_approve", args=[call_off.reference]), {"note": ""})
    client.force_login(clerk)
    client.post(reverse("procurement:call_off_order", args=[call_off.reference]))
    pdf = client.get(reverse("procurement:call_off_pdf", args=[call_off.reference]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Served like every private file (core.files): a download, not sniffed, not cached.
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in pdf["Cache-Control"]
    listing = client.get(reverse("procurement:call_off_list")).content.decode()
    assert call_off.reference in listing
    assert "Bestellt" in listing


def member_call_off(member):
    from openkommune.procurement.models import CallOff

    return CallOff.objects.get(tenant=member)


def test_refused_submit_shows_every_reason(client, clerk, member):
    contract = ContractFactory(max_value=Decimal("50.00"))
    item = ItemFactory(contract=contract)
    call_off = CallOffFactory(tenant=member, contract=contract, status=CallOffStatus.DRAFT)
    add_line(call_off, item, 1)
    client.force_login(clerk)
    response = client.post(reverse("procurement:call_off_submit", args=[call_off.reference]))
    assert response.status_code == 422
    assert "überschreitet den Höchstwert" in response.content.decode()


def test_cancel_and_remove_ask_for_confirmation(client, clerk, member):
    item = ItemFactory()
    call_off = CallOffFactory(
        tenant=member, contract=item.contract, status=CallOffStatus.DRAFT, created_by=clerk
    )
    add_line(call_off, item, 2)
    client.force_login(clerk)
    remove = reverse("procurement:line_remove", args=[call_off.reference, item.public_id])
    assert "Position wirklich entfernen?" in client.get(remove).content.decode()
    cancel = reverse("procurement:call_off_cancel", args=[call_off.reference])
    assert "Abruf wirklich stornieren?" in client.get(cancel).content.decode()
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.DRAFT
    client.post(cancel)
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.CANCELLED


def test_settings_page_for_member_admin_only(client, clerk, approver, member):
    url = reverse("procurement:settings")
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    client.force_login(approver)
    response = client.post(url, {"approval_threshold": "abc", "order_email": ""})
    assert "Bitte einen Betrag in Euro angeben" in response.content.decode()
    response = client.post(url, {"approval_threshold": "2.500,00", "order_email": ""}, follow=True)
    assert "gilt erst, wenn eine andere Person" in response.content.decode()
    # the requester sees the request but no button to confirm it himself
    assert "grenze-bestaetigen" not in response.content.decode()
    from openkommune.procurement.selectors import procurement_settings

    with scopes_disabled():
        assert procurement_settings(tenant=member).approval_threshold == Decimal("0")
    second = UserFactory()
    MembershipFactory(tenant=member, user=second, role=Role.MEMBER_ADMIN)
    client.force_login(second)
    assert "grenze-bestaetigen" in client.get(url).content.decode()
    client.post(reverse("procurement:threshold_decide"), {"entscheidung": "bestaetigen"})
    with scopes_disabled():
        assert procurement_settings(tenant=member).approval_threshold == Decimal("2500.00")


def test_draft_page_shows_owner_authors_and_shares(client, clerk, approver, member):
    item = ItemFactory(tiers=[(0, "279.00")])
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    detail = reverse("procurement:call_off_detail", args=[call_off.reference])
    client.force_login(approver)
    page = client.get(detail).content.decode()
    assert "Dieser Entwurf gehört" in page
    assert 'id="einreichen"' not in page
    client.force_login(clerk)
    page = client.get(detail).content.decode()
    assert "teilen-form" in page
    client.post(
        reverse("procurement:call_off_share", args=[call_off.reference]),
        {"personen": [str(approver.pk)]},
    )
    client.force_login(approver)
    client.post(
        reverse("procurement:line_update", args=[call_off.reference, item.public_id]),
        {"menge": "30"},
    )
    page = client.get(detail).content.decode()
    assert f"{clerk} / {approver}" in page  # the line: added by the clerk, changed by the admin
    call_off.refresh_from_db()
    assert call_off.total == Decimal("8370.00")


def test_staff_decide_stuck_approvals_as_deputy(client, approver, member, staff):
    item = ItemFactory(tiers=[(0, "279.00")])
    call_off = services.call_off_add_line(tenant=member, actor=approver, item=item, quantity=2)
    call_off = services.call_off_submit(tenant=member, actor=approver, call_off=call_off)
    client.force_login(approver)
    page = client.get(reverse("procurement:call_off_detail", args=[call_off.reference]))
    assert "Die Genossenschaft entscheidet stellvertretend" in page.content.decode()
    assert client.get(reverse("procurement:deputy_approvals")).status_code == 403
    client.force_login(staff)
    page = client.get(reverse("procurement:deputy_approvals")).content.decode()
    assert call_off.reference in page
    decide = reverse("procurement:deputy_decide", args=[member.public_id, call_off.reference])
    client.post(decide, {"entscheidung": "ablehnen", "note": ""})
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.AWAITING_APPROVAL  # a rejection needs a reason
    client.post(decide, {"entscheidung": "freigeben", "note": "Vertretung"})
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.APPROVED
    assert call_off.approved_by == staff
    page = client.get(reverse("procurement:deputy_approvals")).content.decode()
    assert "Keine Abrufe warten auf eine Vertretungsfreigabe." in page


def test_member_pages_refuse_staff_and_anonymous(client, staff):
    url = reverse("procurement:catalog")
    assert client.get(url).status_code == 302
    client.force_login(staff)
    assert client.get(url).status_code == 403
    assert client.get(reverse("procurement:index")).url == reverse("procurement:contract_list")


def test_catalog_shows_only_callable_running_contracts(client, clerk):
    visible = ItemFactory(description="Sichtbar")
    ItemFactory(description="Fremdvertrag", contract=ContractFactory(callers_all_members=False))
    import datetime

    ended = ContractFactory(ends_on=datetime.date.today() - datetime.timedelta(days=1))
    ItemFactory(description="Abgelaufen", contract=ended)
    client.force_login(clerk)
    page = client.get(reverse("procurement:catalog")).content.decode()
    assert visible.description in page
    assert "Fremdvertrag" not in page
    assert "Abgelaufen" not in page


def test_one_member_never_sees_another_members_call_offs(client, clerk, member):
    item = ItemFactory()
    other_clerk = UserFactory(clerk=True)
    with scopes_disabled():
        other = other_clerk.memberships.get().tenant
    foreign = CallOffFactory(tenant=other, contract=item.contract, status=CallOffStatus.ORDERED)
    add_line(foreign, item, 1)
    draft = CallOffFactory(tenant=other, contract=item.contract, status=CallOffStatus.DRAFT)
    add_line(draft, item, 1)
    client.force_login(clerk)
    assert (
        foreign.reference not in client.get(reverse("procurement:call_off_list")).content.decode()
    )
    ref, item_id = draft.reference, item.public_id
    for name, method in [
        ("call_off_detail", "get"), ("call_off_pdf", "get"), ("call_off_cancel", "get"),
        ("call_off_cancel", "post"), ("call_off_submit", "post"), ("call_off_order", "post"),
        ("call_off_details", "post"),
    ]:  # fmt: skip
        for reference in (foreign.reference, ref):
            url = reverse(f"procurement:{name}", args=[reference])
            assert getattr(client, method)(url).status_code == 404, (name, reference)
    for name, method in [("line_update", "post"), ("line_remove", "get"), ("line_remove", "post")]:
        url = reverse(f"procurement:{name}", args=[ref, item_id])
        assert getattr(client, method)(url, {"menge": "5"}).status_code == 404, name
    draft.refresh_from_db()
    assert draft.status == CallOffStatus.DRAFT
    assert draft.quantity_total == 1
    approver_other = UserFactory(member_admin=True)
    client.force_login(approver_other)
    url = reverse("procurement:call_off_approve", args=[ref])
    assert client.post(url).status_code == 404


def test_a_nul_in_a_call_off_reference_is_404_before_any_query(client):
    # On PostgreSQL a NUL reaching the lookup is a 500; the URL must not match at all.
    url = reverse("procurement:call_off_detail", args=["AB-2026-ABCDEF"])
    with pytest.raises(Resolver404):
        resolve(url.replace("AB-2026-ABCDEF", "AB\x00C"))
    client.force_login(UserFactory())
    assert client.get(url.replace("AB-2026-ABCDEF", "AB%00C")).status_code == 404
