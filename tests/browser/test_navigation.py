"""Navigation and focus (issue 14, part 6): the skip link shows when it gets the focus and
leads into the content; the work areas of each role are in the header; 0 axe violations."""

import re

from tests.browser.conftest import assert_no_axe_violations, log_in


def _in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["width"] > 0
        and box["height"] > 0
        and 0 <= box["x"] < size["width"]
        and 0 <= box["y"] < size["height"]
    )


def test_skip_link_is_visible_when_focused_and_jumps_to_the_content(page):
    page.goto("/leistungen/")
    skip = ".ok-skip-link"
    assert not _in_viewport(page, skip)  # off-screen until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className").startswith("ok-skip-link")
    assert _in_viewport(page, skip)
    assert page.locator(skip).is_visible()
    assert_no_axe_violations(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#inhalt$"))
    assert page.evaluate("document.activeElement.id") == "inhalt"
    assert not _in_viewport(page, skip)


def test_clerk_finds_the_inbox_from_the_start_page(page, committed_clerk):
    user, _organisation = committed_clerk
    log_in(page, user)  # lands on the citizen start page
    nav = page.get_by_role("navigation", name="Ihre Arbeitsbereiche")
    assert nav.is_visible()
    assert_no_axe_violations(page)
    nav.get_by_role("link", name="Posteingang").click()
    page.wait_for_url(re.compile(r"/behoerde/eingang/$"))
    assert page.locator("#nav-posteingang").get_attribute("aria-current") == "page"
    assert_no_axe_violations(page)


def test_cooperative_staff_find_their_pages_in_the_header(page, committed_cooperative_staff):
    log_in(page, committed_cooperative_staff)
    nav = page.get_by_role("navigation", name="Ihre Arbeitsbereiche")
    nav.get_by_role("link", name="Angebote der Mitglieder").click()
    page.wait_for_url(re.compile(r"/leistungen/angebote/$"))
    assert_no_axe_violations(page)
    page.get_by_role("navigation", name="Ihre Arbeitsbereiche").get_by_role(
        "link", name="Antragsstatistik"
    ).click()
    page.wait_for_url(re.compile(r"/behoerde/statistik/$"))
    assert_no_axe_violations(page)
