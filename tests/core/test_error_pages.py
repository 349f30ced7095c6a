"""What a citizen meets when something goes wrong, with debug off as `make run` serves it:
the German pages in the site's layout, never Django's English debug page."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


@pytest.mark.django_db
def test_unknown_address_shows_the_german_404_page_without_url_patterns(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.text
    assert "URLconf" not in response.text
    assert "Zur Startseite" in response.text


@pytest.mark.django_db
def test_missing_role_shows_the_german_403_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse("catalog:admin_list"))
    assert response.status_code == 403
    assert "Keine Berechtigung" in response.text
    assert '<html lang="de"' in response.text


@pytest.mark.django_db
def test_unknown_host_shows_the_german_400_page(client):
    response = client.get("/", HTTP_HOST="unbekannt.example")
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.text
    assert "DisallowedHost" not in response.text


@pytest.mark.django_db
def test_static_files_are_served_by_the_app_without_debug(client):
    # runserver and gunicorn serve no static files with debug off; WhiteNoise does.
    response = client.get("/static/openkommune/site.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
