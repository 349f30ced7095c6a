"""State changes of call-offs (Abrufe) and the member's procurement settings.

Flow: draft (the cart, one per contract and supplier) → submit (every guard) → awaiting
approval when the total is above the member's approval threshold, else approved → order
(guards again; the order PDF is then available and e-mailed to the supplier, see
`order_mail`). A draft or a not yet ordered call-off can be cancelled; a rejected one is
closed.

Who: people of the member with the role clerk or member_admin call off. A draft belongs
to the person who created it; only they and the people they share it with explicitly change
it. Every change records its author (per line: added by, last changed by; per call-off: the
contributors and the submitter). Only a member_admin approves, and never one who changed the
call-off (four-eyes principle); when the member has no such administrator, the cooperative
decides (deputy rule). A raise of the approval threshold waits for a second person. Every
function takes the tenant first, runs atomically and writes an audit record to the member's
trail; a refusal changes nothing and is recorded too (`call_off.refused`).
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.procurement import notifications
from openkommune.procurement.constants import (
    CALL_OFF_REFERENCE_PREFIX,
    CallOffStatus,
)
from openkommune.procurement.models import (
    CallOff,
    CallOffLine,
    CatalogItem,
    FrameworkContract,
    MemberProcurementSettings,
    Supplier,
)
from openkommune.procurement.order_mail import order_mail_owe
from openkommune.procurement.pricing import money
from openkommune.procurement.selectors import (
    call_off_guards,
    call_off_lines,
    draft_for,
    is_registered_caller,
    line_total,
    may_call_off,
    procurement_settings,
    today,
    unit_price_for,
)
from openkommune.procurement.xrechnung import leitweg_id_problem
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Membership, Organisation
from openkommune.tenancy.scoping import scope, scopes_disabled
from openkommune.tenancy.selectors import (
    acts_for_cooperative,
    require_cooperative_staff,
    user_roles,
)
from openkommune.tenancy.services import audit_record, reject_unknown_fields, snapshot

CALLER_ROLES = {Role.CLERK, Role.MEMBER_ADMIN}
APPROVER_ROLE = Role.MEMBER_ADMIN
STATE_FIELDS = ("status", "total", "quantity_total", "threshold_class", "warnings")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class CallOffRefused(ValidationError):
    """A guard refused the call-off; `messages` holds every reason (German)."""


def _require_role(actor, tenant: Organisation, roles: set[str], message: str) -> None:
    if actor is None:
        return
    if not (user_roles(actor, tenant=tenant) & {str(r) for r in roles}):
        raise PermissionDenied(message)


def _require_caller(actor, tenant: Organisation) -> None:
    _require_role(
        actor, tenant, CALLER_ROLES, _("Nur Beschäftigte des Mitglieds dürfen Abrufe bearbeiten.")
    )


def _locked(tenant: Organisation, call_off: CallOff) -> CallOff:
    """Re-read the call-off in the tenant's scope, locked: another tenant's is missing."""
    with scope(tenant=tenant):
        return (
            CallOff.objects.select_for_update()
            .select_related("contract", "supplier", "tenant")
            .get(pk=call_off.pk, tenant=tenant)
        )


def _person(actor):
    return actor if actor is not None and actor.is_authenticated else None


class Refused(PermissionDenied):
    """A control refused the change (four eyes, draft ownership, threshold); `obj` is what
    it was about. The service's transaction is rolled back; `records_refusals` then writes
    the refusal to the member's audit trail."""

    def __init__(self, message: str, obj):
        super().__init__(message)
        self.message = message
        self.obj = obj


def records_refusals(func):
    """Outside the service's transaction: a `Refused` leaves an audit record
    (`procurement.refused`, naming the service and the German reason) and is re-raised."""

    @functools.wraps(func)
    def wrapper(*args, tenant, actor, **kwargs):
        try:
            return func(*args, tenant=tenant, actor=actor, **kwargs)
        except Refused as error:
            audit_record(
                tenant=tenant,
                actor=actor,
                action="procurement.refused",
                obj=error.obj,
                after={"service": func.__name__, "reason": error.message},
            )
            raise

    return wrapper


def may_edit(call_off: CallOff, actor) -> bool:
    """The owner (creator) and the people the draft is shared with; the system always."""
    person = _person(actor)
    if actor is None:
        return True
    if person is None:
        return False
    return call_off.created_by_id == person.pk or call_off.shared_with.filter(pk=person.pk).exists()


