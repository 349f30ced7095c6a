"""Every call-off guard, each with its message: term, authorisation, volume, threshold."""

import datetime
from decimal import Decimal

import pytest

from openkommune.core.formatting import format_date
from openkommune.procurement import services
from openkommune.procurement.calloffs import CallOffRefused
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.selectors import (
    call_off_guards,
    contract_usage,
    threshold_class,
)
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.scoping import scopes_disabled
from tests.members.factories import register
from tests.procurement.factories import (
    TODAY,
    CallOffFactory,
    ContractFactory,
    ItemFactory,
    add_line,
)
from tests.tenancy.factories import OrganisationFactory
from tests.tenancy.factories import cooperative as cooperative_organisation

pytestmark = pytest.mark.django_db


def _draft(member, contract, quantity=1, tiers=None, owner=None):
    item = ItemFactory(contract=contract, tiers=tiers or [(0, "100.00")])
    call_off = CallOffFactory(
        tenant=member, contract=contract, status=CallOffStatus.DRAFT, created_by=owner
    )
    add_line(call_off, item, quantity)
    return call_off


def _guards(call_off, on=None):
    with scopes_disabled():
        return call_off_guards(call_off, on=on)


# --- term ------------------------------------------------------------------------------------


def test_expired_contract_is_refused(member):
    contract = ContractFactory(
        starts_on=TODAY - datetime.timedelta(days=400), ends_on=TODAY - datetime.timedelta(days=1)
    )
    result = _guards(_draft(member, contract))
    expired = (TODAY - datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    assert (
        f"Der Rahmenvertrag {contract.number} ist am {expired} abgelaufen; ein Abruf ist nicht "
        "mehr möglich." in result.errors
    )


def test_contract_not_yet_started_is_refused(member):
    start = TODAY + datetime.timedelta(days=1)
    contract = ContractFactory(starts_on=start, ends_on=start + datetime.timedelta(days=300))
    result = _guards(_draft(member, contract))
    assert (
        f"Der Rahmenvertrag {contract.number} beginnt erst am {start.strftime('%d.%m.%Y')}; "
        "vorher ist kein Abruf möglich." in result.errors
    )


def test_first_and_last_day_of_the_term_are_allowed(member):
    contract = ContractFactory(starts_on=TODAY, ends_on=TODAY)
    assert _guards(_draft(member, contract)).ok


# --- authorisation ----------------------------------------------------------------------------


def test_member_not_named_is_refused(member):
    other = OrganisationFactory()
    contract = ContractFactory(callers_all_members=False)
    contract.named_callers.set([other])
    result = _guards(_draft(member, contract))
    assert (
        f"{member.name} ist im Rahmenvertrag {contract.number} nicht als abrufberechtigt "
        "genannt." in result.errors
    )
    contract.named_callers.add(member)
    assert _guards(_draft(member, contract)).ok


def test_category_rule_allows_only_members_of_that_kind(member):
    contract = ContractFactory(callers_all_members=False, caller_kinds=[OrganisationKind.LANDKREIS])
    assert member.kind == OrganisationKind.GEMEINDE
    refused = _guards(_draft(member, contract))
    assert any("nicht als abrufberechtigt" in e for e in refused.errors)
    landkreis = register(OrganisationFactory(kind=OrganisationKind.LANDKREIS))
    assert _guards(_draft(landkreis, contract)).ok


def test_non_member_organisation_is_refused_whatever_its_kind(member):
    """Issue 19: callers were checked against the kind, not the register."""
    contract = ContractFactory(callers_all_members=False, caller_kinds=[OrganisationKind.LANDKREIS])
    landkreis = OrganisationFactory(name="Landkreis Nichtmitglied", kind=OrganisationKind.LANDKREIS)
    refused = _guards(_draft(landkreis, contract))
    assert (
        f"Landkreis Nichtmitglied ist am {format_date(TODAY)} kein Mitglied der Genossenschaft "
        "(laut Mitgliederverzeichnis) und keine von einem Mitglied benannte Stelle; abrufen "
        "dürfen nur Mitglieder." in refused.errors
    )
    # also when the contract names it explicitly
    contract.named_callers.add(landkreis)
    assert not _guards(_draft(landkreis, contract)).ok


def test_former_member_is_refused_from_the_day_it_left(member):
    contract = ContractFactory()
    with scopes_disabled():
        period = member.cooperative_member.periods.get()
    period.left_on = TODAY
    period.save()
    assert not _guards(_draft(member, contract)).ok
    assert _guards(_draft(member, contract), on=TODAY - datetime.timedelta(days=1)).ok


def test_body_named_by_a_member_may_call_off(member):
    school = OrganisationFactory(name="Grundschule Am Markt", kind=OrganisationKind.LANDKREIS)
    contract = ContractFactory()
    assert not _guards(_draft(school, contract)).ok
    member.cooperative_member.bodies.add(school)
    assert _guards(_draft(school, contract)).ok


def test_the_cooperative_itself_never_calls_off():
    cooperative = cooperative_organisation()
    contract = ContractFactory()
    assert not _guards(_draft(cooperative, contract)).ok


# --- volume ----------------------------------------------------------------------------------


def _used(contract, total, status=CallOffStatus.ORDERED, quantity=0):
    CallOffFactory(contract=contract, total=Decimal(total), quantity_total=quantity, status=status)


def test_warning_from_80_percent_including_this_call_off(member):
    contract = ContractFactory(max_value=Decimal("1000.00"))
    _used(contract, "700.00")
    below = _guards(_draft(member, contract, tiers=[(0, "99.99")]))  # 79.999 %
    assert below.ok
    assert below.warnings == []
    at = _guards(_draft(member, contract, tiers=[(0, "100.00")]))  # exactly 80 %
    assert at.ok
    assert at.warnings == [
        f"Mit diesem Abruf sind 80,0 % des Rahmenvertrags {contract.number} ausgeschöpft."
    ]


def test_exactly_100_percent_is_the_last_allowed_call_off_and_exhausts_the_contract(member):
    contract = ContractFactory(max_value=Decimal("1000.00"))
    _used(contract, "900.00")
    last = _draft(member, contract, tiers=[(0, "100.00")])
    result = _guards(last)
    assert result.ok
    assert "ausgeschöpft (100 %)" in result.warnings[0]
    with scopes_disabled():
        last.status = CallOffStatus.AWAITING_APPROVAL
        last.save()
    assert contract_usage(contract).share == 1
    refused = _guards(_draft(member, contract, tiers=[(0, "0.01")]))
    assert refused.errors == [
        f"Der Rahmenvertrag {contract.number} ist ausgeschöpft: die Höchstmenge bzw. der "
        "Höchstwert ist erreicht."
    ]


def test_a_call_off_beyond_the_maximum_is_refused_with_the_excess(member):
    contract = ContractFactory(max_value=Decimal("1000.00"))
    _used(contract, "900.00")
    # 1 cent beyond 1,000 € is 100.001 %: the text must not claim exactly 100 %.
    result = _guards(_draft(member, contract, tiers=[(0, "100.01")]))
    assert result.errors == [
        f"Der Abruf überschreitet den Höchstwert des Rahmenvertrags {contract.number} um "
        "0,01 € (mit diesem Abruf 100,1 %). Bitte verringern Sie die Menge."
    ]


def test_beyond_the_maximum_quantity_the_refusal_names_the_units(member):
    contract = ContractFactory(max_value=None, max_quantity=1000)
    _used(contract, "1.00", quantity=999)
    one = _guards(_draft(member, contract, quantity=2))
    assert one.errors == [
        f"Der Abruf überschreitet die Höchstmenge des Rahmenvertrags {contract.number} um "
        "1 Einheit (mit diesem Abruf 100,1 %). Bitte verringern Sie die Menge."
    ]
    assert "um 3 Einheiten" in _guards(_draft(member, contract, quantity=4)).errors[0]


def test_just_below_the_maximum_the_warning_never_reads_100_percent(member):
    contract = ContractFactory(max_value=Decimal("1000.00"))
    _used(contract, "900.00")
    result = _guards(_draft(member, contract, tiers=[(0, "99.99")]))  # 99.999 %
    assert result.ok
    assert result.warnings[0] == (
        f"Mit diesem Abruf sind 99,9 % des Rahmenvertrags {contract.number} ausgeschöpft."
    )


def test_maximum_quantity_counts_units(member):
    contract = ContractFactory(max_value=None, max_quantity=10)
    _used(contract, "1.00", quantity=7)
    assert _guards(_draft(member, contract, quantity=1)).warnings  # 80 %
    assert not _guards(_draft(member, contract, quantity=4)).ok  # 110 %
    assert _guards(_draft(member, contract, quantity=3)).ok  # exactly 100 %


def test_drafts_cancelled_and_rejected_call_offs_do_not_count(member):
    contract = ContractFactory(max_value=Decimal("1000.00"))
    for status in (CallOffStatus.DRAFT, CallOffStatus.CANCELLED, CallOffStatus.REJECTED):
        _used(contract, "1000.00", status=status)
    assert contract_usage(contract).used_value == 0
    _used(contract, "100.00", status=CallOffStatus.AWAITING_APPROVAL)
    _used(contract, "200.00", status=CallOffStatus.APPROVED)
    _used(contract, "300.00", status=CallOffStatus.ORDERED)
    used_value, used_quantity, share = contract_usage(contract)
    assert (used_value, used_quantity, share) == (Decimal("600.00"), 0, Decimal("0.6"))


def test_refused_submit_changes_nothing(member, clerk):
    contract = ContractFactory(max_value=Decimal("100.00"))
    call_off = _draft(member, contract, quantity=2, owner=clerk)
    with pytest.raises(CallOffRefused) as refused:
        services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    assert "überschreitet den Höchstwert" in refused.value.messages[0]
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.DRAFT
    assert contract_usage(contract).used_value == 0


# --- EU threshold class ------------------------------------------------------------------------


def test_threshold_class_by_date_at_the_2025_2026_boundary():
    value = Decimal("218000.00")  # between the two thresholds
    assert threshold_class(value, datetime.date(2025, 12, 31)) == (
        "unterhalb des EU-Schwellenwerts (221.000 €, gültig 2024–2025)"
    )
    assert threshold_class(value, datetime.date(2026, 1, 1)) == (
        "erreicht oder überschreitet den EU-Schwellenwert (216.000 €, gültig 2026–2027)"
    )
    assert threshold_class(Decimal("215999.99"), datetime.date(2026, 1, 1)) == (
        "unterhalb des EU-Schwellenwerts (216.000 €, gültig 2026–2027)"
    )
    assert threshold_class(Decimal("216000.00"), datetime.date(2027, 12, 31)).startswith("erreicht")
    assert threshold_class(value, datetime.date(2028, 1, 1)) == (
        "kein EU-Schwellenwert für den 01.01.2028 hinterlegt"
    )


def test_guards_classify_the_call_off_value_on_its_date(member):
    contract = ContractFactory(
        starts_on=datetime.date(2025, 6, 1),
        ends_on=datetime.date(2026, 6, 1),
        max_value=Decimal("1000000.00"),
    )
    call_off = _draft(member, contract, tiers=[(0, "218000.00")])
    before = _guards(call_off, on=datetime.date(2025, 12, 31))
    after = _guards(call_off, on=datetime.date(2026, 1, 1))
    assert before.ok
    assert after.ok
    assert before.threshold_class.startswith("unterhalb")
    assert "216.000 €, gültig 2026–2027" in after.threshold_class
