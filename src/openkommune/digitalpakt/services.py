"""State changes of the DigitalPakt ledger. Each is atomic, audited and append-only.

Convention: `<entity>_<verb>(*, tenant, actor, ...)` with `tenant` the Schulträger. The
actor must be cooperative staff or a member administrator of the tenant (`actor=None` is the
system). Writes of one budget are serialised by locking the budget row, so two bookings at
the same moment cannot both spend the last euro.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.formatting import format_money
from openkommune.digitalpakt.constants import (
    CHARGEABLE_CALL_OFF_STATUSES,
    CorrectedKind,
    EntryKind,
)
from openkommune.digitalpakt.ledger import ZERO, cents, split_cumulative
from openkommune.digitalpakt.models import (
    FundingCategory,
    FundingProgramme,
    LedgerEntry,
    SchoolAuthorityBudget,
)
from openkommune.digitalpakt.selectors import (
    budget_balance,
    call_off_totals,
    charged_call_off_ids,
    ineligible_lines,
    user_may_book,
)
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CallOff
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import require_cooperative_staff
from openkommune.tenancy.services import audit_record, save_audited

ENTRY_FIELDS = (
    "budget",
    "kind",
    "counts_as",
    "amount",
    "federal_part",
    "own_part",
    "booked_on",
    "call_off",
    "supplier_name",
    "invoice_reference",
    "notice_reference",
    "text",
)


def _require_booker(actor, tenant: Organisation) -> None:
    if actor is not None and not user_may_book(actor, tenant=tenant):
        raise PermissionDenied(
            _("Buchungen nehmen die Mitgliedsverwaltung oder die Genossenschaft vor.")
        )


def _check_date(booked_on: datetime.date, field: str = "booked_on") -> None:
    if booked_on > timezone.localdate():
        raise ValidationError({field: _("Das Buchungsdatum liegt in der Zukunft.")})


def _locked_budget(tenant: Organisation, budget: SchoolAuthorityBudget) -> SchoolAuthorityBudget:
    # Re-read in the tenant's scope: another tenant's budget raises DoesNotExist.
    return (
        SchoolAuthorityBudget.objects.select_for_update()
        .select_related("programme")
        .get(tenant=tenant, pk=budget.pk)
    )


def _locked_call_off(tenant: Organisation, call_off: CallOff) -> CallOff:
    return CallOff.objects.select_related("supplier").get(tenant=tenant, pk=call_off.pk)


def _append(
    *,
    tenant: Organisation,
    actor,
    budget: SchoolAuthorityBudget,
    kind: str,
    amount: Decimal,
    booked_on: datetime.date,
    call_off: CallOff | None = None,
    invoice_reference: str = "",
    notice_reference: str = "",
    text: str = "",
    counts_as: str | None = None,
) -> LedgerEntry:
    """Split the amount by the programme's rule and append the entry with its audit record.
    An entry adds to the sums of its own kind; a correction names the kind in `counts_as`."""
    counts_as = counts_as or CorrectedKind(kind)
    if counts_as == CorrectedKind.ALLOCATION:
        federal, own = amount, ZERO
    else:
        before = call_off_totals(budget, call_off)[counts_as]
        federal, own = split_cumulative(
            before=before, amount=amount, federal_percent=budget.programme.federal_share
        )
    entry = LedgerEntry(
        tenant=tenant,
        budget=budget,
        kind=kind,
        counts_as=counts_as,
        amount=amount,
        federal_part=federal,
        own_part=own,
        booked_on=booked_on,
        call_off=call_off,
        supplier_name=call_off.supplier.name if call_off is not None else "",
        invoice_reference=invoice_reference,
        notice_reference=notice_reference,
        text=text,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    return save_audited(
        entry, tenant=tenant, actor=actor, action=f"digitalpakt.{kind}", fields=ENTRY_FIELDS
    )


def _require_federal_money(budget, *, committed, amount, remaining, field: str) -> None:
    """Refuse committing `amount` more to a call-off (`committed` so far) when its federal
    part exceeds the federal money the budget has left."""
    federal, _own = split_cumulative(
        before=committed, amount=amount, federal_percent=budget.programme.federal_share
    )
    if federal > remaining:
        raise ValidationError(
            {field: _("Das Budget reicht nicht: Der Bundesanteil beträgt %(federal)s, "
                      "verfügbar sind noch %(remaining)s.")
             % {"federal": format_money(federal), "remaining": format_money(remaining)}}
        )  # fmt: skip


def _positive_amount(amount, field: str = "amount") -> Decimal:
    try:
        value = cents(amount)
    except (ValueError, ArithmeticError) as error:
        raise ValidationError({field: _("Bitte einen Betrag in Euro mit Cent angeben.")}) from error
    if value <= 0:
        raise ValidationError({field: _("Der Betrag muss größer als 0 sein.")})
    return value


@transaction.atomic
def budget_open(
    *, tenant: Organisation, actor, programme: FundingProgramme
) -> SchoolAuthorityBudget:
    """The tenant's budget in the programme, created on first use (audited then)."""
    _require_booker(actor, tenant)
    if tenant.is_cooperative:
        raise ValidationError(_("Die Genossenschaft selbst ist kein Schulträger."))
    if not programme.is_active:
        raise ValidationError({"programme": _("Dieses Förderprogramm ist nicht aktiv.")})
    with scope(tenant=tenant):
        budget, created = SchoolAuthorityBudget.objects.get_or_create(
            tenant=tenant, programme=programme
        )
    if created:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="digitalpakt.budget_open",
            obj=budget,
            after={"programme": programme.code},
        )
    return budget


