"""Procurement report: spend and savings per member, contract and year, checked against sums
computed by hand from the rows each test creates; access, exports and the API."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from openkommune.bundling import services
from openkommune.reports.procurement import (
    procurement_report,
    procurement_report_across_members,
)
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.bundling.round_factories import build_market
from tests.digitalpakt import factories
from tests.translation_probe import is_marked, marked_translations

pytestmark = pytest.mark.django_db
D = Decimal


def _at(year, month, day):
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


@pytest.fixture
def market():
    market = build_market()
    m0, m1, m2 = market.members
    alpha, beta = market.articles["alpha"], market.articles["beta"]
    with scopes_disabled():
        factories.call_off(tenant=m0, lines=[(alpha, 12)], ordered_at=_at(2023, 5, 10))  # 12x750
        factories.call_off(tenant=m0, lines=[(beta, 3)], ordered_at=_at(2022, 3, 1))  # 3x790
        factories.call_off(tenant=m1, lines=[(alpha, 5)], ordered_at=_at(2023, 7, 1))  # 5x800
        factories.call_off(tenant=m1, lines=[(alpha, 50)], status="draft")  # not spend
        factories.call_off(tenant=m2, lines=[(beta, 25)], ordered_at=_at(2023, 2, 2))  # 25x760
    for index, quantity in enumerate((5, 8, 4)):
        services.demand_set(
            tenant=market.members[index],
            actor=market.clerks[index],
            bundling_round=market.round,
            quantities={market.notebook: quantity},
        )
    services.round_close(actor=market.staff, bundling_round=market.round)
    services.round_evaluate(actor=market.staff, bundling_round=market.round)
    return market


def _figures(rows):
    return {f.label: (f.spend, f.call_offs, f.tier_savings, f.bundling_savings) for f in rows}


def test_staff_figures_per_member_contract_and_year(market):
    m0, m1, m2 = market.members
    report = procurement_report_across_members()
    assert _figures(report.by_member) == {
        m0.name: (D("11370.00"), 2, D("600.00"), D("0.00")),  # 9000 + 2370; 12x(800-750)
        # An evaluated round that was never awarded and ordered books no savings.
        m1.name: (D("4000.00"), 1, D("0.00"), D("0.00")),
        m2.name: (D("19000.00"), 1, D("750.00"), D("0.00")),  # 25x(790-760)
    }
    assert _figures(report.by_contract) == {
        "RV-T-001 Testrahmenvertrag Hardware": (D("34370.00"), 4, D("1350.00"), D("0.00"))
    }
    years = _figures(report.by_year)
    assert years["2022"] == (D("2370.00"), 1, D("0.00"), D("0.00"))
    assert years["2023"] == (D("32000.00"), 3, D("1350.00"), D("0.00"))
    assert set(years) == {"2022", "2023"}
    assert report.total.spend == D("34370.00")
    assert report.total.savings == D("1350.00")
    only_2023 = procurement_report_across_members(year=2023)
    assert only_2023.total.spend == D("32000.00")
    assert {f.label for f in only_2023.by_member} == {m0.name, m1.name, m2.name}


def test_member_sees_only_its_own_figures(market):
    own = market.members[1]
    with scope(tenant=own):
        report = procurement_report(tenant=own)
    assert _figures(report.by_member) == {own.name: (D("4000.00"), 1, D("0.00"), D("0.00"))}
    assert report.total.spend == D("4000.00")
    assert [f.spend for f in report.by_contract] == [D("4000.00")]


def test_page_access_charts_tables_and_exports(client, market):
    url = reverse("reports:procurement")
    anonymous = client.get(url, {"jahr": "2023"})
    assert anonymous.status_code == 302
    assert (
        anonymous["Location"]
        == f"{resolve_url(settings.LOGIN_URL)}?next={quote(url)}%3Fjahr%3D2023"
    )
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(market.staff)
    page = client.get(url)
    assert page.status_code == 200
    assert page.text.count('role="img"') == 2
    assert "34.370,00 €" in page.text
    assert market.members[2].name in page.text
    bad = client.get(url, {"jahr": "zwanzig"})
    assert bad.status_code == 400
    assert 'value="zwanzig"' in bad.text
    csv_text = client.get(url, {"tabelle": "mitglieder", "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    assert csv_text.splitlines()[0].startswith("Mitglied;Ausgaben")
    assert f"{market.members[2].name};19000,00;1;750,00;0,00;750,00" in csv_text
    xlsx = client.get(url, {"tabelle": "jahre", "format": "xlsx", "jahr": "2023"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Jahr"
    assert rows[1][0] == "2023"
    assert rows[1][1] == 32000

    client.force_login(market.clerks[0])
    member_page = client.get(url)
    assert market.members[2].name not in member_page.text
    member_csv = client.get(url, {"tabelle": "mitglieder", "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    assert market.members[0].name in member_csv
    assert market.members[1].name not in member_csv


def test_the_member_chart_is_titled_by_what_it_plots(client, market):
    client.force_login(market.staff)
    page = client.get(reverse("reports:procurement")).text
    # The bars are spend per member only; the savings are in the table next to it.
    assert '<title id="ausgaben-diagramm-titel">Ausgaben je Mitglied (Euro)</title>' in page


def test_report_labels_and_table_headers_are_translatable(client, market):
    client.force_login(market.staff)
    url = reverse("reports:procurement")
    with marked_translations():
        assert is_marked(procurement_report_across_members().total.label)
        for table in ("mitglieder", "vertraege", "jahre"):
            download = client.get(url, {"tabelle": table, "format": "xlsx"})
            workbook = load_workbook(io.BytesIO(download.content))
            headers = next(workbook.active.iter_rows(values_only=True))
            assert all(is_marked(header) for header in headers), headers
            assert is_marked(workbook.active.title)


def test_api(client, market):
    url = "/api/v1/reports/procurement"
    assert client.get(url).json() == {
        "error": {"code": "not_authenticated", "message": "Anmeldung erforderlich.", "fields": {}}
    }
    client.force_login(UserFactory())
    assert client.get(url).json()["error"]["code"] == "permission_denied"
    client.force_login(market.clerks[2])
    body = client.get(url, {"year": 2023}).json()
    assert [m["key"] for m in body["by_member"]] == [str(market.members[2].public_id)]
    assert D(body["total"]["spend"]) == D("19000.00")
    assert D(body["total"]["tier_savings"]) == D("750.00")
    assert client.get(url, {"year": "neunzehn"}).status_code == 422
