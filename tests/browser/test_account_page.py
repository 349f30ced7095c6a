"""The citizen's account page lists drafts, applications, notices and messages in one place
(issue 14, part 3b), accessible (axe, WCAG 2.1 AA) with and without content."""

from __future__ import annotations

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.browser.test_back_office import (  # noqa: F401  (fixtures)
    hundesteuer_application,
    magdeburg_clerk,
)


def test_account_page_empty_states_are_accessible(page, committed_citizen):
    log_in(page, committed_citizen)
    page.goto("/konto/")
    assert page.locator("#keine-antraege").is_visible()
    assert page.locator("#keine-bescheide").is_visible()
    assert page.locator("#keine-nachrichten").is_visible()
    assert_no_axe_violations(page)


def test_notices_and_messages_on_the_account_page(
    page, django_db_blocker, committed_citizen,
    magdeburg_clerk, hundesteuer_application,  # noqa: F811  (the imported fixtures)
):  # fmt: skip
    from openkommune.cases.constants import Decision
    from openkommune.cases.models import Case
    from openkommune.cases.services.messaging import message_send_to_applicant
    from openkommune.cases.services.notices import notice_issue
    from openkommune.tenancy.scoping import scopes_disabled

    application = hundesteuer_application
    with django_db_blocker.unblock(), scopes_disabled():
        case = Case.objects.get(application=application)
        message_send_to_applicant(
            tenant=case.tenant,
            actor=magdeburg_clerk,
            case=case,
            body="Bitte senden Sie den Impfpass von Bello.",
        )
        case = Case.objects.get(pk=case.pk)
        notice_issue(
            tenant=case.tenant,
            actor=magdeburg_clerk,
            case=case,
            decision=Decision.APPROVED,
            reason="Alle Angaben sind vollständig.",
        )

    log_in(page, committed_citizen)
    page.goto("/konto/")
    assert application.reference in page.locator("#antraege").inner_text()
    notices = page.locator("#bescheide")
    assert "neu" in notices.inner_text()
    messages = page.locator("#nachrichten")
    assert "Bitte senden Sie den Impfpass von Bello." in messages.inner_text()
    assert "ungelesen" in messages.inner_text()
    assert_no_axe_violations(page)

    messages.get_by_role("link").first.click()
    assert "Impfpass" in page.locator("main").inner_text()
    page.goto("/konto/")
    assert "ungelesen" not in page.locator("#nachrichten").inner_text()
    page.locator("#bescheide").get_by_role("link").first.click()
    assert application.reference in page.locator("main").inner_text()