@transaction.atomic
def budget_allocate(
    *,
    tenant: Organisation,
    actor,
    budget: SchoolAuthorityBudget,
    amount,
    booked_on: datetime.date,
    text: str = "",
    notice_reference: str = "",
) -> LedgerEntry:
    """Book (more) federal money allocated to the Schulträger in this programme, with the
    reference of the funding notice (Zuwendungsbescheid) for the proof of use."""
    _require_booker(actor, tenant)
    amount = _positive_amount(amount)
    _check_date(booked_on)
    with scope(tenant=tenant):
        budget = _locked_budget(tenant, budget)
        return _append(
            tenant=tenant,
            actor=actor,
            budget=budget,
            kind=EntryKind.ALLOCATION,
            amount=amount,
            booked_on=booked_on,
            notice_reference=notice_reference.strip(),
            text=text or _("Zuweisung"),
        )


@transaction.atomic
def call_off_charge(
    *,
    tenant: Organisation,
    actor,
    budget: SchoolAuthorityBudget,
    call_off: CallOff,
    booked_on: datetime.date,
) -> LedgerEntry:
    """Charge an approved or ordered call-off to the programme: a commitment of its total.

    Refused when the call-off is charged already, contains an article outside the
    programme's eligible categories, or its federal part exceeds the remaining budget.
    """
    _require_booker(actor, tenant)
    _check_date(booked_on)
    with scope(tenant=tenant):
        budget = _locked_budget(tenant, budget)
        call_off = _locked_call_off(tenant, call_off)
        programme = budget.programme
        if call_off.status not in CHARGEABLE_CALL_OFF_STATUSES:
            raise ValidationError(
                {"call_off": _("Nur freigegebene oder bestellte Abrufe können belastet werden.")}
            )
        if call_off.pk in charged_call_off_ids(tenant=tenant):
            raise ValidationError(
                {"call_off": _("Der Abruf %(ref)s ist bereits einem Programm belastet.")
                 % {"ref": call_off.reference}}
            )  # fmt: skip
        if not programme.covers(booked_on):
            raise ValidationError(
                {"booked_on": _("Das Datum liegt außerhalb der Laufzeit von %(name)s.")
                 % {"name": programme.name}}
            )  # fmt: skip
        bad = ineligible_lines(programme, call_off)
        if bad:
            names = "; ".join(
                f"{line.item.article_number} {line.item.description} (CPV {line.item.cpv_code})"
                for line in bad
            )
            raise ValidationError(
                {"call_off": _("Nicht förderfähig in %(name)s – diese Positionen gehören zu "
                               "keiner förderfähigen Kategorie: %(lines)s.")
                 % {"name": programme.name, "lines": names}}
            )  # fmt: skip
        amount = cents(call_off.total)
        if amount <= 0:
            raise ValidationError({"call_off": _("Der Abruf hat keinen Betrag.")})
        _require_federal_money(
            budget,
            committed=call_off_totals(budget, call_off)["commitment"],
            amount=amount,
            remaining=budget_balance(budget).remaining,
            field="call_off",
        )
        return _append(
            tenant=tenant,
            actor=actor,
            budget=budget,
            kind=EntryKind.COMMITMENT,
            amount=amount,
            booked_on=booked_on,
            call_off=call_off,
            text=_("Abruf %(ref)s") % {"ref": call_off.reference},
        )


