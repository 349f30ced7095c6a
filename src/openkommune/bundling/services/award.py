"""From an evaluated round to the members' call-offs (issue 19, "from round to order").

When the cooperative awards a round, each member's allocations become binding call-offs:
one per member, framework contract and supplier, with the round's prices (the tier the
bundled quantity reached, not the member's own), referencing the round. They count against
the contract's volume like any call-off, and every guard of a call-off runs on each (member
register, caller rule, term, items, volume); one refusal refuses the whole award and nothing
changes. The member's own four eyes still hold (see `procurement.services.
call_off_create_awarded`): the person who reported the demand cannot approve it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.bundling.constants import RoundStatus
from openkommune.bundling.models import (
    BundlingRound,
    DemandEntry,
    RoundAllocation,
    RoundMemberResult,
)
from openkommune.bundling.services.rounds import _locked_round, _require_staff
from openkommune.procurement.models import CallOff
from openkommune.procurement.services import (
    AwardedLine,
    CallOffRefused,
    call_off_create_awarded,
)
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.services import audit_record


@transaction.atomic
def round_award(*, actor, bundling_round: BundlingRound) -> list[CallOff]:
    """Turn the evaluated round's result into call-offs; the round is then "vergeben".

    Refused (ValidationError, German, nothing changed) when the round is not evaluated, was
    awarded already, or a guard refuses one of the call-offs (the message names the member).
    """
    _require_staff(actor)
    locked = _locked_round(bundling_round)
    if locked.status == RoundStatus.AWARDED:
        raise ValidationError(_("Die Runde ist schon vergeben; ihre Abrufe gibt es bereits."))
    if locked.status != RoundStatus.EVALUATED or not hasattr(locked, "result"):
        raise ValidationError(_("Vergeben lässt sich nur eine ausgewertete Runde."))
    origin = _("Bündelungsrunde „%(title)s“") % {"title": locked.title}
    # The cooperative's award writes call-offs of many members at once: that is the point.
    with scopes_disabled():
        allocations = list(
            RoundAllocation.objects.filter(result=locked.result)
            .select_related("tenant", "catalog_item__contract", "catalog_item__supplier")
            .order_by("tenant__name", "tenant_id", "id")
        )
        reporters = defaultdict(set)
        for entry in DemandEntry.objects.filter(
            round_item__round=locked, quantity__gt=0
        ).select_related("updated_by"):
            if entry.updated_by is not None:
                reporters[entry.tenant_id].add(entry.updated_by)
    groups: dict[tuple, list[RoundAllocation]] = defaultdict(list)
    for allocation in allocations:
        item = allocation.catalog_item
        groups[(allocation.tenant_id, item.contract_id, item.supplier_id)].append(allocation)
    call_offs = []
    for rows in groups.values():
        first = rows[0]
        tenant, item = first.tenant, first.catalog_item
        try:
            call_off = call_off_create_awarded(
                tenant=tenant,
                actor=actor,
                contract=item.contract,
                supplier=item.supplier,
                lines=[
                    AwardedLine(
                        item=row.catalog_item,
                        quantity=row.quantity,
                        unit_price=row.unit_price,
                        line_total=row.cost,
                    )
                    for row in rows
                ],
                origin=origin,
                contributors=reporters[tenant.pk],
                settlement=None
                if any(row.settlement is None for row in rows)
                else sum((row.settlement for row in rows), Decimal("0.00")),
            )
        except CallOffRefused as error:
            raise ValidationError(
                _("Die Runde lässt sich nicht vergeben: Der Abruf von %(member)s bei %(supplier)s "
                  "(Vertrag %(number)s) wird abgelehnt: %(reasons)s")
                % {
                    "member": tenant.name,
                    "supplier": item.supplier.name,
                    "number": item.contract.number,
                    "reasons": " ".join(error.messages),
                }
            ) from error  # fmt: skip
        with scopes_disabled():
            by_item = {line.item_id: line for line in call_off.lines.all()}
        for row in rows:
            row.call_off_line = by_item[row.catalog_item_id]
            row.save(update_fields=["call_off_line"])
        call_offs.append(call_off)
    with scopes_disabled():
        settlements = {
            str(public_id): str(amount)
            for public_id, amount in RoundMemberResult.objects.filter(
                result=locked.result
            ).values_list("tenant__public_id", "settlement")
            if amount is not None
        }
    locked.status = RoundStatus.AWARDED
    locked.awarded_at = timezone.now()
    locked.awarded_by = actor if actor is not None and actor.is_authenticated else None
    locked.save()
    audit_record(
        tenant=None,
        actor=actor,
        action="bundling.round_award",
        obj=locked,
        before={"status": RoundStatus.EVALUATED},
        after={
            "status": RoundStatus.AWARDED,
            "call_offs": [c.reference for c in call_offs],
            "total": str(sum((c.total for c in call_offs), Decimal("0.00"))),
            # Binding with the award: each member's settlement between its cost share and its
            # call-offs at the tier price (ADR 0045), by member.
            "settlements": settlements,
        },
    )
    return call_offs
