"""The cooperative's website in the browser: Aktuelles with its feed link and a post (print
view, PDF, Link mailen), the contact form from the office's page to the confirmation, axe on
every page, and not one request to another host."""

import datetime
from urllib.parse import urlsplit

import feedparser
import pytest

from tests.browser.conftest import assert_no_axe_violations


@pytest.fixture
def committed_office(django_db_blocker):
    """The cooperative with an office address and one published post (committed)."""
    from django.utils import timezone

    from openkommune.tenancy.models import AuditRecord, Organisation
    from openkommune.tenancy.scoping import scopes_disabled
    from openkommune.website import services
    from openkommune.website.models import NewsPost, Tag
    from tests.tenancy.factories import cooperative

    fields = ("street", "postcode", "city", "email")
    with django_db_blocker.unblock(), scopes_disabled():
        created = not Organisation.objects.filter(is_cooperative=True).exists()
        organisation = cooperative()
        before = {name: getattr(organisation, name) for name in fields}
        organisation.street = "Musterstraße 1"
        organisation.postcode = "39104"
        organisation.city = "Magdeburg"
        organisation.email = "geschaeftsstelle@test.example.org"
        organisation.save()
        post = services.news_create(
            actor=None,
            title="Browser: Neue Leistung online",
            summary="Eine Meldung für den Browsertest.",
            body="Erster Absatz.\n\nZweiter Absatz.",
            tags="Online-Dienste",
            is_demo=True,
        )
        services.news_publish(
            post=post, actor=None, published_at=timezone.now() - datetime.timedelta(hours=1)
        )
        started = timezone.now()
    yield organisation, post
    with django_db_blocker.unblock(), scopes_disabled():
        from django_tasks_db.models import DBTaskResult

        from openkommune.accounts.models import ThrottleHit
        from openkommune.core.models import OutboxMail
        from openkommune.website.models import ContactMessage

        ContactMessage.objects.all().delete()
        OutboxMail.objects.filter(kind="website.contact_message").delete()
        DBTaskResult.objects.filter(enqueued_at__gte=started).delete()
        ThrottleHit.objects.filter(scope="contact.client").delete()
        NewsPost.objects.filter(pk=post.pk).delete()
        Tag.objects.filter(posts=None).delete()
        AuditRecord.objects.filter(tenant=organisation)._raw_delete(using="default")
        if created:
            organisation.delete()
        else:
            Organisation.objects.filter(pk=organisation.pk).update(**before)


def _same_origin_only(page, site_server):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    own = urlsplit(site_server).netloc

    def check():
        foreign = [url for url in requests if urlsplit(url).netloc not in {own, ""}]
        foreign = [url for url in foreign if not url.startswith(("data:", "about:"))]
        assert foreign == [], foreign
        assert requests, "no requests recorded"

    return check


