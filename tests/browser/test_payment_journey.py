"""A citizen pays fees through the Bezahldienst-Simulator (a separate process, started by
the `paysim` fixture): a Bewohnerparkausweis declined, cancelled and retried until paid, and
a Sondernutzung whose fee changes with the answers. The receipt lists the payment; every
screen of the platform and the simulator's pay page are checked with axe-core.

The steps' questions are answered on the server (the form pages have their own browser
tests); start page, check page, pay step, simulator, return and receipt run in the browser,
and the simulator's notifications reach the live server."""

import datetime
import re

import pytest

from tests.browser.conftest import _delete_applications_of, assert_no_axe_violations
from tests.paysim import PAYSIM_SECRET, SECRET_ENV, connect

KASSENZEICHEN = re.compile(r"^MD\d{11}$")


@pytest.fixture
def committed_fee_offers(
    django_db_blocker, committed_member, paysim, monkeypatch, settings, tmp_path
):
    """Magdeburg offers the Bewohnerparkausweis (10173) and the Sondernutzung (10348) online
    with the demo fee rules and pays through the simulator; removed afterwards."""
    from openkommune.catalog.models import ServiceActivation
    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.catalog.services import service_activation_set
    from openkommune.payments.constants import DEMO_RULES
    from openkommune.payments.models import (
        FeeSchedule,
        Payment,
        PaymentNotification,
        ProviderConfig,
    )
    from openkommune.payments.services import fee_schedule_set
    from openkommune.tenancy.scoping import scopes_disabled

    monkeypatch.setenv(SECRET_ENV, PAYSIM_SECRET)
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_db_blocker.unblock(), scopes_disabled():
        for ozg_id in ("10173", "10348"):
            service_activation_set(
                tenant=committed_member,
                actor=None,
                ozg_leistung=ozg_leistung_get(ozg_id=ozg_id),
                is_active=True,
                contact_email="demo-verkehr@example.org",
            )
        for rule in DEMO_RULES:
            fee_schedule_set(tenant=committed_member, actor=None, is_demo=True, **rule)
        connect(committed_member, paysim, is_demo=True)
    yield committed_member
    with django_db_blocker.unblock(), scopes_disabled():
        PaymentNotification.objects.filter(tenant=committed_member).delete()
        Payment.objects.filter(tenant=committed_member).delete()
        FeeSchedule.objects.filter(tenant=committed_member).delete()
        ProviderConfig.objects.filter(tenant=committed_member).delete()
        _delete_applications_of(committed_member)
        ServiceActivation.objects.filter(tenant=committed_member).delete()


def _start(page, ozg_id: str) -> str:
    page.goto(f"/antrag/{ozg_id}/?plz=39104")
    page.wait_for_selector("#start-form")
    page.locator("#beginnen-button").click()
    page.wait_for_url(re.compile(r"/antrag/entwurf/[0-9a-f-]{36}/"))
    return re.search(r"/entwurf/([0-9a-f-]{36})/", page.url).group(1)


def _answer(django_db_blocker, public_id: str, make) -> None:
    from openkommune.submissions.models import Draft
    from openkommune.submissions.services import draft_attach_file, draft_set_data
    from tests.submissions.factories import PDF_BYTES, upload

    with django_db_blocker.unblock():
        draft = Draft.applicant_objects.select_related("form_version__form", "tenant").get(
            public_id=public_id
        )
        attach = lambda path: str(  # noqa: E731
            draft_attach_file(
                draft=draft,
                path=path,
                uploaded_file=upload("nachweis.pdf", PDF_BYTES, "application/pdf"),
            ).public_id
        )
        draft_set_data(draft=draft, data=make(attach))


def _pay_with(page, choice: str) -> None:
    page.locator("#bezahlen").click()
    page.wait_for_selector("text=Bezahldienst-Simulator — kein echtes Geld")
    assert "kein echtes Geld" in page.locator("header").inner_text()
    page.get_by_role("button", name=choice).click()


