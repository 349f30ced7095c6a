"""The interface language: German by default, English by the header's switch (a plain form
POST, no JavaScript) or the browser's preference; German content keeps lang="de"; the API
and the documents stay German."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from openkommune.catalog import easy_language, selectors

SWITCH = "/sprache/setlang/"


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.text).group(1)


def switch_form(response) -> str:
    match = re.search(
        r'<form class="ok-inline-form ok-language-switch" method="post" '
        r'action="([^"]+)">(.*?)</form>',
        response.text,
        re.S,
    )
    assert match, "no language switch in the page"
    return match.group(0)


@pytest.mark.django_db
def test_pages_are_german_by_default(client):
    response = client.get("/leistungen/")
    assert html_lang(response) == "de"
    assert "Verwaltungsleistungen nach Themen" in response.text
    assert response["Content-Language"] == "de"


@pytest.mark.django_db
def test_the_switch_is_a_plain_form_that_keeps_the_page(client):
    response = client.get("/leistungen/?x=1")
    form = switch_form(response)
    assert f'action="{SWITCH}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="next" value="/leistungen/?x=1">' in form
    # The other language, named in itself and marked with its lang.
    assert 'name="language" value="en" lang="en"' in form
    assert ">English<" in form
    assert "<script" not in form


@pytest.mark.django_db
def test_switching_to_english_and_back_without_javascript(client):
    client.get("/leistungen/")  # as a browser would: the page with the form sets the CSRF cookie
    response = client.post(SWITCH, {"language": "en", "next": "/leistungen/"})
    assert response.status_code == 302
    assert response["Location"] == "/leistungen/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"

    english = client.get("/leistungen/")
    assert html_lang(english) == "en"
    assert "Administrative services by topic" in english.text
    assert "Verwaltungsleistungen nach Themen" not in english.text
    form = switch_form(english)
    assert 'name="language" value="de" lang="de"' in form
    assert ">Deutsch<" in form

    back = client.post(SWITCH, {"language": "de", "next": "/leistungen/"})
    assert back["Location"] == "/leistungen/"
    assert html_lang(client.get("/leistungen/")) == "de"


@pytest.mark.django_db
def test_the_switch_with_csrf_checks_on(client):
    """A real browser sends the token of the form; set_language is not CSRF-exempt."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/barrierefreiheit/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    assert browser.post(SWITCH, {"language": "en", "next": "/"}).status_code == 403
    response = browser.post(
        SWITCH, {"language": "en", "next": "/barrierefreiheit/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert html_lang(browser.get("/barrierefreiheit/")) == "en"


@pytest.mark.django_db
def test_the_switch_ignores_foreign_targets_and_unknown_languages(client):
    client.get("/")
    response = client.post(SWITCH, {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    client.post(SWITCH, {"language": "de", "next": "/"})
    # Django knows French; the platform does not offer it, so the page stays German.
    client.post(SWITCH, {"language": "fr", "next": "/"})
    assert html_lang(client.get("/")) == "de"


@pytest.mark.django_db
def test_a_browser_that_prefers_english_gets_english(client):
    response = client.get("/barrierefreiheit/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert html_lang(response) == "en"
    assert "Accessibility statement" in response.text
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_error_pages_follow_the_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert html_lang(response) == "en"
    assert "Page not found" in response.text


@pytest.mark.django_db
def test_the_api_stays_german(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/api/v1/services/99999/responsible?plz=39104", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "gibt es nicht" in response.json()["error"]["message"]
    assert "Content-Language" not in response


@pytest.mark.django_db
def test_official_data_on_an_english_service_page_is_marked_german(client):
    leistung = selectors.leistung_for_leika_keys(easy_language.BY_SLUG["hunde-steuer"].leika_keys)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("catalog:service", args=[leistung.ozg_id]))
    assert html_lang(response) == "en"
    assert f'<h1 class="kern-heading-large" lang="de">{leistung.name}</h1>' in response.text
    assert "Who is responsible for you?" in response.text
    # The Leichte Sprache page of the service, German, said so in English.
    link = reverse("easy_language_service", args=["hunde-steuer"])
    assert f'href="{link}" lang="de">Diese Leistung in Leichter Sprache</a> (in German)' in (
        response.text
    )


@pytest.mark.django_db
@pytest.mark.parametrize("page", easy_language.PAGES, ids=lambda page: page.slug)
def test_every_form_has_a_leichte_sprache_page_linked_from_its_service(client, page):
    leistung = selectors.leistung_for_leika_keys(page.leika_keys)
    assert leistung is not None, f"no Leistung in the catalogue for {page.slug}"
    service = client.get(reverse("catalog:service", args=[leistung.ozg_id]))
    assert reverse("easy_language_service", args=[page.slug]) in service.text

    response = client.get(reverse("easy_language_service", args=[page.slug]))
    assert response.status_code == 200
    assert '<article class="ok-stack ok-lead" lang="de" id="leichte-sprache">' in response.text
    assert f'<h1 class="kern-heading-x-large">{page.title}</h1>' in response.text
    assert reverse("catalog:service", args=[leistung.ozg_id]) in response.text
    assert 'id="nur-deutsch"' not in response.text  # a German page needs no note


def test_the_leichte_sprache_pages_cover_the_six_forms():
    import json

    definitions = settings.PACKAGE_DIR / "forms" / "definitions"
    keys = [set(json.loads(f.read_text())["leika_keys"]) for f in definitions.glob("*.json")]
    assert len(keys) == 6
    assert sorted(map(sorted, keys)) == sorted(sorted(p.leika_keys) for p in easy_language.PAGES)


@pytest.mark.django_db
def test_leichte_sprache_follows_its_rules(client):
    """Short sentences and no abbreviations (Netzwerk Leichte Sprache): checked on the text of
    every page, not by hand."""
    abbreviations = re.compile(r"\b(z\. ?B\.|usw\.|bzw\.|ca\.|ggf\.|d\. ?h\.|u\. ?a\.|Nr\.|§)")
    for path in [reverse("easy_language")] + [
        reverse("easy_language_service", args=[p.slug]) for p in easy_language.PAGES
    ]:
        html = client.get(path).text
        article = re.search(r'<article[^>]*id="leichte-sprache">(.*?)</article>', html, re.S)
        text = re.sub(r"<[^>]+>", "\n", article.group(1))  # headings and items end a sentence
        assert not abbreviations.search(text), (path, abbreviations.search(text).group(0))
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        sentences = [s for line in lines for s in re.split(r"(?<=[.?!:])\s+", line) if s]
        too_long = [s for s in sentences if len(s.split()) > 15]
        assert not too_long, (path, too_long)


@pytest.mark.django_db
def test_leichte_sprache_in_english_says_that_it_is_german(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("easy_language"))
    assert html_lang(response) == "en"
    assert "This page is only available in German" in response.text
    assert '<article class="ok-stack ok-lead" lang="de" id="leichte-sprache">' in response.text
    # The footer and the header link it on every page, marked German.
    assert 'lang="de" id="leichte-sprache-link">Leichte Sprache</a>' in response.text


@pytest.mark.django_db
def test_unknown_leichte_sprache_page_is_404(client):
    assert client.get("/leichte-sprache/gibt-es-nicht/").status_code == 404


def test_answers_typed_by_the_citizen_are_marked_german():
    """The check page and the case file mark the citizen's own words (and the form's German
    code lists) lang="de"; the interface's words ("Bestätigt", Ja/Nein) follow the page."""
    from openkommune.forms.engine import answers
    from tests.forms.test_declarations import definition

    [section] = answers(definition(), {"name": "Anna", "ok": True})
    rows = {row.path: row for row in section.rows}
    assert rows["name"].text == "Anna"
    assert rows["name"].language == "de"
    assert rows["ok"].language == ""
