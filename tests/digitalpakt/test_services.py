"""Ledger services: allocation, charging call-offs, payments, corrections, their guards."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openkommune.digitalpakt import selectors, services
from openkommune.digitalpakt.models import LedgerEntry, LedgerEntryImmutableError
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.digitalpakt.conftest import ordered

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 3, 1)


def _budget(schooltraeger, actor, programme, amount="10000.00"):
    budget = services.budget_open(tenant=schooltraeger, actor=actor, programme=programme)
    if amount:
        services.budget_allocate(
            tenant=schooltraeger, actor=actor, budget=budget, amount=Decimal(amount), booked_on=DAY
        )
    return budget


def _balance(schooltraeger, budget):
    with scope(tenant=schooltraeger):
        return selectors.budget_balance(budget)


def test_programmes_are_seeded_with_their_shares(programme_1, programme_2):
    assert (programme_1.federal_share, programme_1.own_share) == (Decimal(90), Decimal(10))
    assert (programme_2.federal_share, programme_2.own_share) == (Decimal(50), Decimal(50))
    assert {c.name for c in programme_2.categories.all()} >= {
        "Digitale Infrastruktur",
        "Endgeräte",
        "Anzeigegeräte",
    }


def test_allocation_is_federal_money_and_audited(schooltraeger, member_admin, programme_1):
    budget = _budget(schooltraeger, member_admin, programme_1, "12345.67")
    balance = _balance(schooltraeger, budget)
    assert balance.allocation == Decimal("12345.67")
    assert balance.remaining == Decimal("12345.67")
    with scopes_disabled():
        entry = LedgerEntry.objects.get(budget=budget)
        actions = set(
            AuditRecord.objects.filter(tenant=schooltraeger).values_list("action", flat=True)
        )
    assert (entry.federal_part, entry.own_part) == (Decimal("12345.67"), Decimal("0.00"))
    assert {"digitalpakt.budget_open", "digitalpakt.allocation"} <= actions


def test_charge_splits_the_call_off_by_the_programme_share(
    schooltraeger, member_admin, programme_1, market
):
    budget = _budget(schooltraeger, member_admin, programme_1)
    call_off = ordered(schooltraeger, (market["display"], 1))  # 3333.33
    entry = services.call_off_charge(
        tenant=schooltraeger, actor=member_admin, budget=budget, call_off=call_off, booked_on=DAY
    )
    assert entry.amount == Decimal("3333.33")
    assert entry.federal_part == Decimal("2999.99")  # 2999.997 rounded towards zero
    assert entry.own_part == Decimal("333.34")
    balance = _balance(schooltraeger, budget)
    assert balance.remaining == Decimal("10000.00") - Decimal("2999.99")
    assert balance.committed_own == Decimal("333.34")
    assert balance.reconciles()


def test_charge_refuses_ineligible_categories_by_name(
    schooltraeger, member_admin, programme_1, market
):
    budget = _budget(schooltraeger, member_admin, programme_1)
    call_off = ordered(schooltraeger, (market["notebook"], 1), (market["printer"], 2))
    with pytest.raises(ValidationError) as error:
        services.call_off_charge(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            call_off=call_off,
            booked_on=DAY,
        )
    message = error.value.message_dict["call_off"][0]
    assert "Nicht förderfähig" in message
    assert "Drucker (CPV 30232110-8)" in message
    assert "Notebook" not in message
    with scope(tenant=schooltraeger):
        assert not LedgerEntry.objects.filter(kind="commitment").exists()


def test_charge_refuses_beyond_the_remaining_budget_with_amounts(
    schooltraeger, member_admin, programme_2, market
):
    budget = _budget(schooltraeger, member_admin, programme_2, "1000.00")
    call_off = ordered(schooltraeger, (market["notebook"], 3))  # 2400.00, federal 1200.00
    with pytest.raises(ValidationError) as error:
        services.call_off_charge(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            call_off=call_off,
            booked_on=DAY,
        )
    message = error.value.message_dict["call_off"][0]
    assert "1.200,00 €" in message
    assert "1.000,00 €" in message
    assert _balance(schooltraeger, budget).committed == 0


def test_charge_only_once_and_only_decided_call_offs(
    schooltraeger, member_admin, programme_1, programme_2, market
):
    budget_1 = _budget(schooltraeger, member_admin, programme_1)
    budget_2 = _budget(schooltraeger, member_admin, programme_2)
    call_off = ordered(schooltraeger, (market["notebook"], 1))
    services.call_off_charge(
        tenant=schooltraeger, actor=member_admin, budget=budget_1, call_off=call_off, booked_on=DAY
    )
    with pytest.raises(ValidationError, match="bereits einem Programm belastet"):
        services.call_off_charge(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget_2,
            call_off=call_off,
            booked_on=DAY,
        )
    draft = ordered(schooltraeger, (market["notebook"], 1), status="draft")
    with pytest.raises(ValidationError, match="freigegebene oder bestellte"):
        services.call_off_charge(
            tenant=schooltraeger, actor=member_admin, budget=budget_1, call_off=draft, booked_on=DAY
        )


def test_released_commitment_can_be_charged_elsewhere(
    schooltraeger, member_admin, programme_1, programme_2, market
):
    budget_1 = _budget(schooltraeger, member_admin, programme_1)
    budget_2 = _budget(schooltraeger, member_admin, programme_2)
    call_off = ordered(schooltraeger, (market["notebook"], 1))
    services.call_off_charge(
        tenant=schooltraeger, actor=member_admin, budget=budget_1, call_off=call_off, booked_on=DAY
    )
    services.ledger_correct(
        tenant=schooltraeger,
        actor=member_admin,
        budget=budget_1,
        corrects="commitment",
        amount=Decimal("-800.00"),
        booked_on=DAY,
        text="Falsches Programm",
        call_off=call_off,
    )
    assert _balance(schooltraeger, budget_1).committed == 0
    assert _balance(schooltraeger, budget_1).remaining == Decimal("10000.00")
    services.call_off_charge(
        tenant=schooltraeger, actor=member_admin, budget=budget_2, call_off=call_off, booked_on=DAY
    )
    assert _balance(schooltraeger, budget_2).committed == Decimal("800.00")


def test_instalments_add_up_to_the_committed_shares_to_the_cent(
    schooltraeger, member_admin, programme_1, market
):
    budget = _budget(schooltraeger, member_admin, programme_1)
    call_off = ordered(schooltraeger, (market["display"], 1))  # 3333.33
    services.call_off_charge(
        tenant=schooltraeger, actor=member_admin, budget=budget, call_off=call_off, booked_on=DAY
    )
    for number, amount in enumerate(("1111.11", "1111.11", "1111.11"), start=1):
        services.payment_record(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            call_off=call_off,
            amount=Decimal(amount),
            booked_on=DAY,
            invoice_reference=f"RE-{number}",
        )
    balance = _balance(schooltraeger, budget)
    assert balance.paid == balance.committed == Decimal("3333.33")
    assert balance.paid_federal == balance.committed_federal == Decimal("2999.99")
    assert balance.paid_own == balance.committed_own == Decimal("333.34")
    assert balance.open_commitments == 0


def test_payment_beyond_the_open_commitment_is_refused(
    schooltraeger, member_admin, programme_1, market
):
    budget = _budget(schooltraeger, member_admin, programme_1)
    call_off = ordered(schooltraeger, (market["notebook"], 1))
    with pytest.raises(ValidationError, match="nicht belastet"):
        services.payment_record(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            call_off=call_off,
            amount=Decimal("1.00"),
            booked_on=DAY,
            invoice_reference="RE-1",
        )
    services.call_off_charge(
        tenant=schooltraeger, actor=member_admin, budget=budget, call_off=call_off, booked_on=DAY
    )
    with pytest.raises(ValidationError) as error:
        services.payment_record(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            call_off=call_off,
            amount=Decimal("800.01"),
            booked_on=DAY,
            invoice_reference="RE-1",
        )
    assert "800,00 €" in error.value.message_dict["amount"][0]
    with pytest.raises(ValidationError, match="Rechnungsnummer"):
        services.payment_record(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            call_off=call_off,
            amount=Decimal("1.00"),
            booked_on=DAY,
            invoice_reference="  ",
        )


def test_corrections_keep_the_sums_consistent(schooltraeger, member_admin, programme_1, market):
    budget = _budget(schooltraeger, member_admin, programme_1, "1000.00")
    call_off = ordered(schooltraeger, (market["notebook"], 1))  # 800, federal 720
    services.call_off_charge(
        tenant=schooltraeger, actor=member_admin, budget=budget, call_off=call_off, booked_on=DAY
    )
    common = {"tenant": schooltraeger, "actor": member_admin, "budget": budget, "booked_on": DAY}
    with pytest.raises(ValidationError, match="gebundenen Bundesmittel"):
        services.ledger_correct(
            **common, corrects="allocation", amount=Decimal("-300.00"), text="x"
        )
    with pytest.raises(ValidationError, match="Wert des Abrufs"):
        services.ledger_correct(
            **common, corrects="commitment", amount=Decimal("1.00"), text="x", call_off=call_off
        )
    with pytest.raises(ValidationError, match="mehr zurückgebucht"):
        services.ledger_correct(
            **common, corrects="payment", amount=Decimal("-1.00"), text="x", call_off=call_off
        )
    with pytest.raises(ValidationError, match="begründen"):
        services.ledger_correct(**common, corrects="allocation", amount=Decimal("5.00"), text=" ")
    services.ledger_correct(
        **common, corrects="allocation", amount=Decimal("-280.00"), text="Kürzung"
    )
    balance = _balance(schooltraeger, budget)
    assert balance.allocation == Decimal("720.00")
    assert balance.remaining == 0
    assert balance.reconciles()


def test_entries_are_append_only(schooltraeger, member_admin, programme_1):
    budget = _budget(schooltraeger, member_admin, programme_1)
    with scope(tenant=schooltraeger):
        entry = LedgerEntry.objects.get(budget=budget)
        with pytest.raises(LedgerEntryImmutableError):
            entry.save()
        with pytest.raises(LedgerEntryImmutableError):
            entry.delete()
        with pytest.raises(LedgerEntryImmutableError):
            LedgerEntry.objects.filter(budget=budget).update(amount=1)
        with pytest.raises(LedgerEntryImmutableError):
            LedgerEntry.objects.filter(budget=budget).delete()


def test_only_member_admins_and_staff_book(schooltraeger, clerk, staff, programme_1):
    with pytest.raises(PermissionDenied):
        services.budget_open(tenant=schooltraeger, actor=clerk, programme=programme_1)
    budget = services.budget_open(tenant=schooltraeger, actor=staff, programme=programme_1)
    services.budget_allocate(
        tenant=schooltraeger, actor=staff, budget=budget, amount=Decimal("5.00"), booked_on=DAY
    )
    with pytest.raises(PermissionDenied):
        services.budget_allocate(
            tenant=schooltraeger, actor=clerk, budget=budget, amount=Decimal("5.00"), booked_on=DAY
        )


def test_future_dates_and_zero_amounts_are_refused(schooltraeger, member_admin, programme_1):
    budget = _budget(schooltraeger, member_admin, programme_1, amount=None)
    with pytest.raises(ValidationError, match="Zukunft"):
        services.budget_allocate(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            amount=Decimal("5.00"),
            booked_on=datetime.date.today() + datetime.timedelta(days=2),
        )
    with pytest.raises(ValidationError, match="größer als 0"):
        services.budget_allocate(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            amount=Decimal("0"),
            booked_on=DAY,
        )
    with pytest.raises(ValidationError, match="Cent"):
        services.budget_allocate(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            amount=Decimal("1.005"),
            booked_on=DAY,
        )


def test_programme_changes_in_the_admin_are_audited(programme_2, staff, rf):
    from django.contrib import admin

    from openkommune.digitalpakt.admin import FundingProgrammeAdmin
    from openkommune.digitalpakt.models import FundingProgramme

    request = rf.post("/admin/")
    request.user = staff
    model_admin = FundingProgrammeAdmin(FundingProgramme, admin.site)
    programme_2.description = "Geändert für den Test"
    model_admin.save_model(request, programme_2, form=None, change=True)
    with scopes_disabled():
        record = AuditRecord.objects.get(action="digitalpakt.programme_change")
    assert record.before["description"] != record.after["description"]
    assert record.after["description"] == "Geändert für den Test"
    assert not model_admin.has_delete_permission(request, programme_2)


@pytest.mark.parametrize("status", ["cancelled", "approved"])
def test_payment_on_a_cancelled_or_never_ordered_call_off_is_refused(
    schooltraeger, member_admin, programme_1, market, status
):
    """Issue 19: a payment was accepted on a cancelled call-off that was never ordered."""
    budget = _budget(schooltraeger, member_admin, programme_1)
    call_off = ordered(schooltraeger, (market["notebook"], 1), status="approved")
    services.call_off_charge(
        tenant=schooltraeger, actor=member_admin, budget=budget, call_off=call_off, booked_on=DAY
    )
    with scopes_disabled():
        type(call_off).objects.filter(pk=call_off.pk).update(status=status)
        call_off.refresh_from_db()
        entries_before = LedgerEntry.objects.count()
    with pytest.raises(ValidationError, match="nur auf bestellte Abrufe"):
        services.payment_record(
            tenant=schooltraeger,
            actor=member_admin,
            budget=budget,
            call_off=call_off,
            amount=Decimal("1.00"),
            booked_on=DAY,
            invoice_reference="RE-1",
        )
    with scopes_disabled():
        assert LedgerEntry.objects.count() == entries_before
    assert _balance(schooltraeger, budget).paid_federal == 0
