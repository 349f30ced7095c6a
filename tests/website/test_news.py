"""Aktuelles: staff write drafts, publish (now or later) and withdraw; the public sees only
what is published, by Stichwort too, as print view and as PDF/UA, and can mail the link."""

import datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.website import services
from openkommune.website.constants import NEWS_PAGE_SIZE, NewsState
from openkommune.website.models import NewsPost, Tag
from tests.accounts.factories import UserFactory
from tests.submissions.factories import pdf_objects, pdf_text
from tests.website.helpers import published_post, staff

pytestmark = pytest.mark.django_db


def _audit(action):
    with scopes_disabled():
        return list(AuditRecord.objects.filter(action=action))


# --- services ---------------------------------------------------------------------------


def test_a_new_post_is_a_draft_with_tags_and_an_audit_record():
    actor = staff()
    post = services.news_create(
        actor=actor,
        title="Wartungsfenster am Wochenende",
        summary="Kurz.",
        body="Text.",
        tags="Betrieb, Fachverfahren, betrieb ,  ",
    )
    assert post.state() == NewsState.DRAFT
    assert post.slug == "wartungsfenster-am-wochenende"
    assert sorted(post.tags.values_list("name", flat=True)) == ["Betrieb", "Fachverfahren"]
    [record] = _audit("news.create")
    assert record.actor == actor
    assert record.after["title"] == "Wartungsfenster am Wochenende"
    assert record.after["tags"] == ["Betrieb", "Fachverfahren"]


def test_only_cooperative_staff_may_write_news():
    clerk = UserFactory(clerk=True)
    with pytest.raises(PermissionDenied):
        services.news_create(actor=clerk, title="X", summary="Y", body="Z")
    assert not NewsPost.objects.exists()


def test_slugs_are_unique_transliterated_and_never_a_reserved_path():
    actor = staff()
    first = services.news_create(actor=actor, title="Größere Änderung", summary="a", body="b")
    second = services.news_create(actor=actor, title="Größere Änderung", summary="a", body="b")
    reserved = services.news_create(actor=actor, title="Verwaltung", summary="a", body="b")
    assert first.slug == "groessere-aenderung"
    assert second.slug == "groessere-aenderung-2"
    assert reserved.slug == "verwaltung-2"


def test_bad_input_changes_nothing():
    actor = staff()
    with pytest.raises(ValidationError):
        services.news_create(actor=actor, title="", summary="a", body="b")
    with pytest.raises(ValidationError) as error:
        services.news_create(actor=actor, title="T", summary="a", body="b", tags="x" * 61)
    assert "höchstens 60 Zeichen" in str(error.value)
    assert not NewsPost.objects.exists()
    assert not Tag.objects.exists()


def test_publish_schedule_and_withdraw_are_audited():
    actor = staff()
    post = services.news_create(actor=actor, title="Termin", summary="a", body="b")
    later = timezone.now() + datetime.timedelta(days=2)
    post = services.news_publish(post=post, actor=actor, published_at=later)
    assert post.state() == NewsState.SCHEDULED
    assert not post.is_public
    post = services.news_publish(post=post, actor=actor)
    assert post.state() == NewsState.PUBLISHED
    post = services.news_withdraw(post=post, actor=actor)
    assert post.state() == NewsState.DRAFT
    with pytest.raises(ValidationError):
        services.news_withdraw(post=post, actor=actor)
    assert len(_audit("news.publish")) == 2
    [withdrawn] = _audit("news.withdraw")
    assert withdrawn.before["published_at"] is not None
    assert withdrawn.after == {"published_at": None}


def test_update_keeps_the_address_and_records_before_and_after():
    actor = staff()
    post = published_post(actor, title="Alter Titel", tags="Alt")
    post = services.news_update(
        post=post, actor=actor, title="Neuer Titel", summary="s", body="b", tags="Neu"
    )
    assert post.slug == "alter-titel"
    assert [t.name for t in post.tags.all()] == ["Neu"]
    [record] = _audit("news.update")
    assert record.before["title"] == "Alter Titel"
    assert record.after["tags"] == ["Neu"]


