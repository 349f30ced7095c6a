"""The results page /leistungen/suche/ with the Django client."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/leistungen/suche/"


def test_url_name():
    assert reverse("search:results") == URL


def test_empty_query_shows_form_and_help(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.text
    assert '<label class="kern-label" for="suche">Wonach suchen Sie?' in html
    assert 'id="suche"' in html
    assert 'name="q"' in html
    assert 'id="suchbeispiele"' in html
    assert 'id="suchergebnisse"' not in html
    assert html.count("<h1") == 1


def test_results_link_to_service_pages_with_lage_and_leika(client):
    response = client.get(URL, {"q": "hund anmelden"})
    html = response.text
    assert response.status_code == 200
    results = html.split('id="suchergebnisse"', 1)[1]
    first = re.search(r'href="(/leistungen/\d{5}/)">([^<]+)</a>', results)
    assert first.groups() == ("/leistungen/10160/", "Hundehaltung")
    assert "Hundesteuer" in results
    assert 'value="hund anmelden"' in html  # what was typed stays
    assert html.count("<h1") == 1


def test_facets_link_with_counts_and_mark_current(client):
    html = client.get(URL, {"q": "steuer"}).text
    facets = html.split('id="themenfelder-filter"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="\?([^"]*themenfeld=(\d+)[^"]*)"[^>]*>([^<]+)</a>', facets)
    assert links
    query, themenfeld, _label = links[0]
    narrowed = client.get(URL + "?" + query.replace("&amp;", "&")).text
    current = narrowed.split('id="themenfelder-filter"', 1)[1].split("</nav>", 1)[0]
    assert re.search(rf'themenfeld={themenfeld}[^"]*" aria-current="page"', current)


def test_pagination_links(client):
    html = client.get(URL, {"q": "antrag"}).text
    assert "Seite 1 von" in html
    assert 'rel="next"' in html
    assert 'rel="prev"' not in html
    second = client.get(URL, {"q": "antrag", "seite": 2}).text
    assert "Seite 2 von" in second
    assert 'rel="prev"' in second
    assert 'start="11"' in second


def test_no_hits_gives_friendly_tips(client):
    html = client.get(URL, {"q": "xyzzyq"}).text
    assert 'id="keine-treffer"' in html
    assert '<h2 class="kern-title">Wir haben keine passende Leistung gefunden</h2>' in html


def test_no_hits_title_escapes_the_query(client):
    html = client.get(URL, {"q": "<xyzzyq>"}).text
    assert "Zu „&lt;xyzzyq&gt;“ passt keine Leistung gut." in html
    assert "<xyzzyq>" not in html


@pytest.mark.parametrize("params", [{"q": "hund", "seite": "x"}, {"q": "hund", "themenfeld": "-3"}])
def test_bad_page_or_facet_is_ignored(client, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert 'id="suchergebnisse"' in response.text


def test_overlong_query_is_explained_and_kept(client):
    response = client.get(URL, {"q": "hund " * 50})
    assert response.status_code == 200
    assert "höchstens 200 Zeichen" in response.text
    assert 'aria-invalid="true"' in response.text


def test_no_good_match_page_says_so_and_links_lebenslagen_and_most_used(client):
    html = client.get(URL, {"q": "kuchen backen rezept"}).text
    assert "Wir haben keine passende Leistung gefunden" in html
    assert 'id="suchergebnisse"' not in html
    most_used = html.split('id="meistgenutzt"', 1)[1].split("</ul>", 1)[0]
    assert 'href="/leistungen/10119/" lang="de">Personalausweis</a>' in most_used
    lagen = html.split('id="lebenslagen"', 1)[1].split("</ul>", 1)[0]
    link = re.search(r'href="(/leistungen/themenfeld/\d+/#lage-\d+)" lang="de">Geburt</a>', lagen)
    target = client.get(link.group(1).split("#")[0]).text
    assert f'id="{link.group(1).split("#")[1]}"' in target  # the anchor exists on that page


def test_did_you_mean_links_a_search_for_the_suggestion(client):
    html = client.get(URL, {"q": "führerschien"}).text
    hint = html.split('id="meinten-sie"', 1)[1].split("</p>", 1)[0]
    assert "Meinten Sie:" in hint
    assert f'href="{URL}?q=f%C3%BChrerschein" lang="de">führerschein</a>' in hint