def test_bewohnerparkausweis_declined_cancelled_retried_and_paid(
    page, committed_fee_offers, django_db_blocker
):
    from tests.forms.test_definitions import VALID

    public_id = _start(page, "10173")
    # The start page showed the member's fee with its legal basis (checked on the way back).
    page.goto("/antrag/10173/?plz=39104")
    fee = page.locator("#gebuehr").inner_text()
    assert "Ausweis für 12 Monate: 30,00 €" in fee
    assert "Beispiel (Demo)" in fee
    assert_no_axe_violations(page)

    def answers(attach):
        # The declaration is left open: the check page asks it, and it must reach the
        # submit that follows the payment.
        data = {
            k: v
            for k, v in VALID["bewohnerparkausweis"].items()
            if k not in {"gueltig_ab", "versicherung_richtig"}
        }
        return data | {"fahrzeugschein": attach("fahrzeugschein")}

    _answer(django_db_blocker, public_id, answers)
    page.goto(f"/antrag/entwurf/{public_id}/pruefen/")
    assert "30,00 €" in page.locator("#gebuehr-berechnung").inner_text()
    assert_no_axe_violations(page)
    # Without the declaration the pay step does not open.
    page.locator("#absenden").click()
    page.wait_for_url(re.compile(rf"/antrag/entwurf/{public_id}/absenden/$"))
    assert page.locator("#fehlerzusammenfassung").count() == 1
    page.locator("#f-versicherung_richtig").check()
    page.locator("#absenden").click()
    page.wait_for_url(re.compile(rf"/bezahlung/entwurf/{public_id}/$"))
    assert_no_axe_violations(page)

    _pay_with(page, "Abgelehnt (simuliert)")
    page.wait_for_url(re.compile(rf"/bezahlung/entwurf/{public_id}/$"))
    assert "abgelehnt" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    # On the simulator's page itself too (its markup is ours).
    page.locator("#bezahlen").click()
    page.wait_for_selector("text=Zahlung simulieren")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Abgebrochen (simuliert)").click()
    page.wait_for_url(re.compile(rf"/bezahlung/entwurf/{public_id}/$"))
    assert "abgebrochen" in page.locator("main").inner_text()
    assert "Noch einmal bezahlen" in page.locator("#bezahlen").inner_text()

    _pay_with(page, "Bezahlt (simuliert)")
    page.wait_for_url(re.compile(r"/antrag/\d{4}-[A-Z0-9]{2}-[A-Z0-9]{4}-[A-Z0-9]{4}/eingang/$"))
    assert "30,00 €" in page.locator("#zahlung-betrag").inner_text()
    assert "bezahlt" in page.locator("#zahlung-stand").inner_text()
    assert KASSENZEICHEN.match(page.locator("#zahlung-kassenzeichen").inner_text().strip())
    assert page.locator("#zahlung-transaktion").inner_text().startswith("SIM-")
    assert_no_axe_violations(page)
    assert page.csp_violations == []

    from openkommune.payments.models import Payment, PaymentNotification

    with django_db_blocker.unblock():
        statuses = sorted(
            Payment.applicant_objects.filter(draft_public_id=public_id).values_list(
                "status", flat=True
            )
        )
        # The simulator's signed notifications reached the platform and were taken in.
        notified = set(PaymentNotification.applicant_objects.values_list("outcome", flat=True))
    assert statuses == ["cancelled", "declined", "paid"]
    with django_db_blocker.unblock():
        from openkommune.submissions.models import Application

        application = Application.applicant_objects.get(draft__public_id=public_id)
    assert application.data["versicherung_richtig"] is True
    assert notified <= {"applied", "duplicate"}
    assert "applied" in notified


def test_sondernutzung_fee_follows_the_answers(page, committed_fee_offers, django_db_blocker):
    from tests.forms.test_definitions import VALID

    public_id = _start(page, "10348")
    begin = datetime.date.today() + datetime.timedelta(days=30)

    def answers(attach):
        data = {k: v for k, v in VALID["sondernutzung"].items() if k != "konzept"}
        return data | {
            "beginn": begin.isoformat(),
            "ende": (begin + datetime.timedelta(days=1)).isoformat(),
            "gemeinnuetzig": False,
            "lageplan": attach("lageplan"),
        }

    _answer(django_db_blocker, public_id, answers)
    page.goto(f"/antrag/entwurf/{public_id}/pruefen/")
    table = page.locator("#gebuehr-berechnung").inner_text()
    assert "1020 m² × 2 Tage × 0,10 €" in table
    assert "214,00 €" in table

    # The applicant changes one answer; the fee follows (reduction for a non-profit use).
    page.goto(f"/antrag/entwurf/{public_id}/nutzung/?zurueck=pruefen")
    page.locator("#f-gemeinnuetzig").check()  # Ja
    page.locator("#weiter").click()
    page.wait_for_url(re.compile(r"/pruefen/$"))
    table = page.locator("#gebuehr-berechnung").inner_text()
    assert "Ermäßigung für gemeinnützige Zwecke" in table
    assert "107,00 €" in table
    assert_no_axe_violations(page)
    page.locator("#absenden").click()
    page.wait_for_url(re.compile(rf"/bezahlung/entwurf/{public_id}/$"))
    assert "107,00 €" in page.locator("#bezahlen").inner_text()
    _pay_with(page, "Bezahlt (simuliert)")
    page.wait_for_url(re.compile(r"/eingang/$"))
    assert "107,00 €" in page.locator("#zahlung-betrag").inner_text()
    assert_no_axe_violations(page)
