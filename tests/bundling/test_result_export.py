"""A round's allocation as CSV and XLSX with typed cells: staff get every member's rows, a
member only its own (issue 19)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from openkommune.bundling import services
from openkommune.bundling.models import RoundMemberResult
from openkommune.tenancy.scoping import scopes_disabled
from tests.bundling.round_factories import build_market

pytestmark = pytest.mark.django_db


def _evaluated_market():
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
    return market


def test_round_result_exports_with_typed_cells_and_tenancy(client):
    market = _evaluated_market()
    url = reverse("bundling:result_export", args=[market.round.public_id, "xlsx"])
    client.force_login(market.staff)
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Mitglied", "Position")
    body = rows[1:]
    assert {row[0] for row in body} == {member.name for member in market.members}
    eight = next(row for row in body if row[5] == 8)
    # 8 notebooks at the bundled tier (750 €) instead of 800 € alone: numbers, not text.
    assert (eight[6], eight[7]) == (750, 6000)
    # Savings: alone minus what the member carries (cost plus its settlement, ADR 0045):
    # members 1 and 2 (8 and 4 notebooks; 6,320 and 3,160 alone, 9,000 together) carry their
    # Shapley shares 6,080 and 2,920, so member 1 settles +80 and saves 240.
    assert eight[10] == 80
    assert eight[9] == eight[8] - eight[7] - eight[10] == 240
    assert sheet.cell(row=body.index(eight) + 2, column=8).number_format == "#,##0.00"

    client.force_login(market.clerks[1])
    own = load_workbook(io.BytesIO(client.get(url).content)).active
    own_rows = list(own.iter_rows(values_only=True))[1:]
    assert {row[0] for row in own_rows} == {market.members[1].name}
    csv = client.get(
        reverse("bundling:result_export", args=[market.round.public_id, "csv"])
    ).content.decode()
    assert ";8;750,00;6000,00;" in csv
    assert market.members[0].name not in csv
    assert (
        client.get(
            reverse("bundling:result_export", args=[market.round.public_id, "ods"])
        ).status_code
        == 404
    )


def test_a_member_without_demand_is_not_shown_as_losing(client):
    """Issue 19: a member with no demand was shown "Ersparnis -540 €"."""
    market = build_market()
    for index, quantity in enumerate((5, 8, 0)):
        services.demand_set(
            tenant=market.members[index],
            actor=market.clerks[index],
            bundling_round=market.round,
            quantities={market.notebook: quantity},
        )
    services.round_close(actor=market.staff, bundling_round=market.round)
    result = services.round_evaluate(actor=market.staff, bundling_round=market.round)
    with scopes_disabled():
        rows = list(RoundMemberResult.objects.filter(result=result))
    # Only members with demand are players; none of them pays more than alone.
    assert {row.tenant_id for row in rows} == {m.pk for m in market.members[:2]}
    assert all(row.savings >= 0 for row in rows)
    url = reverse("bundling:result", args=[market.round.public_id])
    client.force_login(market.staff)
    staff_page = client.get(url).content.decode()
    assert market.members[2].name not in staff_page
    client.force_login(market.clerks[2])
    own_page = client.get(url).content.decode()
    assert 'id="kein-eigenes-ergebnis"' in own_page
    assert 'id="eigene-ersparnis"' not in own_page