# --- public pages ---------------------------------------------------------------------


def test_index_shows_published_posts_newest_first_and_no_drafts(client):
    actor = staff()
    published_post(actor, title="Ältere Meldung", days_ago=5)
    published_post(actor, title="Neuere Meldung", days_ago=1)
    services.news_create(actor=actor, title="Geheimer Entwurf", summary="a", body="b")
    scheduled = services.news_create(actor=actor, title="Geplante Meldung", summary="a", body="b")
    services.news_publish(
        post=scheduled, actor=actor, published_at=timezone.now() + datetime.timedelta(days=1)
    )
    text = client.get(reverse("website:news_index")).text
    assert text.index("Neuere Meldung") < text.index("Ältere Meldung")
    assert "Geheimer Entwurf" not in text
    assert "Geplante Meldung" not in text
    # Drafts and scheduled posts have no public page.
    for slug in ("geheimer-entwurf", "geplante-meldung"):
        assert client.get(reverse("website:news_detail", args=[slug])).status_code == 404
        assert client.get(reverse("website:news_pdf", args=[slug])).status_code == 404
        assert client.get(reverse("website:news_print", args=[slug])).status_code == 404
    # The feed is announced in the head for feed readers.
    assert 'rel="alternate" type="application/atom+xml"' in text


def test_index_is_paginated_and_has_an_empty_state(client):
    empty = client.get(reverse("website:news_index")).text
    assert 'id="keine-meldungen"' in empty
    actor = staff()
    for number in range(NEWS_PAGE_SIZE + 2):
        published_post(actor, title=f"Meldung Nummer {number}", days_ago=number + 1)
    first = client.get(reverse("website:news_index")).text
    second = client.get(reverse("website:news_index"), {"seite": 2}).text
    assert "Meldung Nummer 0<" in first
    assert f"Meldung Nummer {NEWS_PAGE_SIZE + 1}<" not in first
    assert f"Meldung Nummer {NEWS_PAGE_SIZE + 1}<" in second
    assert "Seite 2 von 2" in second


def test_tag_page_lists_the_posts_with_that_tag(client):
    actor = staff()
    published_post(actor, title="Mit Stichwort", tags="Beschaffung")
    published_post(actor, title="Ohne Stichwort")
    tag = Tag.objects.get(name="Beschaffung")
    response = client.get(reverse("website:news_tag", args=[tag.slug]))
    assert response.status_code == 200
    assert "Mit Stichwort" in response.text
    assert "Ohne Stichwort" not in response.text
    index = client.get(reverse("website:news_index")).text
    assert reverse("website:news_tag", args=[tag.slug]) in index
    assert client.get(reverse("website:news_tag", args=["gibt-es-nicht"])).status_code == 404


def test_detail_has_print_pdf_and_a_mailto_link_without_third_parties(client):
    published_post(title="Neue Leistung: Hundesteuer", body="Absatz eins.\n\nAbsatz <b>zwei</b>.")
    url = reverse("website:news_detail", args=["neue-leistung-hundesteuer"])
    response = client.get(url)
    assert response.status_code == 200
    page = response.text
    assert '<p class="kern-body" lang="de">Absatz eins.</p>' in page
    assert "Absatz &lt;b&gt;zwei&lt;/b&gt;." in page  # plain text, never HTML
    assert reverse("website:news_print", args=["neue-leistung-hundesteuer"]) in page
    assert reverse("website:news_pdf", args=["neue-leistung-hundesteuer"]) in page
    mailto = response.context["mailto"]
    parts = urlsplit(mailto)
    assert parts.scheme == "mailto"
    assert parts.path == ""  # no recipient: the visitor chooses
    query = parse_qs(parts.query)
    assert unquote(query["subject"][0]) == "Neue Leistung: Hundesteuer"
    assert f"http://testserver{url}" in query["body"][0]
    assert 'id="link-mailen"' in page


