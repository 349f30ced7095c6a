"""API and pages of reports: happy path, bad input (422/400), unknown member (404), access."""

import datetime
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from openkommune.tenancy.constants import OrganisationKind, Role
from tests.accounts.factories import UserFactory
from tests.reports.test_reports import ANHALT_BITTERFELD, MAGDEBURG, make_member
from tests.tenancy.factories import MembershipFactory, cooperative

pytestmark = pytest.mark.django_db


def test_coverage_api_reports_the_land_and_each_kreis(client):
    make_member(ANHALT_BITTERFELD, OrganisationKind.LANDKREIS, datetime.date(2022, 10, 1))
    body = client.get("/api/v1/coverage?date=2023-01-01").json()
    assert body["date"] == "2023-01-01"
    assert body["gemeinden"]["covered"] > 0
    kreis = next(k for k in body["by_kreis"] if k["ars"] == ANHALT_BITTERFELD)
    assert kreis["population"]["share"] == 1.0
    before = client.get("/api/v1/coverage?date=2022-09-30").json()
    assert before["gemeinden"]["covered"] == 0


def test_coverage_api_rejects_a_bad_date(client):
    response = client.get("/api/v1/coverage?date=2023-13-45")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert "date" in response.json()["error"]["fields"]


def test_ozg_progress_api_member_overview_404_and_422(client):
    organisation = make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT)
    body = client.get(f"/api/v1/ozg-progress?member={organisation.public_id}").json()
    assert body["must"] > 0
    assert body["online"] == 0
    assert body["by_reifegrad"]["1"] == body["must"]
    overview = client.get("/api/v1/ozg-progress").json()
    assert overview["ranking"][0]["member"] == str(organisation.public_id)
    missing = client.get(f"/api/v1/ozg-progress?member={uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/ozg-progress?member=kaputt").status_code == 422


def test_coverage_page_table_chart_and_exports(client):
    make_member(ANHALT_BITTERFELD, OrganisationKind.LANDKREIS, datetime.date(2022, 10, 1))
    url = reverse("reports:coverage")
    page = client.get(url, {"stand": "2023-01-01"})
    assert page.status_code == 200
    assert 'role="img"' in page.text
    assert "<caption" in page.text
    assert "Anhalt-Bitterfeld" in page.text
    bad = client.get(url, {"stand": "gestern"})
    assert bad.status_code == 400
    assert "JJJJ-MM-TT" in bad.text
    assert 'value="gestern"' in bad.text
    csv_response = client.get(url, {"stand": "2023-01-01", "format": "csv"})
    assert csv_response.content.startswith(b"\xef\xbb\xbfRegionalschl")
    assert client.get(url, {"format": "xlsx"})["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_membership_page_says_the_register_is_partial_and_shows_published_counts(client):
    make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT, datetime.date(2009, 12, 22))
    page = client.get(reverse("reports:membership"))
    assert page.status_code == 200
    assert "nur einen Teil der Mitglieder" in page.text
    assert "veröffentlichte Zahl" in page.text
    assert "ca. 2013" in page.text
    assert 'role="img"' in page.text
    export = client.get(reverse("reports:membership"), {"format": "csv"})
    assert "veröffentlichte Zahl" in export.content.decode("utf-8-sig")


def test_ozg_progress_page_access(client):
    url = reverse("reports:ozg_progress")
    anonymous = client.get(url)
    assert anonymous.status_code == 302  # login first
    assert anonymous["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={quote(url)}"
    own = make_member(MAGDEBURG, OrganisationKind.KREISFREIE_STADT)
    other = make_member(ANHALT_BITTERFELD, OrganisationKind.LANDKREIS)
    citizen = UserFactory()
    client.force_login(citizen)
    assert client.get(url).status_code == 403
    clerk = UserFactory()
    MembershipFactory(tenant=own, user=clerk, role=Role.CLERK)
    client.force_login(clerk)
    page = client.get(url)
    assert page.status_code == 200
    assert other.name in page.text  # the ranking is shared
    assert "Leistungen Ihrer Organisation" in page.text
    details = client.get(url, {"tabelle": "leistungen", "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    assert own.name in details
    assert other.name not in details  # other members' details stay with them
    staff = UserFactory()
    MembershipFactory(tenant=cooperative(), user=staff, role=Role.COOPERATIVE_STAFF)
    client.force_login(staff)
    details = client.get(url, {"tabelle": "leistungen", "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    assert own.name in details
    assert other.name in details
