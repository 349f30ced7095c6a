"""Paying later: the clerk's fee notice (Gebührenbescheid) with Kassenzeichen, amount and due
date, paid by the applicant from the status page through the Bezahldienst-Simulator and
matched by Kassenzeichen in the reconciliation; a positive decision waits for the fee where
the service says so; the API never takes a fee-bearing application as paid."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from openkommune.cases.constants import Decision, RetentionAction
from openkommune.cases.errors import FeeUnpaid
from openkommune.cases.models import Case
from openkommune.cases.services import case_transition
from openkommune.cases.services.notices import notice_issue
from openkommune.cases.services.retention import retention_rule_set, retention_run
from openkommune.core import outbox
from openkommune.core.timezone import local_date
from openkommune.payments import selectors, services
from openkommune.payments.constants import FeeNoticeStatus, PaymentStatus
from openkommune.payments.models import FeeNotice, FeeSchedule, Payment
from openkommune.submissions.models import Application
from openkommune.submissions.services import application_status_url, application_submit
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope
from tests.cases.factories import clerk_of
from tests.delivery.factories import close
from tests.payments.support import NO_PLATFORM, choose, pay_page_url, sondernutzung_draft
from tests.submissions.factories import private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def _local(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


PAYING = {"nutzungsart": "strassenfest", "gemeinnuetzig": False}


def _submitted(tenant, **answers):
    """A Sondernutzung submitted with its fee due later (with the notice)."""
    draft, _token = sondernutzung_draft(tenant, **(PAYING | answers))
    FeeSchedule.applicant_objects.filter(tenant=tenant).update(pay_when="notice")
    application = application_submit(draft=draft, idempotency_key="k-1", base_url=None)
    return Application.applicant_objects.select_related("form_version__form", "tenant").get(
        pk=application.pk
    )


def test_clerk_issues_a_fee_notice_from_the_case_file(paysim_member):
    application = _submitted(paysim_member)
    clerk = clerk_of(paysim_member)
    notice = services.fee_notice_issue(tenant=paysim_member, actor=clerk, application=application)
    assert notice.status == FeeNoticeStatus.OPEN
    assert notice.amount > 0
    assert notice.kassenzeichen.startswith(f"MD{local_date().year}")
    assert notice.due_on == local_date() + datetime.timedelta(days=30)
    assert notice.computation["total"] == f"{notice.amount:.2f}"
    record = AuditRecord._base_manager.get(action="fee_notice.issue")
    assert record.after["kassenzeichen"] == notice.kassenzeichen
    # One at a time: a second notice is refused while the first is open.
    with pytest.raises(services.PaymentError, match="schon einen Gebührenbescheid"):
        services.fee_notice_issue(tenant=paysim_member, actor=clerk, application=application)


def test_the_applicant_is_told_by_email_without_the_notices_content(
    paysim_member, mailoutbox, django_capture_on_commit_callbacks
):
    application = _submitted(paysim_member)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.fee_notice_issue(
            tenant=paysim_member,
            actor=clerk_of(paysim_member),
            application=application,
            base_url="https://plattform.example.org/",
        )
    outbox.drain()  # what the job workers do
    (email,) = [sent for sent in mailoutbox if "Gebührenbescheid" in sent.subject]
    assert email.to == [application.email]
    assert application.reference in email.subject
    assert "Gebührenbescheid" in email.subject
    assert notice.due_on.strftime("%d.%m.%Y") in email.body
    assert (
        application_status_url(application, base_url="https://plattform.example.org/") in email.body
    )
    # Amount and Kassenzeichen stay on the status page, not in the e-mail.
    assert notice.kassenzeichen not in email.body
    assert f"{notice.amount:.2f}".replace(".", ",") not in email.body
    assert AuditRecord._base_manager.filter(action="fee_notice_email.sent").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "zwölf"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "12,345"}, "amount"),
        ({"due_on": datetime.date(2020, 1, 1)}, "due_on"),
        ({"kassenzeichen": "MD 1!"}, "kassenzeichen"),
    ],
)
def test_bad_input_is_refused_in_german_and_nothing_is_written(paysim_member, changes, field):
    application = _submitted(paysim_member)
    with pytest.raises(services.PaymentError) as refused:
        services.fee_notice_issue(
            tenant=paysim_member, actor=None, application=application, **changes
        )
    assert field in refused.value.fields
    assert not FeeNotice.applicant_objects.exists()


def test_amount_and_kassenzeichen_from_the_hkr_system(paysim_member):
    application = _submitted(paysim_member)
    notice = services.fee_notice_issue(
        tenant=paysim_member,
        actor=None,
        application=application,
        amount="1.234,50",
        kassenzeichen="HKR-2026-77",
    )
    assert notice.amount == Decimal("1234.50")
    assert notice.kassenzeichen == "HKR-2026-77"
    other = _submitted_other(paysim_member)
    with pytest.raises(services.PaymentError, match="schon vergeben"):
        services.fee_notice_issue(
            tenant=paysim_member, actor=None, application=other, kassenzeichen="HKR-2026-77"
        )


def _submitted_other(tenant):
    draft, _token = sondernutzung_draft(tenant, **PAYING)
    application = application_submit(draft=draft, idempotency_key="k-2", base_url=None)
    return Application.applicant_objects.select_related("form_version__form").get(pk=application.pk)


def test_fee_notice_is_paid_declined_retried_and_reconciled_by_kassenzeichen(paysim_member):
    application = _submitted(paysim_member)
    notice = services.fee_notice_issue(tenant=paysim_member, actor=None, application=application)
    first = services.fee_notice_payment_start(notice=notice, base_url=NO_PLATFORM)
    assert first.kassenzeichen == notice.kassenzeichen
    assert first.amount == notice.amount
    assert first.application_id == application.pk
    choose(first.payment_url, "declined")
    first = services.payment_refresh(first)
    assert first.status == PaymentStatus.DECLINED
    notice.refresh_from_db()
    assert notice.status == FeeNoticeStatus.OPEN
    second = services.fee_notice_payment_start(notice=notice, base_url=NO_PLATFORM)
    assert second.pk != first.pk
    assert second.kassenzeichen == notice.kassenzeichen  # every attempt keeps it
    choose(second.payment_url, "paid")
    second = services.payment_refresh(second)
    assert second.status == PaymentStatus.PAID
    notice.refresh_from_db()
    assert notice.status == FeeNoticeStatus.PAID
    assert notice.paid_at is not None
    # Asking again changes nothing; paying again is refused.
    services.payment_refresh(Payment.applicant_objects.get(pk=second.pk))
    assert AuditRecord._base_manager.filter(action="fee_notice.paid").count() == 1
    with pytest.raises(services.PaymentError, match="schon bezahlt"):
        services.fee_notice_payment_start(notice=notice, base_url=NO_PLATFORM)
    with scope(tenant=paysim_member):
        result = selectors.reconciliation(tenant=paysim_member, day=local_date())
    assert [(m.notice.pk, m.payment.pk) for m in result["notice_matches"]] == [
        (notice.pk, second.pk)
    ]
    assert result["mismatches"] == []
    booking = next(b for b in result["bookings"] if b.kassenzeichen == notice.kassenzeichen)
    assert booking.amount == notice.amount
    assert booking.reference == application.reference


def test_reconciliation_lists_overdue_notices_and_a_payment_without_its_notice(paysim_member):
    application = _submitted(paysim_member)
    notice = services.fee_notice_issue(tenant=paysim_member, actor=None, application=application)
    payment = services.fee_notice_payment_start(notice=notice, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    payment = services.payment_refresh(payment)
    # The Kasse's data says otherwise: the Kassenzeichen of the notice was changed by hand.
    FeeNotice.applicant_objects.filter(pk=notice.pk).update(kassenzeichen="ANDERS-1")
    later = local_date() + datetime.timedelta(days=60)
    open_one = services.fee_notice_issue(
        tenant=paysim_member, actor=None, application=_submitted_other(paysim_member)
    )
    with scope(tenant=paysim_member):
        result = selectors.reconciliation(tenant=paysim_member, day=local_date())
        overdue = selectors.reconciliation(tenant=paysim_member, day=later)["overdue_notices"]
    assert [m.problem for m in result["mismatches"]] == [
        "Kassenzeichen passt zu keinem Gebührenbescheid"
    ]
    assert [n.pk for n in overdue] == [open_one.pk]


def test_refund_of_a_notice_payment_makes_the_notice_due_again(paysim_member):
    application = _submitted(paysim_member)
    notice = services.fee_notice_issue(tenant=paysim_member, actor=None, application=application)
    payment = services.fee_notice_payment_start(notice=notice, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    payment = services.payment_refresh(payment)
    services.payment_refund(payment=payment, actor=None, reason="Falscher Betrag")
    notice.refresh_from_db()
    assert notice.status == FeeNoticeStatus.OPEN


def test_applicant_sees_the_notice_on_the_status_page_and_pays(client, paysim_member):
    application = _submitted(paysim_member)
    notice = services.fee_notice_issue(tenant=paysim_member, actor=None, application=application)
    status = _local(application_status_url(application))
    page = client.get(status)
    assert page.status_code == 200
    assert notice.kassenzeichen in page.text
    link = (
        re.search(r'id="gebuehr-bezahlen" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    )
    pay_page = client.get(link)
    assert pay_page.status_code == 200
    assert "Jetzt bezahlen" in pay_page.text
    # Someone without the application's credential gets nothing.
    assert client.get(link.split("?")[0]).status_code == 404
    # The amount is the notice's, whatever the browser posts.
    to_provider = client.post(link, {"amount": "0.01"})
    assert to_provider.status_code == 200  # a link: the pay page is on another host
    payment = Payment.applicant_objects.get(fee_notice=notice)
    assert payment.amount == notice.amount
    back = choose(pay_page_url(to_provider), "paid")
    returned = client.get(_local(back))
    assert returned.status_code == 200
    assert "Zahlung eingegangen" in returned.text
    notice.refresh_from_db()
    assert notice.status == FeeNoticeStatus.PAID
    assert "bezahlt" in client.get(status).text


def test_clerk_pages_issue_and_cancel_a_notice(client, paysim_member):
    application = _submitted(paysim_member)
    client.force_login(clerk_of(paysim_member))
    url = reverse("payments:fee_notice_new", args=[application.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="gebuehr-berechnung"' in page.text
    bad = client.post(url, {"amount": "viel", "due_on": local_date().isoformat()})
    assert bad.status_code == 422
    assert "Betrag in Euro" in bad.text
    assert not FeeNotice.applicant_objects.exists()
    due = (local_date() + datetime.timedelta(days=14)).isoformat()
    done = client.post(url, {"amount": "45,00", "due_on": due})
    assert done.status_code == 302
    notice = FeeNotice.applicant_objects.get()
    assert notice.amount == Decimal("45.00")
    cancel_url = reverse("payments:fee_notice_cancel", args=[notice.public_id])
    assert client.get(cancel_url).status_code == 200  # the confirmation first
    assert client.post(cancel_url, {"reason": ""}).status_code == 422
    assert client.post(cancel_url, {"reason": "Betrag falsch"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == FeeNoticeStatus.CANCELLED
    assert AuditRecord._base_manager.filter(action="fee_notice.cancel").count() == 1
    # Another member's clerk does not see the application.
    from tests.cases.factories import other_tenant

    client.force_login(clerk_of(other_tenant()))
    assert client.get(url).status_code == 404


# --- a decision requires payment -------------------------------------------------------------


def test_positive_decision_waits_for_the_fee_and_the_refusal_is_audited(paysim_member):
    application = _submitted(paysim_member)
    case = Case._base_manager.get(application=application)
    clerk = clerk_of(paysim_member)
    case_transition(tenant=paysim_member, actor=clerk, case=case, to="in_progress")
    with pytest.raises(FeeUnpaid) as refused:
        case_transition(
            tenant=paysim_member,
            actor=clerk,
            case=case,
            to="decided",
            decision="approved",
            reason="Alles in Ordnung",
        )
    assert "noch nicht bezahlt" in refused.value.message
    assert "Gebührenbescheid" in refused.value.message
    assert AuditRecord._base_manager.filter(action="decision.refused_unpaid").count() == 1
    case.refresh_from_db()
    assert case.status == "in_progress"
    with pytest.raises(FeeUnpaid):
        notice_issue(
            tenant=paysim_member, actor=clerk, case=case, decision="partial", reason="Teils"
        )
    assert AuditRecord._base_manager.filter(action="decision.refused_unpaid").count() == 2
    # Paid: the decision goes through.
    notice = services.fee_notice_issue(tenant=paysim_member, actor=clerk, application=application)
    payment = services.fee_notice_payment_start(notice=notice, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    services.payment_refresh(payment)
    case_transition(
        tenant=paysim_member,
        actor=clerk,
        case=case,
        to="decided",
        decision="approved",
        reason="Alles in Ordnung",
    )
    assert case.decision == "approved"


def test_a_rejection_needs_no_payment(paysim_member):
    application = _submitted(paysim_member)
    case = Case._base_manager.get(application=application)
    case_transition(tenant=paysim_member, actor=None, case=case, to="in_progress")
    case_transition(
        tenant=paysim_member,
        actor=None,
        case=case,
        to="decided",
        decision="rejected",
        reason="Fläche nicht frei",
    )
    assert case.decision == "rejected"


def test_the_service_may_decide_before_payment(paysim_member):
    application = _submitted(paysim_member)
    FeeSchedule.applicant_objects.filter(tenant=paysim_member).update(
        decision_requires_payment=False
    )
    case = Case._base_manager.get(application=application)
    case_transition(tenant=paysim_member, actor=None, case=case, to="in_progress")
    case_transition(
        tenant=paysim_member, actor=None, case=case, to="decided", decision="approved", reason="Ja"
    )
    assert case.decision == "approved"


def test_a_free_case_needs_no_payment(paysim_member):
    application = _submitted(paysim_member, nutzungsart="infostand", gemeinnuetzig=True)
    assert services.fee_outstanding(application) == ""


def test_account_overview_lists_the_users_open_fees(client, paysim_member):
    from tests.accounts.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    assert 'id="offene-gebuehren"' not in client.get("/konto/").text  # nothing open: no section
    application = _submitted(paysim_member)
    Application.applicant_objects.filter(pk=application.pk).update(user=user)
    application.refresh_from_db()
    notice = services.fee_notice_issue(tenant=paysim_member, actor=None, application=application)
    page = client.get("/konto/").text
    assert 'id="offene-gebuehren"' in page
    assert notice.kassenzeichen in page
    pay_url = reverse("payments:notice_pay", args=[application.reference, notice.public_id])
    assert pay_url in page
    assert client.get(pay_url).status_code == 200  # the account is the credential
    client.force_login(UserFactory())
    assert notice.kassenzeichen not in client.get("/konto/").text
    assert client.get(pay_url).status_code == 404


@pytest.mark.parametrize("action", [RetentionAction.ANONYMISED, RetentionAction.DELETED])
def test_retention_keeps_the_fee_notice_and_removes_its_email(
    paysim_member, action, django_capture_on_commit_callbacks
):
    """The notice (Kassenzeichen, amount) stays for the reconciliation, like the payments;
    the e-mail with the applicant's address goes. Deleting used to fail on the notice's
    protected reference to its application."""
    application = _submitted(paysim_member)
    clerk = clerk_of(paysim_member)
    notice = services.fee_notice_issue(tenant=paysim_member, actor=clerk, application=application)
    assert outbox.mails_about(notice).exists()
    with scope(tenant=paysim_member):
        case = Case.objects.get(application_id=application.pk)
    close(case, actor=clerk, decision=Decision.REJECTED, reason="Voraussetzungen fehlen")
    retention_rule_set(
        tenant=paysim_member,
        actor=clerk_of(paysim_member, role=Role.MEMBER_ADMIN),
        ozg_leistung=None,
        months=6,
        action=action,
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_run(today=local_date() + datetime.timedelta(days=366), dry_run=False)
    assert report.case_count == 1
    notice.refresh_from_db()
    assert notice.amount > 0
    assert notice.kassenzeichen
    assert not outbox.mails_about(notice).exists()
    with scope(tenant=paysim_member):
        deleted = not Application.objects.filter(pk=application.pk).exists()
    assert deleted == (action == RetentionAction.DELETED)
    assert (notice.application_id is None) == deleted
