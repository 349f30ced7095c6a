from tests.browser.conftest import assert_no_axe_violations, log_in


def test_coverage_page_is_accessible_and_exports(page):
    page.goto("/genossenschaft/abdeckung/")
    assert page.locator("h1").count() == 1
    assert page.locator("table").count() >= 1
    assert page.csp_violations == []
    assert_no_axe_violations(page)

    page.goto("/genossenschaft/abdeckung/?stand=31.02.2024")
    assert_no_axe_violations(page)


def test_membership_chart_page_is_accessible(page):
    page.goto("/genossenschaft/entwicklung/")
    assert page.locator("svg[role=img]").count() >= 1
    assert "veröffentlichte Zahl" in page.locator("main").inner_text()
    assert_no_axe_violations(page)


def test_ozg_progress_page_is_accessible_for_a_member(page, committed_member_admin):
    log_in(page, committed_member_admin)
    page.goto("/genossenschaft/ozg-fortschritt/")
    assert page.locator("h1").count() == 1
    assert_no_axe_violations(page)
