"""Pages of bundling rounds: access, staff running a round, members reporting demand."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openkommune.bundling import services
from openkommune.bundling.constants import RoundStatus
from openkommune.bundling.models import BundlingRound, DemandEntry, RoundItem, RoundResult
from openkommune.bundling.optimizer import InfeasibleInstance
from openkommune.bundling.services import evaluation
from openkommune.procurement.models import CallOff
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.bundling.round_factories import build_market
from tests.digitalpakt import factories

pytestmark = pytest.mark.django_db


def test_list_needs_login_and_a_member_or_staff(client):
    url = reverse("bundling:list")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_staff_create_a_round_with_errors_shown_and_input_kept(client):
    staff = UserFactory(cooperative_staff=True)
    client.force_login(staff)
    url = reverse("bundling:create")
    bad = client.post(url, {"title": "Tablets", "deadline": "gestern"})
    assert bad.status_code == 422
    assert "Bitte Datum und Uhrzeit" in bad.text
    assert 'value="Tablets"' in bad.text
    past = client.post(url, {"title": "Tablets", "deadline": "2020-01-01T12:00"})
    assert "Die Frist muss in der Zukunft liegen." in past.text
    future = (timezone.localtime() + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"title": "Tablets", "deadline": future})
    created = BundlingRound.objects.get(title="Tablets")
    assert response["Location"] == reverse("bundling:detail", args=[created.public_id])
    assert client.get(reverse("bundling:create")).status_code == 200


def test_members_may_not_manage_rounds(client):
    market = build_market()
    client.force_login(market.clerks[0])
    assert client.get(reverse("bundling:create")).status_code == 403
    assert client.post(reverse("bundling:close", args=[market.round.public_id])).status_code == 403
    detail = client.get(reverse("bundling:detail", args=[market.round.public_id]))
    assert "Runde schließen" not in detail.text
    assert "nein (nicht abrufberechtigt)" not in detail.text  # member 0 is a named caller
    client.force_login(market.clerks[1])
    detail = client.get(reverse("bundling:detail", args=[market.round.public_id]))
    assert "nein (nicht abrufberechtigt)" in detail.text


def test_staff_add_items_and_offers_through_the_pages(client):
    market = build_market()
    client.force_login(market.staff)
    add = client.post(
        reverse("bundling:item_add", args=[market.round.public_id]),
        {"title": "Dockingstation", "unit": "Stück"},
    )
    item = RoundItem.objects.get(title="Dockingstation")
    offer_url = reverse("bundling:offer_add", args=[market.round.public_id, item.public_id])
    assert add["Location"] == offer_url
    article = factories.article(
        contract=market.articles["alpha"].contract,
        supplier=market.articles["alpha"].supplier,
        description="Dockingstation",
        tiers=((0, "120.00"), (25, "110.00")),
    )
    form = client.get(offer_url)
    assert article.article_number in form.text
    client.post(offer_url, {"catalog_item": str(article.public_id), "capacity": "40"})
    assert item.offers.get().capacity == 40
    duplicate = client.post(offer_url, {"catalog_item": str(article.public_id)})
    assert duplicate.status_code == 422
    assert "schon Angebot" in duplicate.text
    remove = reverse("bundling:item_remove", args=[market.round.public_id, item.public_id])
    assert "Position „Dockingstation“ entfernen?" in client.get(remove).text
    client.post(remove)
    assert not RoundItem.objects.filter(pk=item.pk).exists()


def test_member_reports_demand_prefilled_from_its_call_offs(client):
    market = build_market(prefill_days=90)
    with scopes_disabled():
        factories.call_off(tenant=market.members[1], lines=[(market.articles["beta"], 12)])
    client.force_login(market.clerks[1])
    url = reverse("bundling:demand", args=[market.round.public_id])
    page = client.get(url)
    field = f"menge-{market.notebook.public_id}"
    assert f'name="{field}"' in page.text
    assert 'value="12"' in page.text
    assert "Vorschlag aus Ihren bestellten Abrufen" in page.text
    assert "<legend" in page.text
    bad = client.post(url, {field: "-3"})
    assert bad.status_code == 422
    assert "Bitte eine ganze Zahl ab 0 angeben." in bad.text
    assert client.post(url, {field: "15"}).status_code == 302
    with scope(tenant=market.members[1]):
        assert DemandEntry.objects.get().quantity == 15
    services.round_close(actor=market.staff, bundling_round=market.round)
    closed = client.post(url, {field: "20"})
    assert closed.status_code == 409
    assert "Die Runde ist geschlossen" in closed.text
    with scope(tenant=market.members[1]):
        assert DemandEntry.objects.get().quantity == 15


def test_close_asks_for_confirmation_then_evaluation_shows_savings(client):
    market = build_market()
    for index, quantity in enumerate((5, 8, 4)):
        services.demand_set(
            tenant=market.members[index],
            actor=market.clerks[index],
            bundling_round=market.round,
            quantities={market.notebook: quantity},
        )
    client.force_login(market.staff)
    close = reverse("bundling:close", args=[market.round.public_id])
    confirm = client.get(close)
    assert "Bisher haben 3 Mitglieder Bedarf gemeldet." in confirm.text
    market.round.refresh_from_db()
    assert market.round.status == RoundStatus.OPEN  # GET changes nothing
    client.post(close)
    response = client.post(reverse("bundling:evaluate", args=[market.round.public_id]))
    assert response["Location"] == reverse("bundling:result", args=[market.round.public_id])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'role="img"' in page.text
    assert "12.250,00 €" in page.text
    assert "480,00 €" in page.text
    for member in market.members:
        assert member.name in page.text


def test_member_sees_only_its_own_result(client):
    market = build_market()
    for index, quantity in enumerate((5, 8, 4)):
        services.demand_set(
            tenant=market.members[index],
            actor=market.clerks[index],
            bundling_round=market.round,
            quantities={market.notebook: quantity},
        )
    services.round_close(actor=market.staff, bundling_round=market.round)
    services.round_evaluate(actor=market.staff, bundling_round=market.round)
    client.force_login(market.clerks[1])
    page = client.get(reverse("bundling:result", args=[market.round.public_id]))
    assert "Ihre Ersparnis" in page.text
    assert "320,00" in page.text
    assert market.members[0].name not in page.text
    assert market.members[2].name not in page.text
    assert "12.250,00" not in page.text


def test_malformed_choices_are_form_errors_not_crashes(client):
    market = build_market()
    client.force_login(market.staff)
    offer_url = reverse(
        "bundling:offer_add", args=[market.round.public_id, market.notebook.public_id]
    )
    bad = client.post(offer_url, {"catalog_item": "kaputt", "capacity": "viele"})
    assert bad.status_code == 422
    assert "Bitte eine ganze Zahl angeben." in bad.text
    contract_url = reverse("bundling:items_from_contract", args=[market.round.public_id])
    assert client.post(contract_url, {"contract": "kaputt"}).status_code == 422


def _evaluated_page(client, market):
    for index, quantity in enumerate((5, 8, 4)):
        services.demand_set(
            tenant=market.members[index],
            actor=market.clerks[index],
            bundling_round=market.round,
            quantities={market.notebook: quantity},
        )
    services.round_close(actor=market.staff, bundling_round=market.round)
    result = services.round_evaluate(actor=market.staff, bundling_round=market.round)
    client.force_login(market.staff)
    return result


def test_result_shows_the_gap_as_a_percentage(client):
    market = build_market()
    result = _evaluated_page(client, market)
    # A run that hit the time limit (the test round itself is solved to optimality at once).
    RoundResult.objects.filter(pk=result.pk).update(solver_status="time_limit", gap=0.0123)
    page = client.get(reverse("bundling:result", args=[market.round.public_id])).text
    assert "Zeitgrenze erreicht, Lücke höchstens 1,23 %" in page
    RoundResult.objects.filter(pk=result.pk).update(gap=None)
    page = client.get(reverse("bundling:result", args=[market.round.public_id])).text
    assert "Zeitgrenze erreicht, Lücke unbekannt" in page


def test_result_says_when_the_shapley_shares_could_not_be_computed(client, monkeypatch):
    def fail(*args, **kwargs):
        raise InfeasibleInstance("Test")

    monkeypatch.setattr(evaluation, "shapley_values", fail)
    market = build_market()
    result = _evaluated_page(client, market)
    assert (result.shapley_exact, result.shapley_samples) == (False, 0)
    page = client.get(reverse("bundling:result", args=[market.round.public_id])).text
    assert "Shapley-Werte nicht berechnet" in page
    assert "Stichproben" not in page
    assert "teils geschätzt" not in page


def test_result_explains_a_core_allocation_when_shapley_would_overcharge(client, monkeypatch):
    """Issue 19: no member pays more than alone. The Shapley shares are shifted so that
    member 1 would pay 6,580 € (alone: 6,320 €); the page shows the core allocation."""
    real = evaluation.shapley_values

    def shifted(instance, **kwargs):
        values = real(instance, **kwargs)
        first, second = (str(m.public_id) for m in market.members[:2])
        values[first] -= 500
        values[second] += 500
        return values

    monkeypatch.setattr(evaluation, "shapley_values", shifted)
    market = build_market()
    result = _evaluated_page(client, market)
    assert result.allocation_method == "core"
    with scopes_disabled():
        rows = list(result.members.all())
    # Member 0 buys alone anyway (only it may call off at Gamma): core pins it to 3,250 €.
    assert all(row.allocated_cost <= row.alone_cost for row in rows)
    assert sum(row.allocated_cost for row in rows) == result.total
    assert all(row.savings >= 0 for row in rows)
    shares = {row.tenant_id: row.allocated_cost for row in rows}
    assert shares[market.members[0].pk] == 3250
    page = client.get(reverse("bundling:result", args=[market.round.public_id])).text
    assert 'id="aufteilung"' in page
    assert "Aufteilung aus dem Kern" in page
    client.force_login(market.clerks[1])
    own = client.get(reverse("bundling:result", args=[market.round.public_id])).text
    assert 'id="eigene-aufteilung"' in own
    assert "Ihr Kostenanteil" in own


def test_staff_award_after_confirmation_and_members_see_the_round_call_off(client):
    market = build_market()
    for index, quantity in enumerate((5, 8, 4)):
        services.demand_set(
            tenant=market.members[index],
            actor=market.clerks[index],
            bundling_round=market.round,
            quantities={market.notebook: quantity},
        )
    services.round_close(actor=market.staff, bundling_round=market.round)
    services.round_evaluate(actor=market.staff, bundling_round=market.round)
    client.force_login(market.staff)
    detail = reverse("bundling:detail", args=[market.round.public_id])
    assert 'id="runde-vergeben"' in client.get(detail).text
    award = reverse("bundling:award", args=[market.round.public_id])
    confirm = client.get(award)
    assert "Ja, Runde vergeben" in confirm.text
    market.round.refresh_from_db()
    assert market.round.status == RoundStatus.EVALUATED  # GET changes nothing
    client.post(award)
    market.round.refresh_from_db()
    assert market.round.status == RoundStatus.AWARDED
    page = client.get(detail).text
    assert 'id="vergeben-hinweis"' in page
    assert 'id="auswerten-form"' not in page  # an awarded round is not evaluated again
    again = client.post(reverse("bundling:evaluate", args=[market.round.public_id]), follow=True)
    assert "Die Runde ist vergeben" in again.text

    client.force_login(market.clerks[1])
    with scopes_disabled():
        call_off = CallOff.objects.get(tenant=market.members[1])
    page = client.get(reverse("procurement:call_off_detail", args=[call_off.reference]))
    assert page.status_code == 200
    assert "Bündelungsrunde „Notebooks 2026 (Test)“" in page.text
    assert "6.000,00 €" in page.text  # 8 x 750, the bundled tier; alone it would be 6.400
