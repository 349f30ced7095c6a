"""Use statistics of the forms and the studio's import page in Chromium (issue 18): the
staff pages with counts, a suppressed count and the empty state, the form import page; each
checked with axe-core (WCAG 2.1 AA)."""

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


@pytest.fixture
def usage_counts(django_db_blocker, committed_member):
    """Counts of Magdeburg's use of the Hundesteuer form today (committed; removed after)."""
    from django.utils import timezone

    from openkommune.formstats.constants import Metric
    from openkommune.formstats.models import UsageCount
    from openkommune.tenancy.scoping import scopes_disabled

    rows = [
        (Metric.START, "", "", 12, 0),
        (Metric.COMPLETE, "", "", 3, 0),
        (Metric.STEP, "anliegen", "", 15, 900),
        (Metric.ERROR, "anliegen", "halter.vorname", 6, 0),
    ]
    with django_db_blocker.unblock(), scopes_disabled():
        for metric, step, field, count, seconds in rows:
            UsageCount.objects.create(
                tenant=committed_member, day=timezone.localdate(), form_key="hundesteuer",
                version_number=1, metric=metric, step_id=step, field_path=field, count=count,
                seconds_total=seconds,
            )  # fmt: skip
    yield committed_member
    with django_db_blocker.unblock(), scopes_disabled():
        UsageCount.objects.filter(tenant=committed_member).delete()


def test_statistics_pages_and_the_import_page_are_accessible(
    page, committed_cooperative_staff, usage_counts
):
    log_in(page, committed_cooperative_staff)
    page.goto("/genossenschaft/formular-statistik/?tage=7")
    table = page.locator("#nutzung")
    assert "12" in table.inner_text()
    assert "weniger als 5" in table.inner_text()  # three submissions: suppressed
    assert_no_axe_violations(page)
    page.locator("#nutzung a").first.click()
    page.wait_for_url("**/genossenschaft/formular-statistik/hundesteuer/?tage=7")
    assert "60 Sekunden" in page.locator("#schritte").inner_text()
    assert "halter.vorname" in page.locator("#fehler-felder").inner_text()
    assert_no_axe_violations(page)
    page.goto("/genossenschaft/formular-statistik/?tage=7&x=1")
    page.locator("#tage").select_option("365")
    page.locator("#zeitraum-form button[type=submit]").click()
    page.wait_for_url("**tage=365**")
    assert_no_axe_violations(page)
    page.goto("/genossenschaft/formular-studio/formular-import/")
    assert page.get_by_label("Exportiertes Formular (ZIP)").count() == 1
    assert_no_axe_violations(page)