def _locked_draft(tenant: Organisation, actor, call_off: CallOff) -> CallOff:
    """The caller's draft, re-read and locked for a change (a draft only, of its owner or
    shared with the caller)."""
    _require_caller(actor, tenant)
    call_off = _locked(tenant, call_off)
    _require_status(call_off, CallOffStatus.DRAFT)
    if not may_edit(call_off, actor):
        owner = call_off.created_by
        raise Refused(
            _(
                "Der Entwurf %(reference)s gehört %(owner)s. Ändern können ihn nur diese Person "
                "und die, mit denen sie ihn ausdrücklich teilt."
            )
            % {
                "reference": call_off.reference,
                "owner": str(owner) if owner else _("einer anderen Person"),
            },
            call_off,
        )
    return call_off


def _contributed(call_off: CallOff, actor) -> None:
    person = _person(actor)
    if person is not None:
        call_off.contributors.add(person)


def _require_status(call_off: CallOff, *allowed: str) -> None:
    if call_off.status not in allowed:
        raise ValidationError(
            _("Der Abruf %(reference)s ist im Status „%(status)s“; das ist jetzt nicht möglich.")
            % {"reference": call_off.reference, "status": call_off.get_status_display()}
        )


def _audit(tenant, actor, action: str, call_off: CallOff, before=None) -> None:
    after = snapshot(call_off, STATE_FIELDS)
    audit_record(
        tenant=tenant,
        actor=actor,
        action=action,
        obj=call_off,
        before=before,
        after=after,
    )


def _new_reference() -> str:
    year = timezone.localdate().year
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        reference = f"{CALL_OFF_REFERENCE_PREFIX}-{year}-{code}"
        # Uniqueness is global; only existence is read, nothing of the other tenant.
        with scopes_disabled():
            if not CallOff.objects.filter(reference=reference).exists():
                return reference


def _recalculate(call_off: CallOff) -> None:
    """Prices from the current tiers, totals from the lines (drafts follow price changes;
    from submission on the lines keep their prices)."""
    total, quantity = Decimal("0.00"), 0
    for line in call_off_lines(call_off):
        line.line_total = line_total(line.item, line.quantity)
        # For incremental tiers the line shows the average unit price; the total is exact.
        line.unit_price = money(line.line_total / line.quantity)
        line.save(update_fields=["line_total", "unit_price"])
        total += line.line_total
        quantity += line.quantity
    call_off.total = total
    call_off.quantity_total = quantity


@transaction.atomic
def call_off_create(
    *, tenant: Organisation, actor, contract: FrameworkContract, supplier: Supplier
) -> CallOff:
    """An empty draft for the contract and supplier (the cart)."""
    _require_caller(actor, tenant)
    if not tenant.is_cooperative and not is_registered_caller(tenant):
        raise PermissionDenied(
            _(
                "%(member)s ist heute kein Mitglied der Genossenschaft (laut "
                "Mitgliederverzeichnis) und keine von einem Mitglied benannte Stelle; "
                "abrufen dürfen nur Mitglieder."
            )
            % {"member": tenant.name}
        )
    if not may_call_off(contract, tenant):
        raise PermissionDenied(
            _("%(member)s ist im Rahmenvertrag %(number)s nicht als abrufberechtigt genannt.")
            % {"member": tenant.name, "number": contract.number}
        )
    if not contract.suppliers.filter(pk=supplier.pk).exists():
        raise ValidationError(_("Der Lieferant ist nicht Partner dieses Rahmenvertrags."))
    with scope(tenant=tenant):
        settings_row = procurement_settings(tenant=tenant)
        call_off = CallOff.objects.create(
            tenant=tenant,
            reference=_new_reference(),
            contract=contract,
            supplier=supplier,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            delivery_address=settings_row.default_delivery_address,
            is_demo=tenant.is_demo or contract.is_demo,
        )
        _contributed(call_off, actor)
    _audit(tenant, actor, "call_off.create", call_off)
    return call_off


