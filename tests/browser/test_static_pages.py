import pytest

from tests.browser.conftest import assert_no_axe_violations


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/barrierefreiheit/", "Erklärung zur Barrierefreiheit"),
        ("/datenquellen/", "Datenquellen und Lizenzen"),
        ("/konto/anmelden/", "Anmelden"),
        ("/konto/passwort-vergessen/", "Passwort"),
    ],
)
def test_page_is_accessible(page, path, heading):
    response = page.goto(path)
    assert response.status == 200
    assert heading in page.locator("h1").inner_text()
    assert page.csp_violations == []
    assert_no_axe_violations(page)
