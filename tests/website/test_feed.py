"""The Atom feed of Aktuelles: valid Atom 1.0 (RFC 4287) for a real feed parser
(feedparser) and for a strict reading of the XML with the elements RFC 4287 requires."""

import datetime

import feedparser
import pytest
from defusedxml import ElementTree as ET
from django.urls import reverse
from django.utils import timezone

from openkommune.website import services
from tests.website.helpers import published_post, staff

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client):
    response = client.get(reverse("website:news_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return response.content


def test_feed_is_valid_atom_1_0_with_published_posts_only(client):
    actor = staff()
    published_post(actor, title="Erste Meldung", tags="Betrieb, Termine", days_ago=3)
    published_post(actor, title="Zweite Meldung", summary="Kurz & knapp", days_ago=1)
    services.news_create(actor=actor, title="Entwurf bleibt intern", summary="a", body="b")
    later = services.news_create(actor=actor, title="Später", summary="a", body="b")
    services.news_publish(
        post=later, actor=actor, published_at=timezone.now() + datetime.timedelta(hours=3)
    )
    content = _feed(client)

    parsed = feedparser.parse(content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [entry.title for entry in parsed.entries] == ["Zweite Meldung", "Erste Meldung"]
    assert parsed.entries[0].summary == "Kurz & knapp"
    assert parsed.entries[0].link == "http://testserver/genossenschaft/aktuelles/zweite-meldung/"
    assert {tag.term for tag in parsed.entries[1].tags} == {"Betrieb", "Termine"}

    # Strict: RFC 4287 4.1.1 and 4.1.2, required elements of the feed and of every entry.
    root = ET.fromstring(content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}author/{ATOM}name").text
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == "http://testserver/genossenschaft/aktuelles/feed.atom"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for name in ("id", "title", "updated", "published", "summary"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
        datetime.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)


def test_empty_feed_is_still_valid(client):
    parsed = feedparser.parse(_feed(client))
    assert parsed.bozo == 0
    assert parsed.version == "atom10"
    assert parsed.entries == []


def test_news_pages_link_the_feed_visibly(client):
    published_post(title="Mit Feed")
    for url in (
        reverse("website:news_index"),
        reverse("website:news_detail", args=["mit-feed"]),
    ):
        page = client.get(url).text
        assert f'href="{reverse("website:news_feed")}"' in page
