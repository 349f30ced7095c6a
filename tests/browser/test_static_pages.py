import pytest

from tests.browser.conftest import assert_no_axe_violations


@pytest.mark.parametrize(
    ("path", "heading", "status"),
    [
        ("/barrierefreiheit/", "Erklärung zur Barrierefreiheit", 200),
        ("/datenquellen/", "Datenquellen und Lizenzen", 200),
        ("/konto/anmelden/", "Anmelden", 200),
        ("/konto/passwort-vergessen/", "Passwort", 200),
        ("/konto/passwort-vergessen/gesendet/", "", 200),
        ("/konto/passwort-neu/fertig/", "", 200),
        ("/gibt-es-nicht/", "Seite nicht gefunden", 404),
    ],
)
def test_page_is_accessible(page, path, heading, status):
    response = page.goto(path)
    assert response.status == status
    assert heading in page.locator("h1").inner_text()
    assert page.csp_violations == []
    assert_no_axe_violations(page)
