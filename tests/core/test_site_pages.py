import pytest

PAGES = [
    "/",
    "/genossenschaft/",
    "/meine-gemeinde/",
    "/konto/anmelden/",
    "/barrierefreiheit/",
    "/datenquellen/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_demo_instance_says_so_on_every_page(client, settings, path):
    settings.DEMO_MODE = True
    response = client.get(path)
    assert response.status_code == 200
    assert 'id="demo-hinweis"' in response.text
    assert "Dies ist eine Demonstration" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_production_instance_has_no_demo_notice(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert 'id="demo-hinweis"' not in response.text


@pytest.mark.django_db
def test_cooperative_figures_come_from_the_imported_data(client):
    response = client.get("/genossenschaft/")
    assert response.status_code == 200
    assert response.context["figures"].gemeinden_germany == 10953
    assert response.context["figures"].ozg_leistungen == 557
    assert len(client.get("/").context["themenfelder"]) == 14


@pytest.mark.django_db
def test_sources_page_names_the_gebietsstand_of_the_import(client):
    response = client.get("/datenquellen/")
    assert "30.11.2025" in response.text


@pytest.mark.django_db
def test_unknown_page_answers_404_in_german_in_the_site_layout(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.text
    assert '<html lang="de"' in response.text


@pytest.mark.django_db
def test_csrf_failure_is_explained_in_german(settings):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/konto/anmelden/", {"username": "a@b.example", "password": "x"}
    )
    assert response.status_code == 403
    assert "Formular abgelaufen" in response.text


def test_server_error_page_renders_without_request_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Technischer Fehler" in response.content.decode()