@dataclass(frozen=True)
class AwardedLine:
    """A line of a call-off the cooperative makes from an awarded bundling round: the price
    is the round's (the tier the bundled quantity reached), not the member's own tier."""

    item: CatalogItem
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@transaction.atomic
def call_off_create_awarded(
    *,
    tenant: Organisation,
    actor,
    contract: FrameworkContract,
    supplier: Supplier,
    lines: list[AwardedLine],
    origin: str,
    contributors=(),
    settlement: Decimal | None = None,
) -> CallOff:
    """A binding call-off of the member from a bundling round, made by the cooperative
    (`bundling.services.round_award`): the lines keep the awarded prices; every guard runs
    (member register, caller rule, term, items, volume including this call-off; refused →
    CallOffRefused). The member's four eyes still hold: above its approval threshold the
    call-off waits for a member administrator who did not report the demand
    (`contributors`, the people who entered it); otherwise it is approved. The member then
    orders it as any other. `settlement`: the member's settlement for these lines (cost
    share minus tier-price cost, ADR 0045), stored and shown with the call-off."""
    require_cooperative_staff(actor, _("Abrufe aus Bündelungsrunden erstellt die Genossenschaft."))
    if not lines:
        raise ValidationError(_("Ein Abruf braucht mindestens eine Position."))
    for line in lines:
        if line.item.contract_id != contract.pk or line.item.supplier_id != supplier.pk:
            raise ValidationError(
                _("Der Artikel %(article)s gehört nicht zu diesem Vertrag und Lieferanten.")
                % {"article": line.item.article_number}
            )
        if line.quantity < 1 or money(line.unit_price * line.quantity) != line.line_total:
            raise ValidationError(
                _("Menge, Stückpreis und Positionswert von %(article)s passen nicht zusammen.")
                % {"article": line.item.article_number}
            )
    now = timezone.now()
    with scope(tenant=tenant):
        settings_row = procurement_settings(tenant=tenant)
        call_off = CallOff.objects.create(
            tenant=tenant,
            reference=_new_reference(),
            contract=contract,
            supplier=supplier,
            created_by=_person(actor),
            delivery_address=settings_row.default_delivery_address,
            origin=origin[:300],
            round_settlement=settlement,
            is_demo=tenant.is_demo or contract.is_demo,
        )
        for line in lines:
            CallOffLine.objects.create(
                tenant=tenant,
                call_off=call_off,
                item=line.item,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
                added_by=_person(actor),
                changed_by=_person(actor),
            )
        call_off.total = sum((line.line_total for line in lines), Decimal("0.00"))
        call_off.quantity_total = sum(line.quantity for line in lines)
        _run_guards(call_off)
        people = [person for person in contributors if person is not None]
        if people:
            call_off.contributors.add(*people)
    call_off.submitted_at = now
    call_off.submitted_by = _person(actor)
    if call_off.total > settings_row.approval_threshold:
        call_off.status = CallOffStatus.AWAITING_APPROVAL
    else:
        call_off.status = CallOffStatus.APPROVED
        call_off.approved_at = now
    call_off.save()
    _audit(tenant, actor, "call_off.award", call_off)
    _notify_committed(tenant, call_off)
    return call_off


def _lines_changed(tenant: Organisation, actor, call_off: CallOff, action: str) -> CallOff:
    """After a change of the lines: prices and totals again, the author recorded as a
    contributor, saved and audited."""
    with scope(tenant=tenant):
        _recalculate(call_off)
        _contributed(call_off, actor)
    call_off.save()
    _audit(tenant, actor, action, call_off)
    return call_off


