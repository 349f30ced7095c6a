"""Every change of the print-and-copy planner: atomic and audited under the member.

Only people who act for the member (any role in it) change its inventories and scenarios
(`actor=None`: the system, e.g. the demo loader); the tenant comes from the caller (the
request's acting organisation), never from input.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from openkommune.printplanner import io
from openkommune.printplanner.constants import SCENARIO_DEFAULTS
from openkommune.printplanner.models import (
    INVENTORY_ASSUMPTION_FIELDS,
    SCENARIO_FIELDS,
    Device,
    Inventory,
    Scenario,
    Site,
)
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import user_roles
from openkommune.tenancy.services import (
    audit_record,
    reject_unknown_fields,
    save_changes,
    snapshot,
)

TITLE_MAX = Inventory._meta.get_field("title").max_length


def may_plan(actor, tenant) -> bool:
    """Whoever acts for the member (clerks, member administrators; the cooperative's staff
    for the cooperative itself)."""
    return bool(
        actor is not None
        and actor.is_authenticated
        and tenant is not None
        and user_roles(actor, tenant=tenant)
    )


def _require(actor, tenant) -> None:
    """`actor=None` is the system (the demo loader)."""
    if actor is not None and not may_plan(actor, tenant):
        raise PermissionDenied(_("Das Druckkonzept bearbeiten nur Beschäftigte des Mitglieds."))


def inventory_import(*, tenant, actor, title: str, file, source_name: str = "") -> Inventory:
    """A new inventory from a CSV or XLSX file (`file`: bytes or a binary file).

    Every row is checked before anything is written; any bad row raises
    `io.InventoryImportError` with all errors and nothing is stored."""
    _require(actor, tenant)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Bitte geben Sie der Bestandsaufnahme einen Namen.")})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": _("Höchstens %(limit)d Zeichen.") % {"limit": TITLE_MAX}})
    # Read and checked (streaming, with limits) before the transaction: a slow or hostile
    # file must not hold a write lock while it is parsed.
    parsed = io.parse_inventory(file)
    with transaction.atomic(), scope(tenant=tenant):
        inventory = Inventory(
            tenant=tenant, title=title, source_name=source_name[:255], imported_by=actor
        )
        inventory.full_clean()
        inventory.save()
        sites = {}
        for row in parsed.sites:
            sites[row.name] = Site.objects.create(
                tenant=tenant,
                inventory=inventory,
                name=row.name,
                employees=row.employees,
                line=row.line,
            )
        Device.objects.bulk_create(
            Device(
                tenant=tenant,
                inventory=inventory,
                site=sites[row.site],
                line=row.line,
                model=row.model,
                kind=row.kind,
                colour=row.colour,
                acquisition=row.acquisition,
                monthly_rate=row.monthly_rate,
                purchase_price=row.purchase_price,
                period_start=row.period_start,
                period_end=row.period_end,
                pages_mono=row.pages_mono,
                pages_colour=row.pages_colour,
                toner_mono=row.toner_mono,
                toner_colour=row.toner_colour,
                service_per_page=row.service_per_page,
                energy_per_page=row.energy_per_page,
            )
            for row in parsed.devices
        )
        audit_record(
            tenant=tenant,
            actor=actor,
            action="printplanner.inventory_import",
            obj=inventory,
            after={
                "title": title,
                "source_name": inventory.source_name,
                "sites": len(parsed.sites),
                "devices": len(parsed.devices),
                **snapshot(inventory, INVENTORY_ASSUMPTION_FIELDS),
            },
        )
    return inventory


@transaction.atomic
def inventory_assumptions_update(*, inventory: Inventory, actor, **changes) -> Inventory:
    """Change the paper price, today's duplex share or the service life (audited)."""
    _require(actor, inventory.tenant)
    reject_unknown_fields(changes, INVENTORY_ASSUMPTION_FIELDS, "inventory")
    with scope(tenant=inventory.tenant):
        row = Inventory.objects.select_for_update().get(pk=inventory.pk)
        before = snapshot(row, INVENTORY_ASSUMPTION_FIELDS)
        for name, value in changes.items():
            setattr(row, name, value)
        save_changes(
            row,
            tenant=row.tenant,
            actor=actor,
            action="printplanner.inventory_update",
            fields=INVENTORY_ASSUMPTION_FIELDS,
            before=before,
        )
    inventory.refresh_from_db()
    return row


@transaction.atomic
def inventory_delete(*, inventory: Inventory, actor) -> None:
    """Delete an inventory with its sites, devices and scenarios (audited)."""
    _require(actor, inventory.tenant)
    with scope(tenant=inventory.tenant):
        audit_record(
            tenant=inventory.tenant,
            actor=actor,
            action="printplanner.inventory_delete",
            obj=inventory,
            before={
                "title": inventory.title,
                "devices": inventory.devices.count(),
                "scenarios": inventory.scenarios.count(),
            },
        )
        inventory.delete()


@transaction.atomic
def scenario_create(*, inventory: Inventory, actor, name: str = "", **fields) -> Scenario:
    """A new scenario with the documented defaults (or the given values), audited."""
    _require(actor, inventory.tenant)
    reject_unknown_fields(fields, SCENARIO_FIELDS, "scenario")
    with scope(tenant=inventory.tenant):
        number = inventory.scenarios.count() + 1
        row = Scenario(
            tenant=inventory.tenant,
            inventory=inventory,
            name=" ".join(name.split()) or _("Szenario %(number)d") % {"number": number},
            created_by=actor,
            **{**SCENARIO_DEFAULTS, **fields},
        )
        row.full_clean()
        row.save()
        audit_record(
            tenant=row.tenant,
            actor=actor,
            action="printplanner.scenario_create",
            obj=row,
            after=snapshot(row, ("name", *SCENARIO_FIELDS)),
        )
    return row


@transaction.atomic
def scenario_update(*, scenario: Scenario, actor, **changes) -> Scenario:
    """Change a scenario's name or assumptions; the ranges must be ordered (min ≤ expected
    ≤ max), else ValidationError and nothing changes."""
    _require(actor, scenario.tenant)
    fields = ("name", *SCENARIO_FIELDS)
    reject_unknown_fields(changes, fields, "scenario")
    with scope(tenant=scenario.tenant):
        row = Scenario.objects.select_for_update().get(pk=scenario.pk)
        before = snapshot(row, fields)
        for name, value in changes.items():
            setattr(row, name, " ".join(value.split()) if name == "name" else value)
        if not row.name:
            raise ValidationError({"name": _("Bitte geben Sie dem Szenario einen Namen.")})
        save_changes(
            row,
            tenant=row.tenant,
            actor=actor,
            action="printplanner.scenario_update",
            fields=fields,
            before=before,
        )
    scenario.refresh_from_db()
    return row
