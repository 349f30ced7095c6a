"""Swagger UI renders in Chromium from the platform's own files, with the CSP in force."""

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import assert_no_axe_violations


@pytest.mark.parametrize(
    ("path", "operation"),
    [("/api/v1/docs", "/regions"), ("/fit-connect/v1/docs", "/v1/submissions")],
)
def test_swagger_ui_renders_without_external_requests(page, site_server, path, operation):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(path)
    assert response.status == 200
    # Swagger UI has fetched the OpenAPI document and drawn its operations.
    page.locator(".opblock-summary-path", has_text=operation).first.wait_for()
    origin = urlsplit(site_server).netloc
    external = [url for url in requested if urlsplit(url).netloc not in (origin, "")]
    assert external == []
    assert page.csp_violations == []


@pytest.mark.parametrize("path", ["/api/v1/docs", "/fit-connect/v1/docs"])
def test_swagger_ui_has_no_accessibility_violations(page, path):
    """axe (WCAG 2.1 AA) finds nothing, Swagger UI's own markup included.

    Our stylesheet raises the contrast of Swagger UI's texts, and with deep links off no
    link sits inside an operation's expand button (formerly `nested-interactive`).
    Checked collapsed and with every operation expanded in "Try it out" mode (parameters,
    request bodies, examples); our script names the controls Swagger UI leaves unnamed.
    """
    page.goto(path)
    page.locator(".opblock-summary-path").first.wait_for()
    assert_no_axe_violations(page)
    for control in page.locator(".opblock-summary-control").all():
        control.click()
    for try_out in page.locator(".try-out__btn").all():
        try_out.click()
    page.locator(".execute").first.wait_for()
    assert_no_axe_violations(page)


@pytest.mark.parametrize(
    ("path", "operation"),
    [("/api/v1/docs", "/regions"), ("/fit-connect/v1/docs", "/v1/submissions")],
)
def test_operations_open_and_try_it_out_by_keyboard(page, path, operation):
    page.goto(path)
    row = page.locator(".opblock", has=page.locator(".opblock-summary-path", has_text=operation))
    row = row.first
    control = row.locator(".opblock-summary-control")
    control.wait_for()
    # Tab through the page until the operation's button has the focus: it is reachable.
    for _ in range(200):
        page.keyboard.press("Tab")
        if control.evaluate("(el) => el === document.activeElement"):
            break
    else:
        pytest.fail(f"{operation}: the operation's button is not reachable with Tab")
    assert control.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    assert control.get_attribute("aria-expanded") == "true"
    try_out = row.locator(".try-out__btn")
    try_out.wait_for()
    for _ in range(50):
        page.keyboard.press("Tab")
        if try_out.evaluate("(el) => el === document.activeElement"):
            break
    else:
        pytest.fail(f"{operation}: 'Try it out' is not reachable with Tab")
    page.keyboard.press("Enter")
    row.locator(".execute").wait_for()
    # And the button closes the operation again.
    control.focus()
    page.keyboard.press("Enter")
    assert control.get_attribute("aria-expanded") == "false"
