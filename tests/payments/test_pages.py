"""The pay step in the citizen journey (check page, submit gate, pay page, return from the
Bezahldienst, notification endpoint, receipt) and the member's payment pages (bookings,
exports, reconciliation, refund)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openkommune.core.timezone import local_date
from openkommune.payments import providers, services
from openkommune.payments.constants import PaymentStatus
from openkommune.payments.models import Payment
from openkommune.payments.selectors import local_day_bounds
from openkommune.submissions.models import Application
from openkommune.submissions.selectors import journey
from tests.cases.factories import clerk_of
from tests.payments.support import bewohnerpark_draft, choose, pay_page_url, transaction_body
from tests.paysim import PAYSIM_SECRET
from tests.submissions.factories import private_media  # noqa: F401
from tests.submissions.journey_support import ERKLAERUNG

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def _applicant(client, draft, token):
    session = client.session
    session[journey.SESSION_DRAFTS] = {str(draft.public_id): token}
    session.save()


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)


def _local(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_check_page_shows_the_fee_and_submit_leads_to_the_pay_page(client, paysim_member):
    """The declaration is asked on the check page (not yet in the draft's data): the fee is
    shown while it is open, the pay step opens only once it is ticked, and then it is kept
    with the draft, for the submit that follows the payment."""
    from openkommune.submissions.models import Draft

    draft, token = bewohnerpark_draft(paysim_member)
    data = {k: v for k, v in draft.data.items() if k != "versicherung_richtig"}
    Draft.applicant_objects.filter(pk=draft.pk).update(data=data)
    _applicant(client, draft, token)
    submit_url = reverse("submissions:submit", args=[draft.public_id])
    page = client.get(reverse("submissions:check", args=[draft.public_id])).text
    assert 'id="gebuehr-berechnung"' in page
    assert "30,00 €" in page
    assert "Beispiel (Demo)" in page
    unticked = client.post(submit_url, {"idempotency_key": _key(page)})
    assert unticked.status_code == 200
    assert 'id="fehlerzusammenfassung"' in unticked.text
    assert "versicherung_richtig" not in Draft.applicant_objects.get(pk=draft.pk).data
    response = client.post(submit_url, {"idempotency_key": _key(page)} | ERKLAERUNG)
    assert response.status_code == 303
    assert response["Location"] == reverse("payments:pay", args=[draft.public_id])
    assert not Application.applicant_objects.filter(draft=draft).exists()
    assert Draft.applicant_objects.get(pk=draft.pk).data["versicherung_richtig"] is True


def test_pay_cancel_retry_and_receipt(client, paysim_member):
    draft, token = bewohnerpark_draft(paysim_member)
    _applicant(client, draft, token)
    pay_url = reverse("payments:pay", args=[draft.public_id])
    page = client.get(pay_url)
    assert page.status_code == 200
    assert "Jetzt bezahlen (30,00 €)" in page.text
    # The browser cannot set the amount: whatever it posts, the fee is computed here.
    to_provider = client.post(pay_url, {"amount": "0.01", "betrag": "0.01"})
    assert to_provider.status_code == 200  # a link: the pay page is on another host
    payment = Payment.applicant_objects.get(draft=draft)
    assert payment.amount == Decimal("30.00")
    back = choose(pay_page_url(to_provider), "cancelled")
    returned = client.get(_local(back), follow=True)
    assert "abgebrochen" in returned.text
    assert "Noch einmal bezahlen" in returned.text
    again = client.post(pay_url)
    back = choose(pay_page_url(again), "paid")
    receipt = client.get(_local(back), follow=True)
    assert receipt.redirect_chain[-1][0].endswith("/eingang/")
    assert 'id="zahlung-kassenzeichen"' in receipt.text
    paid = Payment.applicant_objects.get(draft=draft, status=PaymentStatus.PAID)
    assert paid.kassenzeichen in receipt.text
    assert paid.transaction_id in receipt.text
    pdf = client.get(receipt.redirect_chain[-1][0] + "pdf/")
    assert pdf.status_code == 200


def test_pay_page_on_another_host_is_reached_by_a_link(client, paysim_member, paysim):
    """The pay form may post only to the configured Bezahldienst's origin (CSP form-action,
    which a browser applies to the redirect too). A pay page served from another host is
    reached by a link and an immediate refresh instead — no form submission."""
    draft, token = bewohnerpark_draft(paysim_member)
    _applicant(client, draft, token)
    pay_url = reverse("payments:pay", args=[draft.public_id])
    page = client.get(pay_url)
    assert paysim.url in page.headers["Content-Security-Policy"]
    other = paysim.url.replace("127.0.0.1", "localhost")
    paysim.settings(pay_base=other)
    try:
        response = client.post(pay_url)
    finally:
        paysim.settings(pay_base="")
    assert response.status_code == 200
    payment = Payment.applicant_objects.get(draft=draft)
    assert payment.payment_url.startswith(other + "/pay/")
    assert f'http-equiv="refresh" content="0; url={payment.payment_url}"' in response.text
    assert f'href="{payment.payment_url}"' in response.text
    assert "30,00 €" in response.text
    assert payment.kassenzeichen in response.text
    # (The same origin as configured: a redirect, test_pay_cancel_retry_and_receipt.)


def test_provider_down_shows_a_german_message(client, paysim, paysim_member):
    from tests.paysim import connect

    draft, token = bewohnerpark_draft(paysim_member)
    _applicant(client, draft, token)
    connect(paysim_member, paysim, base_url="https://127.0.0.1:9")
    response = client.post(reverse("payments:pay", args=[draft.public_id]))
    assert response.status_code == 503
    assert "Bezahldienst ist gerade nicht erreichbar" in response.text
    assert PAYSIM_SECRET not in response.text


def test_pay_page_is_the_applicants_only(client, paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    assert client.get(reverse("payments:pay", args=[draft.public_id])).status_code == 404


def test_notification_endpoint(client, paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url="http://testserver/")
    body = transaction_body(payment)
    url = reverse("payments:notify")
    forged = client.post(url, body, content_type="application/json", HTTP_X_SIGNATURE="00")
    assert forged.status_code == 400
    signature = providers.sign(PAYSIM_SECRET, body)
    ok = client.post(url, body, content_type="application/json", HTTP_X_SIGNATURE=signature)
    assert ok.status_code == 200
    assert ok.text == "applied"
    again = client.post(url, body, content_type="application/json", HTTP_X_SIGNATURE=signature)
    assert again.status_code == 200
    assert again.text == "duplicate"
    assert Application.applicant_objects.filter(draft=draft).count() == 1


def _paid(tenant, laufzeit):
    draft, _token = bewohnerpark_draft(tenant, laufzeit=laufzeit)
    payment = services.payment_start(draft=draft, base_url="http://testserver/")
    choose(payment.payment_url, "paid")
    return services.payment_refresh(payment)


def test_booking_export_of_a_day_reconciles_to_the_cent(client, paysim_member):
    payments = [_paid(paysim_member, laufzeit) for laufzeit in ("6", "12", "24")]
    # Paid a minute before today began (local time): yesterday's booking, not today's.
    yesterday = _paid(paysim_member, "12")
    start, _end = local_day_bounds(local_date())
    Payment.applicant_objects.filter(pk=yesterday.pk).update(
        paid_at=start - datetime.timedelta(minutes=1)
    )
    client.force_login(clerk_of(paysim_member))
    day = local_date().isoformat()
    page = client.get(reverse("payments:bookings"), {"tag": day})
    assert page.status_code == 200
    assert "105,00 €" in page.text
    exported = client.get(reverse("payments:bookings"), {"tag": day, "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Kassenzeichen"
    amounts = [Decimal(row[3].replace(",", ".")) for row in rows[1:]]
    assert sum(amounts) == sum(p.amount for p in payments) == Decimal("105.00")
    assert {row[0] for row in rows[1:]} == {p.kassenzeichen for p in payments}
    assert {row[1] for row in rows[1:]} == {"1.1.2.2.01.4311000"}
    xml = client.get(reverse("payments:bookings"), {"tag": day, "format": "xml"})
    root = ET.fromstring(xml.content)  # noqa: S314 (our own export)
    ns = {"b": "urn:openkommune:buchungsliste:1"}
    assert root.get("summe") == "105.00"
    assert root.get("anzahl") == "3"
    assert sum(Decimal(e.text) for e in root.findall("b:buchung/b:betrag", ns)) == Decimal("105.00")
    assert yesterday.kassenzeichen not in xml.content.decode()
    xlsx = client.get(reverse("payments:bookings"), {"tag": day, "format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header, *cells = list(sheet.iter_rows(values_only=True))
    column = header.index("Betrag (EUR)")
    assert sum(Decimal(str(row[column])) for row in cells if row[0]) == Decimal("105.00")
    assert {row[0] for row in cells if row[0]} == {p.kassenzeichen for p in payments}
    bad = client.get(reverse("payments:bookings"), {"tag": "gestern"})
    assert bad.status_code == 422
    assert "JJJJ-MM-TT" in bad.text


def test_reconciliation_shows_a_payment_to_refund_and_the_clerk_refunds_it(client, paysim_member):
    payment = _paid(paysim_member, "12")
    Payment.applicant_objects.filter(pk=payment.pk).update(
        needs_refund=True, problem="Test: doppelt"
    )
    client.force_login(clerk_of(paysim_member))
    page = client.get(reverse("payments:reconcile"))
    assert "Test: doppelt" in page.text
    assert payment.kassenzeichen in page.text
    refund_url = reverse("payments:refund", args=[payment.public_id])
    refused = client.post(refund_url, {"grund": ""})
    assert refused.status_code == 422
    assert "Grund" in refused.text
    done = client.post(refund_url, {"grund": "Doppelt bezahlt"})
    assert done.status_code == 302
    assert Payment.applicant_objects.get(pk=payment.pk).status == PaymentStatus.REFUNDED
    assert "Keine Auffälligkeiten" in client.get(reverse("payments:reconcile")).text


def test_back_office_pages_need_the_member(client, paysim_member):
    assert client.get(reverse("payments:bookings")).status_code == 302  # login
    from tests.cases.factories import other_tenant

    client.force_login(clerk_of(other_tenant()))
    payment = _paid(paysim_member, "6")
    assert client.get(reverse("payments:refund", args=[payment.public_id])).status_code == 404
    assert payment.kassenzeichen not in client.get(reverse("payments:bookings")).text


def test_submit_without_a_fee_costs_no_statement(client, paysim_member):
    """A service without fee: the gate answers from the session the check page filled."""
    draft, token = bewohnerpark_draft(paysim_member)
    Payment.applicant_objects.all().delete()
    from openkommune.payments.models import FeeSchedule

    FeeSchedule.applicant_objects.all().delete()
    _applicant(client, draft, token)
    page = client.get(reverse("submissions:check", args=[draft.public_id])).text
    assert 'id="gebuehr"' not in page
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            reverse("submissions:submit", args=[draft.public_id]),
            {"idempotency_key": _key(page)} | ERKLAERUNG,
        )
    assert response.status_code == 303
    assert not [q for q in captured.captured_queries if "payments_" in q["sql"]]


def test_without_a_bezahldienst_the_fee_is_due_with_the_notice(client, paysim_member):
    from openkommune.payments.models import ProviderConfig

    draft, token = bewohnerpark_draft(paysim_member)
    ProviderConfig.applicant_objects.filter(tenant=paysim_member).delete()
    _applicant(client, draft, token)
    page = client.get(reverse("submissions:check", args=[draft.public_id])).text
    assert "Sie bezahlen die Gebühr später" in page
    response = client.post(
        reverse("submissions:submit", args=[draft.public_id]),
        {"idempotency_key": _key(page)} | ERKLAERUNG,
    )
    receipt = client.get(response["Location"])
    assert "später mit dem Gebührenbescheid" in receipt.text
    application = Application.applicant_objects.get(draft=draft)
    from openkommune.submissions.services import application_status_token

    api = client.get(
        f"/api/v1/applications/{application.reference}",
        HTTP_X_STATUS_TOKEN=application_status_token(application),
    )
    assert api.json()["payment"]["status"] == "due_with_notice"
    assert api.json()["payment"]["amount"] == "30.00"


def test_api_shows_the_payment(client, paysim_member):
    payment = _paid(paysim_member, "24")
    application = Application.applicant_objects.get(pk=payment.application_id)
    from openkommune.submissions.services import application_status_token

    answer = client.get(
        f"/api/v1/applications/{application.reference}",
        HTTP_X_STATUS_TOKEN=application_status_token(application),
    ).json()
    assert answer["payment"]["status"] == "paid"
    assert answer["payment"]["amount"] == "60.00"
    assert answer["payment"]["kassenzeichen"] == payment.kassenzeichen
    assert answer["payment"]["transaction_id"] == payment.transaction_id


def test_case_shows_the_payment(client, paysim_member):
    from openkommune.cases.models import Case

    payment = _paid(paysim_member, "12")
    from openkommune.tenancy.scoping import scopes_disabled

    with scopes_disabled():
        case = Case.objects.get(application_id=payment.application_id)
    client.force_login(clerk_of(paysim_member))
    page = client.get(reverse("cases:case_detail", args=[case.public_id]))
    assert page.status_code == 200
    assert payment.kassenzeichen in page.text
    assert payment.transaction_id in page.text
    assert "30,00 €" in page.text
    assert "Zahlung erstatten" in page.text


def test_admin_shows_connections_without_the_secret(client, paysim_member):
    from openkommune.accounts.models import User
    from openkommune.payments.models import ProviderConfig

    payment = _paid(paysim_member, "12")
    ProviderConfig.applicant_objects.filter(tenant=paysim_member).update(is_demo=True)
    client.force_login(User.objects.create_superuser(email="a@test.example.org", password="x" * 12))
    configs = client.get(reverse("admin:payments_providerconfig_changelist"))
    assert configs.status_code == 200
    assert "hinterlegt" in configs.text
    assert "Bezahldienst-Simulator — kein echtes Geld" in configs.text
    assert PAYSIM_SECRET not in configs.text
    config = ProviderConfig.applicant_objects.get(tenant=paysim_member)
    change = client.get(reverse("admin:payments_providerconfig_change", args=[config.pk]))
    assert change.status_code == 200
    assert PAYSIM_SECRET not in change.text
    for model in ("feeschedule", "payment", "paymentnotification"):
        assert client.get(reverse(f"admin:payments_{model}_changelist")).status_code == 200
    assert payment.kassenzeichen in client.get(reverse("admin:payments_payment_changelist")).text


def test_member_admin_sets_a_fee_and_a_bad_rule_changes_nothing(client, paysim_member):
    from openkommune.payments.models import FeeSchedule
    from openkommune.tenancy.constants import Role

    client.force_login(clerk_of(paysim_member, role=Role.MEMBER_ADMIN))
    url = reverse("payments:fees")
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "form_key": "hundesteuer",
            "legal_basis": "§ 1 Satzung (Test)",
            "pay_when": "notice",
            "rule": '{"items": [{"label": "Hund", "amount": 1.5}]}',
        },
    )
    assert bad.status_code == 422
    assert "12.50" in bad.text
    broken = client.post(
        url, {"form_key": "hundesteuer", "legal_basis": "x", "pay_when": "notice", "rule": "{"}
    )
    assert broken.status_code == 422
    assert "kein gültiges JSON" in broken.text
    assert not FeeSchedule.applicant_objects.filter(
        tenant=paysim_member, form_key="hundesteuer"
    ).exists()
    good = client.post(
        url,
        {
            "form_key": "hundesteuer",
            "legal_basis": "§ 1 Satzung (Test)",
            "pay_when": "notice",
            "rule": json.dumps(
                {"items": [{"label": "je Hund", "amount": "90.00", "per": [{"field": "hunde"}]}]}
            ),
        },
    )
    assert good.status_code == 302
    assert "je Hund" in client.get(url).text
    client.force_login(clerk_of(paysim_member))  # a clerk may not
    assert client.get(url).status_code == 403


def test_pay_page_on_the_configured_origin_is_reached_by_a_redirect(client, paysim_member, paysim):
    """The simulator's pay pages are on their own listener (a link, above); a Bezahldienst
    whose pay page shares the configured origin gets the redirect the CSP allows."""
    draft, token = bewohnerpark_draft(paysim_member)
    _applicant(client, draft, token)
    paysim.settings(pay_base=paysim.url)
    try:
        response = client.post(reverse("payments:pay", args=[draft.public_id]))
    finally:
        paysim.settings(pay_base="")
    assert response.status_code == 302
    assert response["Location"].startswith(paysim.url + "/pay/")