@transaction.atomic
def payment_record(
    *,
    tenant: Organisation,
    actor,
    budget: SchoolAuthorityBudget,
    call_off: CallOff,
    amount,
    booked_on: datetime.date,
    invoice_reference: str,
    text: str = "",
) -> LedgerEntry:
    """Book a payment of an invoice for a charged call-off (at most its open commitment)."""
    _require_booker(actor, tenant)
    amount = _positive_amount(amount)
    _check_date(booked_on)
    invoice_reference = invoice_reference.strip()
    if not invoice_reference:
        raise ValidationError({"invoice_reference": _("Bitte die Rechnungsnummer angeben.")})
    with scope(tenant=tenant):
        budget = _locked_budget(tenant, budget)
        call_off = _locked_call_off(tenant, call_off)
        if call_off.status != CallOffStatus.ORDERED:
            # An invoice exists only for goods ordered: a cancelled (or only approved,
            # never ordered) call-off cannot be paid (issue 19).
            raise ValidationError(
                {"call_off": _("Der Abruf %(ref)s ist im Status „%(status)s“: Zahlungen "
                               "werden nur auf bestellte Abrufe gebucht.")
                 % {"ref": call_off.reference, "status": call_off.get_status_display()}}
            )  # fmt: skip
        totals = call_off_totals(budget, call_off)
        open_amount = totals["commitment"] - totals["payment"]
        if totals["commitment"] <= 0:
            raise ValidationError({"call_off": _("Der Abruf ist diesem Budget nicht belastet.")})
        if amount > open_amount:
            raise ValidationError(
                {"amount": _("Die Zahlung übersteigt die offene Bindung des Abrufs "
                             "(%(open)s).") % {"open": format_money(open_amount)}}
            )  # fmt: skip
        return _append(
            tenant=tenant,
            actor=actor,
            budget=budget,
            kind=EntryKind.PAYMENT,
            amount=amount,
            booked_on=booked_on,
            call_off=call_off,
            invoice_reference=invoice_reference,
            text=text or _("Rechnung %(ref)s") % {"ref": invoice_reference},
        )


@transaction.atomic
def ledger_correct(
    *,
    tenant: Organisation,
    actor,
    budget: SchoolAuthorityBudget,
    corrects: str,
    amount,
    booked_on: datetime.date,
    text: str,
    call_off: CallOff | None = None,
    invoice_reference: str = "",
) -> LedgerEntry:
    """A signed correction of the allocation, a call-off's commitment or its payments.

    The corrected sums must stay consistent: allocation ≥ committed federal money,
    0 ≤ paid ≤ committed ≤ call-off total for the call-off.
    """
    _require_booker(actor, tenant)
    corrects = CorrectedKind(corrects)
    try:
        amount = cents(amount)
    except (ValueError, ArithmeticError) as error:
        raise ValidationError(
            {"amount": _("Bitte einen Betrag in Euro mit Cent angeben.")}
        ) from error
    if amount == 0:
        raise ValidationError({"amount": _("Eine Korrektur um 0 € ändert nichts.")})
    _check_date(booked_on)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Bitte begründen Sie die Korrektur.")})
    with scope(tenant=tenant):
        budget = _locked_budget(tenant, budget)
        balance = budget_balance(budget)
        if corrects == CorrectedKind.ALLOCATION:
            if call_off is not None:
                raise ValidationError({"call_off": _("Eine Zuweisung gehört zu keinem Abruf.")})
            if balance.allocation + amount < balance.committed_federal:
                raise ValidationError(
                    {"amount": _("Die Zuweisung darf nicht unter die gebundenen Bundesmittel "
                                 "(%(federal)s) sinken.")
                     % {"federal": format_money(balance.committed_federal)}}
                )  # fmt: skip
        else:
            if call_off is None:
                raise ValidationError({"call_off": _("Bitte den Abruf wählen.")})
            call_off = _locked_call_off(tenant, call_off)
            if not LedgerEntry.objects.filter(budget=budget, call_off=call_off).exists():
                raise ValidationError(
                    {"call_off": _("Der Abruf ist diesem Budget nicht belastet.")}
                )
            totals = call_off_totals(budget, call_off)
            committed, paid = totals["commitment"], totals["payment"]
            if corrects == CorrectedKind.COMMITMENT:
                committed += amount
                if committed > cents(call_off.total):
                    raise ValidationError(
                        {"amount": _("Die Bindung darf den Wert des Abrufs (%(total)s) nicht "
                                     "übersteigen.") % {"total": format_money(call_off.total)}}
                    )  # fmt: skip
                if amount > 0:
                    _require_federal_money(
                        budget,
                        committed=totals["commitment"],
                        amount=amount,
                        remaining=balance.remaining,
                        field="amount",
                    )
            else:
                paid += amount
            if paid < 0:
                raise ValidationError(
                    {"amount": _("Es würde mehr zurückgebucht als gezahlt wurde.")}
                )
            if paid > committed:
                raise ValidationError(
                    {"amount": _("Die Zahlungen dürfen die Bindung des Abrufs nicht "
                                 "übersteigen (gebunden %(committed)s, gezahlt %(paid)s).")
                     % {"committed": format_money(committed), "paid": format_money(paid)}}
                )  # fmt: skip
        return _append(
            tenant=tenant,
            actor=actor,
            budget=budget,
            kind=EntryKind.CORRECTION,
            counts_as=corrects,
            amount=amount,
            booked_on=booked_on,
            call_off=call_off,
            invoice_reference=invoice_reference.strip(),
            text=text,
        )