def test_news_page_feed_link_and_post_are_accessible(page, site_server, committed_office):
    _organisation, post = committed_office
    check_requests = _same_origin_only(page, site_server)
    page.goto("/genossenschaft/aktuelles/")
    assert "Browser: Neue Leistung online" in page.locator("#meldungen").inner_text()
    assert_no_axe_violations(page)

    # Feed readers find the feed in the head; people find the visible link.
    alternate = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    assert alternate.count() == 1
    feed_link = page.locator("#feed-link")
    assert feed_link.is_visible()
    feed = page.request.get(feed_link.get_attribute("href"))
    assert feed.ok
    parsed = feedparser.parse(feed.body())
    assert parsed.bozo == 0
    assert parsed.version == "atom10"
    assert "Browser: Neue Leistung online" in [entry.title for entry in parsed.entries]

    page.get_by_role("link", name="Browser: Neue Leistung online").click()
    page.wait_for_url(f"**/genossenschaft/aktuelles/{post.slug}/")
    assert page.locator("#demo-inhalt").is_visible()
    assert page.locator("#link-mailen").get_attribute("href").startswith("mailto:?subject=")
    assert_no_axe_violations(page)
    pdf = page.request.get(page.locator("#pdf").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.locator("#druckversion").click()
    page.wait_for_url("**/druck/")
    assert page.locator("nav").count() == 0
    assert_no_axe_violations(page)

    page.goto("/genossenschaft/aktuelles/")
    page.get_by_role("link", name="Online-Dienste (1)").click()
    page.wait_for_url("**/stichwort/**")
    assert "Browser: Neue Leistung online" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    check_requests()
    assert page.csp_violations == []


def test_contact_form_from_the_office_page_to_the_confirmation(
    page, site_server, committed_office, django_db_blocker
):
    from openkommune.website.models import ContactMessage

    check_requests = _same_origin_only(page, site_server)
    page.goto("/genossenschaft/kontakt/")
    assert "Musterstraße 1" in page.locator("#geschaeftsstelle").inner_text()
    assert (
        page.locator("#karte")
        .get_attribute("href")
        .startswith("https://www.openstreetmap.org/search?")
    )
    # The trap field is not shown to people.
    assert not page.locator("#id_homepage").is_visible()
    assert_no_axe_violations(page)

    # Sent empty: an error summary, accessible too.
    page.locator("#kontakt-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert_no_axe_violations(page)

    page.locator("#id_name").fill("Erika Mustermann")
    page.locator("#id_email").fill("erika@test.example.org")
    page.locator("#id_subject").fill("Frage aus dem Browser")
    page.locator("#id_message").fill("Wie werden wir Mitglied?")
    page.locator("#id_privacy").check()
    # People take a few seconds; a form sent faster is refused (CONTACT_MIN_FILL_SECONDS).
    page.wait_for_timeout(3200)
    page.locator("#kontakt-form button[type=submit]").click()
    page.wait_for_url("**/genossenschaft/kontakt/gesendet/")
    assert page.locator("#bestaetigung").is_visible()
    assert_no_axe_violations(page)
    with django_db_blocker.unblock():
        assert ContactMessage.objects.filter(subject="Frage aus dem Browser").count() == 1
    check_requests()
    assert page.csp_violations == []


@pytest.fixture
def news_cleanup(django_db_blocker, committed_cooperative_staff):
    """Removes the posts and audit records a staff journey creates, before the staff member
    and the cooperative go."""
    yield committed_cooperative_staff
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled
    from openkommune.website.models import NewsPost, Tag

    with django_db_blocker.unblock(), scopes_disabled():
        NewsPost.objects.filter(title="Aus dem Browser geschrieben").delete()
        Tag.objects.filter(posts=None).delete()
        AuditRecord.objects.filter(action__startswith="news.")._raw_delete(using="default")


def test_staff_write_publish_and_withdraw_a_post(page, news_cleanup):
    from tests.browser.conftest import log_in

    log_in(page, news_cleanup)
    page.locator("#nav-aktuelles").click()
    page.wait_for_url("**/aktuelles/verwaltung/")
    assert_no_axe_violations(page)
    page.locator("#neue-meldung").click()
    page.locator("#id_title").fill("Aus dem Browser geschrieben")
    page.locator("#id_summary").fill("Kurzfassung aus dem Browser.")
    page.locator("#id_body").fill("Ein Absatz.\n\nNoch einer.")
    page.locator("#id_tags").fill("Browser, Test")
    page.locator("#meldung-form button[type=submit]").click()
    page.wait_for_url("**/aktuelles/verwaltung/*/")
    assert "Entwurf" in page.locator("#status").inner_text()
    assert_no_axe_violations(page)

    page.locator("#veroeffentlichen-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "veröffentlicht" in page.locator("#status").inner_text()
    page.goto("/genossenschaft/aktuelles/")
    assert "Aus dem Browser geschrieben" in page.locator("#meldungen").inner_text()

    page.go_back()
    page.locator("#zurueckziehen").click()
    page.wait_for_url("**/zurueckziehen/")
    assert_no_axe_violations(page)
    page.locator("#zurueckziehen-form button[type=submit]").click()
    page.wait_for_url("**/aktuelles/verwaltung/*/")
    assert "Entwurf" in page.locator("#status").inner_text()
    page.goto("/genossenschaft/aktuelles/")
    assert "Aus dem Browser geschrieben" not in page.locator("main").inner_text()