@records_refusals
@transaction.atomic
def call_off_add_line(
    *,
    tenant: Organisation,
    actor,
    item: CatalogItem,
    quantity: int,
    call_off: CallOff | None = None,
) -> CallOff:
    """Put `quantity` of the item into the caller's own draft for its contract and supplier
    (created when missing), or into `call_off`, a draft the caller owns or that is shared
    with them; an item already in the cart gets the quantity added."""
    _require_caller(actor, tenant)
    if quantity < 1:
        raise ValidationError({"quantity": _("Bitte eine Menge von mindestens 1 angeben.")})
    on = today()
    if not item.is_active or not item.is_valid_on(on) or not item.contract.is_in_term(on):
        raise ValidationError(_("Dieser Artikel ist heute nicht abrufbar."))
    if call_off is not None:
        call_off = _locked_draft(tenant, actor, call_off)
        if call_off.contract_id != item.contract_id or call_off.supplier_id != item.supplier_id:
            raise ValidationError(
                _("Der Artikel gehört nicht zu Rahmenvertrag und Lieferant dieses Abrufs.")
            )
    else:
        with scope(tenant=tenant):
            call_off = draft_for(
                tenant=tenant, owner=actor, contract=item.contract, supplier=item.supplier
            )
        if call_off is None:
            call_off = call_off_create(
                tenant=tenant, actor=actor, contract=item.contract, supplier=item.supplier
            )
        call_off = _locked(tenant, call_off)
    person = _person(actor)
    with scope(tenant=tenant):
        line = CallOffLine.objects.filter(call_off=call_off, item=item).first()
        if line is None:
            price = unit_price_for(item, quantity)
            CallOffLine.objects.create(
                tenant=tenant,
                call_off=call_off,
                item=item,
                quantity=quantity,
                unit_price=price,
                line_total=price * quantity,
                added_by=person,
                changed_by=person,
            )
        else:
            line.quantity += quantity
            line.changed_by = person
            line.save(update_fields=["quantity", "changed_by"])
    return _lines_changed(tenant, actor, call_off, "call_off.add_line")


@records_refusals
@transaction.atomic
def call_off_line_update(
    *, tenant: Organisation, actor, call_off: CallOff, item: CatalogItem, quantity: int
) -> CallOff:
    def set_quantity(line):
        if quantity < 1:
            raise ValidationError({"quantity": _("Bitte eine Menge von mindestens 1 angeben.")})
        line.quantity = quantity
        line.changed_by = _person(actor)
        line.save(update_fields=["quantity", "changed_by"])

    return _line_change(tenant, actor, call_off, item, set_quantity, "call_off.update_line")


@records_refusals
@transaction.atomic
def call_off_line_remove(
    *, tenant: Organisation, actor, call_off: CallOff, item: CatalogItem
) -> CallOff:
    return _line_change(tenant, actor, call_off, item, CallOffLine.delete, "call_off.remove_line")


def _line_change(tenant, actor, call_off: CallOff, item: CatalogItem, change, action: str):
    """`change(line)` on the line of `item` in the draft `call_off` (locked), then the
    totals and the audit record (`action`) of `_lines_changed`."""
    call_off = _locked_draft(tenant, actor, call_off)
    with scope(tenant=tenant):
        change(CallOffLine.objects.get(call_off=call_off, item=item))
    return _lines_changed(tenant, actor, call_off, action)


@records_refusals
@transaction.atomic
def call_off_update_details(
    *,
    tenant: Organisation,
    actor,
    call_off: CallOff,
    buyer_reference: str,
    delivery_address: str,
    note: str,
) -> CallOff:
    call_off = _locked_draft(tenant, actor, call_off)
    before = snapshot(call_off, ("buyer_reference", "delivery_address", "note"))
    call_off.buyer_reference = buyer_reference.strip()
    call_off.delivery_address = delivery_address.strip()
    call_off.note = note.strip()
    call_off.full_clean(
        exclude=["tenant", "contract", "supplier", "created_by", "approved_by", "submitted_by"]
    )
    call_off.save()
    with scope(tenant=tenant):
        _contributed(call_off, actor)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="call_off.update_details",
        obj=call_off,
        before=before,
        after=snapshot(call_off, ("buyer_reference", "delivery_address", "note")),
    )
    return call_off


def _run_guards(call_off: CallOff) -> None:
    # Lock the contract: concurrent call-offs under it wait, so two of them cannot both
    # pass the maximum check on the same remaining volume.
    call_off.contract = FrameworkContract.objects.select_for_update().get(pk=call_off.contract_id)
    result = call_off_guards(call_off)
    if not result.ok:
        raise CallOffRefused(result.errors)
    call_off.threshold_class = result.threshold_class
    call_off.warnings = result.warnings


@records_refusals
@transaction.atomic
def call_off_submit(*, tenant: Organisation, actor, call_off: CallOff) -> CallOff:
    """Run every guard; refused → CallOffRefused (nothing changes). Then awaiting approval
    when the total is above the member's threshold, else approved."""
    call_off = _locked_draft(tenant, actor, call_off)
    before = snapshot(call_off, STATE_FIELDS)
    with scope(tenant=tenant):
        _recalculate(call_off)
        _run_guards(call_off)
        threshold = procurement_settings(tenant=tenant).approval_threshold
    call_off.submitted_at = timezone.now()
    call_off.submitted_by = _person(actor)
    with scope(tenant=tenant):
        _contributed(call_off, actor)
    if call_off.total > threshold:
        call_off.status = CallOffStatus.AWAITING_APPROVAL
    else:
        call_off.status = CallOffStatus.APPROVED
        call_off.approved_at = call_off.submitted_at
    call_off.save()
    _audit(tenant, actor, "call_off.submit", call_off, before=before)
    _notify_committed(tenant, call_off)
    return call_off