# --- funding categories (the cooperative's staff; before: only in the admin) -------------------

_CPV_PREFIX = re.compile(r"^[0-9]{2,8}$")


def _category_problem(name: str, prefixes: list[str]) -> dict:
    errors = {}
    if not name:
        errors["name"] = _("Bitte geben Sie einen Namen an.")
    if not prefixes:
        errors["cpv_prefixes"] = _("Bitte geben Sie mindestens ein CPV-Präfix an.")
    bad = [p for p in prefixes if not _CPV_PREFIX.fullmatch(p)]
    if bad:
        errors["cpv_prefixes"] = _(
            "„%(bad)s“ ist kein CPV-Präfix: 2 bis 8 Ziffern ohne Prüfziffer, z. B. 30213."
        ) % {"bad": ", ".join(bad)}
    return errors


@transaction.atomic
def funding_category_save(
    *, actor, programme: FundingProgramme, name: str, cpv_prefixes: list[str], category=None
) -> FundingCategory:
    """Create or change a category of what the programme funds; audited (no tenant)."""
    require_cooperative_staff(actor, _("Förderkategorien pflegt die Genossenschaft."))
    name = name.strip()
    prefixes = [p.strip() for p in cpv_prefixes if p.strip()]
    errors = _category_problem(name, prefixes)
    clash = FundingCategory.objects.filter(programme=programme, name=name)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if name and clash.exists():
        errors["name"] = _("Diese Kategorie gibt es im Programm schon.")
    if errors:
        raise ValidationError(errors)
    before = None
    if category is None:
        category = FundingCategory(programme=programme)
    else:
        category = FundingCategory.objects.select_for_update().get(pk=category.pk)
        before = {"name": category.name, "cpv_prefixes": list(category.cpv_prefixes)}
    category.name = name
    category.cpv_prefixes = prefixes
    category.save()
    audit_record(
        tenant=None,
        actor=actor,
        action="funding_category.update" if before else "funding_category.create",
        obj=category,
        before=before,
        after={"programme": programme.name, "name": name, "cpv_prefixes": prefixes},
    )
    return category


@transaction.atomic
def funding_category_delete(*, actor, category: FundingCategory) -> None:
    require_cooperative_staff(actor, _("Förderkategorien pflegt die Genossenschaft."))
    category = FundingCategory.objects.select_for_update().get(pk=category.pk)
    audit_record(
        tenant=None,
        actor=actor,
        action="funding_category.delete",
        obj=category,
        before={"name": category.name, "cpv_prefixes": list(category.cpv_prefixes)},
    )
    category.delete()
