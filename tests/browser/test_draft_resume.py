"""Saving a draft for later and resuming it: an anonymous applicant by the link sent by
e-mail (taken from the test mailbox: the live server runs in this process), a citizen with an
account through "Meine Anträge". Every screen is checked with axe-core."""

import re

from django.core import mail

from tests.browser.conftest import assert_no_axe_violations, log_in


def _start(page) -> None:
    """The service page with the place known, and its "Online beantragen"."""
    page.goto("/leistungen/10160/?plz=39104&ars=150030000000")
    page.locator("#online-beantragen").click()
    page.wait_for_url(re.compile(r"/anliegen/$"))


def test_anonymous_draft_resumes_from_the_email_link(
    page, browser, site_server, committed_hundesteuer_offer, django_db_blocker
):
    _start(page)
    page.get_by_label("Ich möchte einen Hund anmelden").check()
    page.locator("#f-halter-vorname").fill("Erika")
    page.locator("#f-halter-nachname").fill("Mustermann")
    # The contact step's address is where the link goes (no e-mail screen before the form).
    page.locator("#f-halter-email").fill("erika.mustermann@example.org")
    page.locator("#speichern").click()

    page.wait_for_url(re.compile(r"/gespeichert/$"))
    assert "erika.mustermann@example.org" in page.locator("main").inner_text()
    assert page.locator("#link-gueltig").is_visible()
    assert_no_axe_violations(page)

    [message] = [m for m in mail.outbox if "/antrag/fortsetzen/" in m.body]
    assert message.to == ["erika.mustermann@example.org"]
    link = re.search(r"https?://\S+/antrag/fortsetzen/\S+", message.body).group(0)
    assert link.startswith(site_server)

    # Another browser (no session): the link alone opens the draft where it was left.
    other = browser.new_context(locale="de-DE", base_url=site_server)
    try:
        resumed = other.new_page()
        resumed.goto(link)
        resumed.wait_for_url(re.compile(r"/antrag/entwurf/[0-9a-f-]{36}/anliegen/$"))
        assert "token" not in resumed.url
        assert resumed.locator("#f-halter-vorname").input_value() == "Erika"
        assert resumed.locator("#f-halter-nachname").input_value() == "Mustermann"
        assert "Schritt 1 von 2" in resumed.locator("#fortschritt").inner_text()
        assert_no_axe_violations(resumed)

        # The session keeps the draft: saving again needs no link.
        resumed.locator("#f-halter-geburtsdatum").fill("12.03.1980")
        resumed.locator("#speichern").click()
        resumed.wait_for_url(re.compile(r"/gespeichert/$"))
        resumed.locator("#jetzt-fortsetzen").click()
        resumed.wait_for_url(re.compile(r"/anliegen/$"))
        assert resumed.get_by_label("Ich möchte einen Hund anmelden").is_checked()
        assert resumed.locator("#f-halter-geburtsdatum").input_value() == "12.03.1980"
    finally:
        other.close()

    # Once the link has expired, it says so clearly.
    import datetime

    from django.utils import timezone

    from openkommune.submissions.models import Draft

    public_id = re.search(r"/fortsetzen/([0-9a-f-]{36})/", link).group(1)
    with django_db_blocker.unblock():
        Draft.applicant_objects.filter(public_id=public_id).update(
            resume_token_expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    late = browser.new_context(locale="de-DE", base_url=site_server)
    try:
        expired = late.new_page()
        response = expired.goto(link)
        assert response.status == 410
        assert "Der Link ist abgelaufen" in expired.locator("h1").inner_text()
        assert_no_axe_violations(expired)
    finally:
        late.close()


def test_citizen_resumes_through_my_applications(page, committed_citizen):
    log_in(page, committed_citizen)
    _start(page)
    page.get_by_label("Ich möchte einen Hund anmelden").check()
    page.locator("#speichern").click()
    page.wait_for_url(re.compile(r"/gespeichert/$"))
    assert_no_axe_violations(page)

    page.goto("/konto/")
    section = page.locator("#meine-antraege")
    assert "Hundesteuer" in section.inner_text()
    assert_no_axe_violations(page)
    section.get_by_role("link", name=re.compile("Fortsetzen")).click()
    page.wait_for_url(re.compile(r"/anliegen/$"))
    assert_no_axe_violations(page)


def test_signup_pages_are_accessible(page, django_db_blocker):
    email = "browser.neu@test.example.org"
    try:
        _sign_up(page, email)
    finally:
        from openkommune.accounts.models import User
        from openkommune.tenancy.models import AuditRecord
        from openkommune.tenancy.scoping import scopes_disabled

        with django_db_blocker.unblock(), scopes_disabled():
            for user in User.objects.filter(email=email):
                records = AuditRecord.objects.filter(tenant=None, object_id=str(user.pk))
                records.filter(action="user.create")._raw_delete(using="default")
                user.delete()
    assert mail.outbox[-1].to == [email]


def _sign_up(page, email: str) -> None:
    page.goto("/konto/anmelden/")
    page.get_by_role("link", name="Konto anlegen").click()
    page.wait_for_url(re.compile(r"/konto/registrieren/$"))
    assert_no_axe_violations(page)
    page.locator("#id_email").fill("kein-at-zeichen")
    page.locator("#signup-form button[type=submit]").click()
    page.locator("#fehlerzusammenfassung").wait_for()
    assert_no_axe_violations(page)
    page.locator("#id_email").fill(email)
    page.locator("#signup-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/konto/registrieren/gesendet/$"))
    assert_no_axe_violations(page)