def _notify_committed(tenant: Organisation, call_off: CallOff) -> None:
    """E-mails owed once a call-off commits volume: approval waiting, volume at 80 %."""
    if call_off.status == CallOffStatus.AWAITING_APPROVAL:
        notifications.approval_waiting_owe(
            call_off=call_off, approvers=eligible_approvers(tenant, call_off)
        )
    notifications.volume_warning_owe(contract=call_off.contract)


def member_admins(tenant: Organisation) -> list:
    """The member's administrators (the approvers)."""
    with scope(tenant=tenant):
        return [
            m.user
            for m in Membership.objects.filter(tenant=tenant, role=APPROVER_ROLE).select_related(
                "user"
            )
            if m.user.is_active
        ]


def eligible_approvers(tenant: Organisation, call_off: CallOff) -> list:
    """Member administrators who did not change the call-off: the people who may approve."""
    with scope(tenant=tenant):
        changed = set(call_off.contributors.values_list("pk", flat=True))
    changed |= {call_off.created_by_id, call_off.submitted_by_id} - {None}
    return [user for user in member_admins(tenant) if user.pk not in changed]


def needs_deputy(tenant: Organisation, call_off: CallOff) -> bool:
    """Awaiting approval and no member administrator may decide it (e.g. a member with one
    administrator who changed it): the cooperative decides as deputy."""
    return call_off.status == CallOffStatus.AWAITING_APPROVAL and not eligible_approvers(
        tenant, call_off
    )


def _require_approver(actor, tenant: Organisation, call_off: CallOff) -> None:
    if actor is None:
        return
    is_admin = str(APPROVER_ROLE) in user_roles(actor, tenant=tenant)
    if not is_admin:
        if acts_for_cooperative(actor) and needs_deputy(tenant, call_off):
            return  # deputy rule: the cooperative resolves a stuck approval
        if acts_for_cooperative(actor):
            raise Refused(
                _(
                    "Die Genossenschaft entscheidet nur stellvertretend, wenn beim Mitglied "
                    "niemand aus der Mitgliedsverwaltung freigeben darf."
                ),
                call_off,
            )
        raise PermissionDenied(
            _("Nur die Mitgliedsverwaltung darf Abrufe freigeben oder ablehnen.")
        )
    with scope(tenant=tenant):
        changed = set(call_off.contributors.values_list("pk", flat=True))
    changed |= {call_off.created_by_id, call_off.submitted_by_id} - {None}
    if actor.pk in changed:
        raise Refused(
            _(
                "Vier-Augen-Prinzip: Sie haben diesen Abruf selbst angelegt, geändert oder "
                "eingereicht. Freigeben oder ablehnen muss ihn eine andere Person."
            ),
            call_off,
        )


@records_refusals
@transaction.atomic
def call_off_approve(*, tenant: Organisation, actor, call_off: CallOff, note: str = "") -> CallOff:
    call_off = _locked(tenant, call_off)
    _require_approver(actor, tenant, call_off)
    _require_status(call_off, CallOffStatus.AWAITING_APPROVAL)
    before = snapshot(call_off, STATE_FIELDS)
    call_off.status = CallOffStatus.APPROVED
    call_off.approved_by = actor if actor is not None and actor.is_authenticated else None
    call_off.approved_at = timezone.now()
    call_off.decision_note = note.strip()
    call_off.save()
    _audit(tenant, actor, "call_off.approve", call_off, before=before)
    notifications.approval_decided_owe(call_off=call_off)
    return call_off