def test_print_view_has_the_post_without_navigation(client):
    published_post(title="Druckbare Meldung")
    page = client.get(reverse("website:news_print", args=["druckbare-meldung"])).text
    assert "Druckbare Meldung" in page
    assert "Zweiter Absatz." in page
    assert "Hauptnavigation" not in page
    assert "http://testserver/genossenschaft/aktuelles/druckbare-meldung/" in page


def test_pdf_is_pdf_ua_with_the_text_of_the_post(client):
    published_post(title="Meldung als PDF", body="Inhalt der Meldung.", is_demo=True)
    response = client.get(reverse("website:news_pdf", args=["meldung-als-pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Meldung als PDF" in text
    assert "Inhalt der Meldung." in text
    assert "Demo-Inhalt" in text
    objects = pdf_objects(pdf)
    assert "/StructTreeRoot" in objects
    assert "/Lang" in objects
    assert "pdfuaid" in objects


def test_demo_posts_say_so(client):
    published_post(title="Demo-Meldung", is_demo=True)
    page = client.get(reverse("website:news_detail", args=["demo-meldung"])).text
    assert 'id="demo-inhalt"' in page


def test_the_cooperative_overview_shows_the_latest_news(client):
    published_post(title="Für die Übersicht")
    page = client.get(reverse("reports:overview")).text
    assert 'id="aktuelles"' in page
    assert "Für die Übersicht" in page
    assert reverse("website:news_feed") in page


# --- staff pages ------------------------------------------------------------------------


def test_editing_pages_are_for_cooperative_staff_only(client):
    manage = reverse("website:news_manage")
    assert client.get(manage).status_code == 302  # to the login
    client.force_login(UserFactory(clerk=True))
    assert client.get(manage).status_code == 403
    assert client.post(reverse("website:news_create"), {"title": "x"}).status_code == 403
    assert not NewsPost.objects.exists()


def test_staff_create_edit_publish_and_withdraw_a_post(client):
    client.force_login(staff())
    response = client.post(
        reverse("website:news_create"),
        {"title": "Neue Meldung", "summary": "Kurz.", "body": "Text.", "tags": "Termine"},
    )
    post = NewsPost.objects.get()
    edit = reverse("website:news_edit", args=[post.public_id])
    assert response.status_code == 302
    assert response["Location"] == edit
    assert "Entwurf" in client.get(edit).text
    assert client.get(reverse("website:news_detail", args=[post.slug])).status_code == 404

    publish = reverse("website:news_publish", args=[post.public_id])
    bad = client.post(publish, {"published_at": "morgen früh"})
    assert bad.status_code == 422
    assert "06.12.2026 09:00" in bad.text
    post.refresh_from_db()
    assert post.published_at is None

    moment = timezone.localtime() - datetime.timedelta(minutes=5)
    done = client.post(publish, {"published_at": moment.strftime("%d.%m.%Y %H:%M")})
    assert done.status_code == 302
    assert client.get(reverse("website:news_detail", args=[post.slug])).status_code == 200

    withdraw = reverse("website:news_withdraw", args=[post.public_id])
    confirm = client.get(withdraw)
    assert "Meldung zurückziehen?" in confirm.text
    post.refresh_from_db()
    assert post.published_at is not None  # asking changes nothing
    client.post(withdraw)
    assert client.get(reverse("website:news_detail", args=[post.slug])).status_code == 404

    listing = client.get(reverse("website:news_manage")).text
    assert "Neue Meldung" in listing


def test_invalid_news_form_keeps_the_input_and_explains(client):
    client.force_login(staff())
    response = client.post(
        reverse("website:news_create"), {"title": "", "summary": "Behalten", "body": "Auch"}
    )
    assert response.status_code == 422
    assert "Behalten" in response.text
    assert 'id="fehlerzusammenfassung"' in response.text
    assert not NewsPost.objects.exists()
    assert (
        client.get(
            reverse("website:news_edit", args=["00000000-0000-4000-8000-000000000000"])
        ).status_code
        == 404
    )
