"""The routing health page in Chromium for a member administrator, checked with axe-core."""

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


@pytest.fixture
def committed_inactive_route(django_db_blocker, committed_member, committed_member_admin):
    """Hundesteuer activated for the committed member, with an inactive destination for it."""
    from openkommune.catalog.models import LeikaAssignment, ServiceActivation
    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.fitconnect.constants import DestinationStatus
    from openkommune.fitconnect.models import Destination
    from openkommune.fitconnect.services import leika_urn
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        leistung = ozg_leistung_get(ozg_id="10160")
        key = LeikaAssignment.objects.filter(ozg_leistung=leistung).exclude(leika_key="")[0]
        ServiceActivation.objects.create(
            tenant=committed_member, ozg_leistung=leistung, is_active=True
        )
        destination = Destination.objects.create(
            tenant=committed_member,
            services=[leika_urn(key.leika_key)],
            status=DestinationStatus.INACTIVE,
        )
    yield destination
    with django_db_blocker.unblock(), scopes_disabled():
        destination.delete()


def test_member_admin_sees_the_problem_and_what_to_do(
    page, committed_member_admin, committed_inactive_route
):
    log_in(page, committed_member_admin)
    page.locator("#nav-zustellwege").click()
    page.wait_for_url("**/schnittstellen/zustellwege/")
    assert page.locator("h1").inner_text() == "Zustellwege prüfen"
    row = page.locator("#probleme tbody tr")
    assert row.count() == 1
    assert "ist inaktiv" in row.inner_text()
    assert "Zustellpunkt wieder aktivieren" in row.inner_text()
    assert page.csp_violations == []
    assert_no_axe_violations(page)