@records_refusals
@transaction.atomic
def call_off_reject(*, tenant: Organisation, actor, call_off: CallOff, note: str) -> CallOff:
    call_off = _locked(tenant, call_off)
    _require_approver(actor, tenant, call_off)
    _require_status(call_off, CallOffStatus.AWAITING_APPROVAL)
    if not note.strip():
        raise ValidationError({"note": _("Bitte begründen Sie die Ablehnung.")})
    before = snapshot(call_off, STATE_FIELDS)
    call_off.status = CallOffStatus.REJECTED
    call_off.approved_by = actor if actor is not None and actor.is_authenticated else None
    call_off.decision_note = note.strip()
    call_off.save()
    _audit(tenant, actor, "call_off.reject", call_off, before=before)
    notifications.approval_decided_owe(call_off=call_off)
    return call_off


@transaction.atomic
def call_off_order(*, tenant: Organisation, actor, call_off: CallOff) -> CallOff:
    """Place the order: the guards run again on the order date (the contract may have ended
    or been exhausted meanwhile). The order PDF is available afterwards and goes to the
    supplier by e-mail after the commit (`order_mail`)."""
    _require_caller(actor, tenant)
    call_off = _locked(tenant, call_off)
    _require_status(call_off, CallOffStatus.APPROVED)
    before = snapshot(call_off, STATE_FIELDS)
    with scope(tenant=tenant):
        _run_guards(call_off)
    call_off.status = CallOffStatus.ORDERED
    call_off.ordered_at = timezone.now()
    call_off.save()
    _audit(tenant, actor, "call_off.order", call_off, before=before)
    # In the same transaction: an order that is committed always owes its e-mail.
    order_mail_owe(call_off=call_off, actor=actor)
    return call_off


@records_refusals
@transaction.atomic
def call_off_cancel(*, tenant: Organisation, actor, call_off: CallOff) -> CallOff:
    """Withdraw a call-off not yet ordered (it stops counting against the maximum). A draft
    only by its owner or those it is shared with."""
    _require_caller(actor, tenant)
    call_off = _locked(tenant, call_off)
    _require_status(
        call_off,
        CallOffStatus.DRAFT,
        CallOffStatus.AWAITING_APPROVAL,
        CallOffStatus.APPROVED,
    )
    if call_off.status == CallOffStatus.DRAFT:
        call_off = _locked_draft(tenant, actor, call_off)
    before = snapshot(call_off, STATE_FIELDS)
    call_off.status = CallOffStatus.CANCELLED
    call_off.cancelled_at = timezone.now()
    call_off.save()
    _audit(tenant, actor, "call_off.cancel", call_off, before=before)
    return call_off


@records_refusals
@transaction.atomic
def call_off_share(*, tenant: Organisation, actor, call_off: CallOff, people) -> CallOff:
    """The owner shares the draft with people of the member (clerks or administrators), who
    may then change it; `people` replaces the previous list (empty: shared with nobody)."""
    _require_caller(actor, tenant)
    call_off = _locked(tenant, call_off)
    _require_status(call_off, CallOffStatus.DRAFT)
    person = _person(actor)
    if actor is not None and (person is None or call_off.created_by_id != person.pk):
        raise Refused(
            _("Nur die Person, der der Entwurf %(reference)s gehört, kann ihn teilen.")
            % {"reference": call_off.reference},
            call_off,
        )
    people = list(people)
    for other in people:
        if not user_roles(other, tenant=tenant) & {str(r) for r in CALLER_ROLES}:
            raise ValidationError(
                {
                    "people": _(
                        "%(person)s arbeitet nicht für %(member)s und kann den Entwurf nicht "
                        "bearbeiten."
                    )
                    % {"person": str(other), "member": tenant.name}
                }
            )
    with scope(tenant=tenant):
        before = sorted(str(u) for u in call_off.shared_with.all())
        call_off.shared_with.set([u for u in people if u.pk != call_off.created_by_id])
        after = sorted(str(u) for u in call_off.shared_with.all())
    audit_record(
        tenant=tenant,
        actor=actor,
        action="call_off.share",
        obj=call_off,
        before={"shared_with": before},
        after={"shared_with": after},
    )
    return call_off


SETTINGS_FIELDS = (
    "approval_threshold", "order_email", "default_delivery_address", "leitweg_id",
    "einvoice_email",
)  # fmt: skip
PENDING_FIELDS = ("pending_threshold", "pending_threshold_by", "pending_threshold_at")


def _require_settings_admin(actor, tenant: Organisation) -> None:
    if acts_for_cooperative(actor):
        return
    _require_role(
        actor,
        tenant,
        {APPROVER_ROLE},
        _("Nur die Mitgliedsverwaltung darf die Beschaffungseinstellungen ändern."),
    )


