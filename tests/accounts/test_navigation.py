"""Navigation for every role (issue 14, part 6): whoever acts for an organisation finds the
links to their work areas in the header of every page; citizens and visitors see none; the
skip link and the focus script are on every page."""

import re

import pytest
from django.templatetags.static import static
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

# Pages of different areas: the citizen start page, a catalogue page, a cooperative page.
PAGES = ("/", "/leistungen/", "/genossenschaft/mitglieder/")


def _role_links(html: str) -> set[str]:
    match = re.search(r'<nav class="ok-role-nav".*?</nav>', html, re.S)
    if match is None:
        return set()
    return set(re.findall(r'href="([^"]+)"', match.group(0)))


INBOX = reverse("cases:inbox")
SERVICES_ADMIN = reverse("catalog:admin_list")
PEOPLE_ADMIN = reverse("accounts:org_members")
OFFERS = reverse("catalog:offers")
STATISTICS = reverse("cases:statistics")
OZG_PROGRESS = reverse("reports:ozg_progress")
PROCUREMENT = reverse("procurement:index")
PAYMENTS = reverse("payments:bookings")
FORM_STUDIO = reverse("studio:index")
NEWS_ADMIN = reverse("website:news_manage")
OUTBOX = reverse("reports:outbox")
ROUTING = reverse("fitconnect_health:routing_health")
WORKING_GROUPS = reverse("workinggroups:group_list")
PRINT_PLANNER = reverse("printplanner:index")
FORM_USAGE = reverse("formstats:member")
FORM_STATISTICS = reverse("formstats:staff")


@pytest.mark.parametrize(
    ("trait", "expected"),
    [
        ("clerk", {INBOX, PAYMENTS, FORM_USAGE, PRINT_PLANNER, WORKING_GROUPS, PROCUREMENT}),
        (
            "member_admin",
            {
                INBOX,
                PAYMENTS,
                FORM_USAGE,
                PRINT_PLANNER,
                SERVICES_ADMIN,
                PEOPLE_ADMIN,
                ROUTING,
                WORKING_GROUPS,
                PROCUREMENT,
            },
        ),
        (
            "cooperative_staff",
            {
                OFFERS,
                STATISTICS,
                FORM_STUDIO,
                FORM_STATISTICS,
                NEWS_ADMIN,
                OZG_PROGRESS,
                OUTBOX,
                ROUTING,
                WORKING_GROUPS,
                PROCUREMENT,
            },
        ),
    ],
)
def test_each_role_sees_its_work_areas_on_every_page(client, trait, expected):
    client.force_login(UserFactory(**{trait: True}))
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _role_links(response.text) == expected, url
        assert 'aria-label="Ihre Arbeitsbereiche"' in response.text
    # Every link leads to a page the role may open.
    for url in expected:
        assert client.get(url, follow=True).status_code == 200, url


def test_the_current_work_area_is_marked(client):
    client.force_login(UserFactory(member_admin=True))
    html = client.get(SERVICES_ADMIN).text
    assert re.search(r'id="nav-leistungen-verwalten" href="[^"]+" aria-current="page"', html)
    assert not re.search(r'id="nav-posteingang" href="[^"]+" aria-current', html)


@pytest.mark.parametrize("citizen", [True, False])
def test_citizens_and_visitors_see_no_work_areas(client, citizen):
    if citizen:
        client.force_login(UserFactory())
    html = client.get("/").text
    assert _role_links(html) == set()
    assert INBOX not in html
    assert SERVICES_ADMIN not in html


def test_skip_link_and_focus_script_on_every_page(client):
    response = client.get("/")
    html = response.text
    assert '<a class="ok-skip-link kern-link" href="#inhalt">Zum Inhalt springen</a>' in html
    assert 'id="inhalt"' in html
    assert f'<script src="{static("openkommune/focus.js")}" defer></script>' in response.text
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "nonce" not in response.text  # the page is the same on every request