def _locked_settings(tenant: Organisation):
    row = MemberProcurementSettings.objects.select_for_update().filter(tenant=tenant).first()
    return row


@records_refusals
@transaction.atomic
def procurement_settings_update(
    *, tenant: Organisation, actor, **changes
) -> MemberProcurementSettings:
    """The member's administration (or the cooperative) sets its order defaults and approval
    threshold. Lowering the threshold (more approvals) applies at once; raising it, when a
    member administrator asks, waits for a second person (`procurement_threshold_decide`):
    otherwise an administrator could raise it over his own call-off and skip the approval.
    The cooperative's change applies at once."""
    _require_settings_admin(actor, tenant)
    reject_unknown_fields(changes, SETTINGS_FIELDS, "settings")
    with scope(tenant=tenant):
        row = _locked_settings(tenant)
        created = row is None
        row = row or MemberProcurementSettings(tenant=tenant)
        before = None if created else snapshot(row, SETTINGS_FIELDS + PENDING_FIELDS)
        requested = changes.pop("approval_threshold", None)
        leitweg_id = str(changes.get("leitweg_id") or "").strip().upper()
        if leitweg_id and (problem := leitweg_id_problem(leitweg_id)):
            raise ValidationError({"leitweg_id": problem})
        if "leitweg_id" in changes:
            changes["leitweg_id"] = leitweg_id
        for name, value in changes.items():
            setattr(row, name, value)
        if requested is not None and requested != row.approval_threshold:
            if acts_for_cooperative(actor) or requested < row.approval_threshold:
                row.approval_threshold = requested
                row.pending_threshold = None
                row.pending_threshold_by = None
                row.pending_threshold_at = None
            else:
                row.pending_threshold = requested
                row.pending_threshold_by = _person(actor)
                row.pending_threshold_at = timezone.now()
        row.full_clean(exclude=["tenant", "pending_threshold_by"])
        row.save()
    audit_record(
        tenant=tenant,
        actor=actor,
        action="procurement_settings.update",
        obj=row,
        before=before,
        after=snapshot(row, SETTINGS_FIELDS + PENDING_FIELDS),
    )
    return row


@records_refusals
@transaction.atomic
def procurement_threshold_decide(
    *, tenant: Organisation, actor, confirm: bool
) -> MemberProcurementSettings:
    """Another member administrator (never the one who asked) or the cooperative confirms
    or declines a requested raise of the approval threshold."""
    _require_settings_admin(actor, tenant)
    with scope(tenant=tenant):
        row = _locked_settings(tenant)
        if row is None or row.pending_threshold is None:
            raise ValidationError(_("Es ist keine Änderung der Freigabegrenze beantragt."))
        person = _person(actor)
        if (
            person is not None
            and row.pending_threshold_by_id == person.pk
            and not acts_for_cooperative(actor)
        ):
            raise Refused(
                _(
                    "Vier-Augen-Prinzip: Die von Ihnen beantragte Freigabegrenze bestätigt "
                    "eine andere Person der Mitgliedsverwaltung oder die Genossenschaft."
                ),
                row,
            )
        before = snapshot(row, SETTINGS_FIELDS + PENDING_FIELDS)
        if confirm:
            row.approval_threshold = row.pending_threshold
        row.pending_threshold = None
        row.pending_threshold_by = None
        row.pending_threshold_at = None
        row.save()
    audit_record(
        tenant=tenant,
        actor=actor,
        action="procurement_settings.threshold_confirm"
        if confirm
        else "procurement_settings.threshold_decline",
        obj=row,
        before=before,
        after=snapshot(row, SETTINGS_FIELDS + PENDING_FIELDS),
    )
    return row


def call_offs_awaiting_deputy() -> list[CallOff]:
    """Named cross-tenant read for the cooperative's staff page: call-offs awaiting approval
    that no administrator of their member may decide (deputy rule, issue 19)."""
    with scopes_disabled():
        waiting = list(
            CallOff.objects.filter(status=CallOffStatus.AWAITING_APPROVAL)
            .select_related("tenant", "contract", "supplier", "created_by", "submitted_by")
            .order_by("submitted_at", "id")
        )
    return [c for c in waiting if needs_deputy(c.tenant, c)]
